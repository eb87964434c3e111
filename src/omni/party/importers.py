"""Excel importers and exports of the party app (importers autodiscovered by the kernel).

``party.customers``
    One row per customer, matched on 客户编码: a new code creates a customer (a prospect),
    a known one is updated where the file differs, and a row that is already as in the file
    writes nothing. The file is the truth for every column of the template: an empty cell
    clears the field (the account manager, not in the template, is never touched).
    Validation is in bulk (one query per reference type and chunk): duplicate codes in the
    file, unknown organisations / classes / levels / sales regions / regions / upper
    customers, organisations outside the uploader's data scope, an upper-level supplier in
    another organisation or that cannot supply (a store or key account), and cycles or
    over-long supplier chains. The supplier graph is checked as it will be after the
    import: rows of the file (an upper may be defined on a later row) over what the
    database holds, to a fixpoint, so that a row whose upper is rejected is rejected too
    when the upper is new, or checked against the database when it exists. New customers
    are inserted in layers, uppers first.
``party.contacts_addresses``
    One row per contact or delivery address of a customer in the uploader's scope. A
    contact is the same when customer, name and phone are; an address when customer,
    region, street and receiver are: those are never created twice (position, phone and
    the default flag are updated). 默认=是 makes the row the customer's only default.

The kernel writes one audit entry per job with the counts; rows that change nothing are
not written. `customer_rows` / `contact_address_rows` give a queryset's rows in the
templates' layout, so an exported file can be edited and imported again as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omni.kernel import excel
from omni.kernel.actors import Actor
from omni.kernel.excel import Column, Row, RowError, SheetSpec
from omni.kernel.imports import (
    ApplyCounts,
    Importer,
    Progress,
    insert_rows,
    register_importer,
    rows_by_keys,
)

from .errors import InvalidPhone, InvalidTaxNumber
from .models import (
    Address,
    Contact,
    Customer,
    CustomerClass,
    CustomerKind,
    CustomerLevel,
    Organization,
    Region,
    SalesRegion,
)
from .selectors import scoped_customers
from .services.customers import MAX_CHAIN, SUPPLYING_KINDS
from .states import CustomerStatus
from .validation import is_valid_code, normalize_phone, normalize_tax_number, uscc_check_char

CHUNK = 5000
KINDS = {
    "一级经销商": CustomerKind.DISTRIBUTOR,
    "二级经销商": CustomerKind.DEALER,
    "终端门店": CustomerKind.STORE,
    "大客户": CustomerKind.KEY_ACCOUNT,
}
KIND_LABELS = {str(v): k for k, v in KINDS.items()}
YES_NO = {"是": True, "否": False}
MAX_TAGS = 20
MAX_TAG_LENGTH = 30
_TAG_SPLIT = re.compile(r"[,，、;；\n]+")
_EXAMPLE_TAX = "91310115MA1K3B2X0" + uscc_check_char("91310115MA1K3B2X0")

OUT_OF_SCOPE = "组织不在您的数据权限范围内"


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _distinct(rows: Iterable[Row], key: str) -> list[str]:
    return sorted({r.values[key] for r in rows if r.values[key]})


# --- cell parsers ---------------------------------------------------------------------------


def _code(what: str):
    def parse(value: Any) -> str:
        code = excel.as_text(value)
        if not is_valid_code(code):
            raise excel.CellError(f"{what}只能包含字母、数字、. _ -，以字母或数字开头，最多 32 位")
        return code

    return parse


def _region_code(value: Any) -> str:
    code = excel.as_text(value)
    if not re.fullmatch(r"\d{6}", code):
        raise excel.CellError("地区编码应为 6 位数字（行政区划代码）")
    return code


def _tags(value: Any) -> list[str]:
    tags = sorted({t.strip() for t in _TAG_SPLIT.split(excel.as_text(value)) if t.strip()})
    if len(tags) > MAX_TAGS:
        raise excel.CellError(f"最多 {MAX_TAGS} 个标签")
    if any(len(t) > MAX_TAG_LENGTH for t in tags):
        raise excel.CellError(f"每个标签最多 {MAX_TAG_LENGTH} 个字符")
    return tags


def _tax_number(value: Any) -> str:
    try:
        return normalize_tax_number(excel.as_text(value))
    except InvalidTaxNumber:
        raise excel.CellError("税号无效：应为 18 位统一社会信用代码，且校验位正确") from None


def _phone(value: Any) -> str:
    try:
        return normalize_phone(excel.as_text(value))
    except InvalidPhone:
        raise excel.CellError("电话号码无效：请填写手机号或带区号的固定电话") from None


# --- scope ------------------------------------------------------------------------------------


def _scope_paths(actor: Actor) -> list[str] | None:
    """Paths of the organisation subtrees the actor may import into; None = everything."""
    if actor.scope.everything:
        return None
    ids = sorted(actor.scope.org_ids)
    if not ids:
        return []
    return list(Organization.objects.filter(pk__in=ids).values_list("path", flat=True))


def _in_scope(paths: list[str] | None, path: str) -> bool:
    return paths is None or any(path.startswith(p) for p in paths)


# === customers ==================================================================================

CUSTOMER_SPEC = SheetSpec(
    "客户",
    (
        Column(
            "code",
            "客户编码",
            required=True,
            max_length=32,
            parse=_code("客户编码"),
            example="C-SH-001",
            note="按客户编码匹配：已存在则更新，不存在则新建（新客户为潜在客户）",
        ),
        Column("name", "客户名称", required=True, max_length=120, example="上海浦江商贸有限公司"),
        Column("short_name", "简称", max_length=60, example="浦江商贸"),
        Column(
            "kind",
            "客户类型",
            required=True,
            choices=tuple(KINDS),
            parse=excel.mapped(KINDS),
            example="一级经销商",
        ),
        Column(
            "org_code",
            "所属组织编码",
            required=True,
            max_length=32,
            example="E-SO",
            note="须在您的数据权限范围内",
        ),
        Column("class_code", "客户分类编码", max_length=32, example="L1"),
        Column("level_code", "客户级别编码", max_length=32, example="A"),
        Column("sales_region_code", "销售区域编码", max_length=32, example="DIST-SH"),
        Column(
            "region_code",
            "所在地区编码",
            parse=_region_code,
            example="310115",
            note="6 位行政区划代码（区县），例如 310115 = 上海市浦东新区",
        ),
        Column(
            "upper_code",
            "上级客户编码",
            max_length=32,
            note="向其进货的上级经销商：须属于同一组织，且是一级或二级经销商；"
            "可以是本文件中的其他行；留空 = 向品牌方进货",
        ),
        Column(
            "tags",
            "标签",
            parse=_tags,
            example="重点客户,华东",
            note=f"多个用逗号分隔，最多 {MAX_TAGS} 个",
        ),
        Column("invoice_title", "开票抬头", max_length=120, example="上海浦江商贸有限公司"),
        Column(
            "tax_number",
            "税号",
            parse=_tax_number,
            example=_EXAMPLE_TAX,
            note="18 位统一社会信用代码",
            width=22,
        ),
    ),
    notes=(
        "4. 文件即准确内容：已有客户的选填列留空会清空该字段。",
        "5. 上级客户与本客户须属于同一组织；终端门店和大客户不能作为上级客户；"
        f"上级链条不能形成循环，最多 {MAX_CHAIN} 级。",
    ),
)

_CUSTOMER_FIELDS = (
    "id",
    "code",
    "org_id",
    "kind",
    "upper_id",
    "name",
    "short_name",
    "customer_class_id",
    "level_id",
    "sales_region_id",
    "region_id",
    "tags",
    "invoice_title",
    "tax_number",
)
# what a row sets, in the order of `_customer_values`
_CUSTOMER_WRITES = (
    "org_id",
    "name",
    "short_name",
    "kind",
    "customer_class_id",
    "level_id",
    "sales_region_id",
    "region_id",
    "tags",
    "invoice_title",
    "tax_number",
)


@dataclass
class _CustomerRefs:
    """Reference data named in the file, each type looked up once (per chunk)."""

    orgs: dict[str, tuple[int, str]] = field(default_factory=dict)  # code → (id, path)
    org_paths: dict[int, str] = field(default_factory=dict)  # id → path
    classes: dict[str, int] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)
    sales_regions: dict[str, int] = field(default_factory=dict)
    regions: set[str] = field(default_factory=set)
    # customers by code: those of the file, their uppers and (validation) their ancestors
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    codes_by_id: dict[int, str] = field(default_factory=dict)
    # (code, upper id, org id) of the customers ordering from those that change (validation)
    lowers: list[tuple[str, int, int]] | None = None


def _lookup(model: Any, codes: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(codes):
        found.update(model.objects.filter(code__in=chunk).values_list("code", "id"))
    return found


def _add_customers(refs: _CustomerRefs, found: Iterable[tuple[Any, ...]]) -> None:
    for values in found:
        c = dict(zip(_CUSTOMER_FIELDS, values, strict=True))
        refs.customers[c["code"]] = c
        refs.codes_by_id[c["id"]] = c["code"]


def _load_customer_refs(rows: Sequence[Row], *, ancestors: bool) -> _CustomerRefs:
    refs = _CustomerRefs()
    for chunk in _chunks(_distinct(rows, "org_code")):
        refs.orgs.update(
            (code, (pk, path))
            for code, pk, path in Organization.objects.filter(code__in=chunk).values_list(
                "code", "id", "path"
            )
        )
    refs.classes = _lookup(CustomerClass, _distinct(rows, "class_code"))
    refs.levels = _lookup(CustomerLevel, _distinct(rows, "level_code"))
    refs.sales_regions = _lookup(SalesRegion, _distinct(rows, "sales_region_code"))
    for chunk in _chunks(_distinct(rows, "region_code")):
        refs.regions.update(Region.objects.filter(code__in=chunk).values_list("code", flat=True))
    codes = sorted({*_distinct(rows, "code"), *_distinct(rows, "upper_code")})
    _add_customers(refs, rows_by_keys(Customer, "code", codes, _CUSTOMER_FIELDS))
    if ancestors:
        # the supplier chains above them, one query per level (chains are short)
        for _level in range(MAX_CHAIN + 1):
            missing = sorted(
                {
                    c["upper_id"]
                    for c in refs.customers.values()
                    if c["upper_id"] and c["upper_id"] not in refs.codes_by_id
                }
            )
            if not missing:
                break
            _add_customers(refs, rows_by_keys(Customer, "id", missing, _CUSTOMER_FIELDS))
    for org_id, path in Organization.objects.filter(
        pk__in=sorted({c["org_id"] for c in refs.customers.values()})
    ).values_list("id", "path"):
        refs.org_paths[org_id] = path
    for pk, path in refs.orgs.values():
        refs.org_paths[pk] = path
    return refs


@dataclass(frozen=True, slots=True)
class _Node:
    """A customer as it will be after the import: its file row (if applied) or the database."""

    org_id: int | None
    kind: str
    upper: str | None  # code
    row: int | None  # the file row that sets it, if any


class CustomerImporter(Importer):
    label = _("Customers")
    permission = "party.customer.import"
    spec = CUSTOMER_SPEC

    def validate_rows(
        self, rows: Sequence[Row], *, actor: Actor, progress: Progress
    ) -> list[RowError]:
        refs = _load_customer_refs(rows, ancestors=True)
        paths = _scope_paths(actor)
        h = CUSTOMER_SPEC.header
        errors: list[RowError] = []
        bad: set[int] = set()

        def add(row: Row, key: str, reason: str) -> None:
            errors.append(RowError(row.number, h(key) if key else "", reason))
            bad.add(row.number)

        first: dict[str, Row] = {}
        for n, row in enumerate(rows, 1):
            v = row.values
            code = v["code"]
            if code in first:
                add(row, "code", f"与第 {first[code].number} 行重复")
            else:
                first[code] = row
            org = refs.orgs.get(v["org_code"])
            if org is None:
                add(row, "org_code", "组织编码不存在")
            elif not _in_scope(paths, org[1]):
                add(row, "org_code", OUT_OF_SCOPE)
            current = refs.customers.get(code)
            if current is not None and not _in_scope(
                paths, refs.org_paths.get(current["org_id"], "")
            ):
                add(row, "code", "客户编码已被使用，该客户不在您的数据权限范围内")
            for key, known, what in (
                ("class_code", refs.classes, "客户分类编码"),
                ("level_code", refs.levels, "客户级别编码"),
                ("sales_region_code", refs.sales_regions, "销售区域编码"),
            ):
                if v[key] and v[key] not in known:
                    add(row, key, f"{what}不存在")
            if v["region_code"] and v["region_code"] not in refs.regions:
                add(row, "region_code", "地区编码不存在")
            if v["upper_code"] and v["upper_code"] == code:
                add(row, "upper_code", "上级客户不能是客户自己")
            if n % CHUNK == 0:
                progress(n)

        # the supplier graph as it will be, until no more rows fall out
        while True:
            found = self._check_graph(rows, first, refs, paths, bad)
            if not found:
                break
            for row, key, reason in found:
                add(row, key, reason)
        progress(len(rows))
        return errors

    def _check_graph(
        self,
        rows: Sequence[Row],
        first: dict[str, Row],
        refs: _CustomerRefs,
        paths: list[str] | None,
        bad: set[int],
    ) -> list[tuple[Row, str, str]]:
        """Upper, organisation, kind and chain problems of the rows not yet rejected, with
        rejected rows counting as what the database holds."""

        def node(code: str) -> _Node | None:
            row = first.get(code)
            if row is not None and row.number not in bad:
                org = refs.orgs.get(row.values["org_code"])
                return _Node(
                    org[0] if org else None,
                    row.values["kind"],
                    row.values["upper_code"],
                    row.number,
                )
            c = refs.customers.get(code)
            if c is None:
                return None
            upper = refs.codes_by_id.get(c["upper_id"]) if c["upper_id"] else None
            return _Node(c["org_id"], c["kind"], upper, None)

        found: list[tuple[Row, str, str]] = []
        for row in rows:
            if row.number in bad:
                continue
            v = row.values
            me = node(v["code"])
            assert me is not None
            upper_code = v["upper_code"]
            if upper_code:
                upper = node(upper_code)
                in_db = refs.customers.get(upper_code)
                if upper is None or (
                    upper.row is None
                    and not _in_scope(paths, refs.org_paths.get(in_db["org_id"], ""))  # type: ignore[index]
                ):
                    file_row = first.get(upper_code)
                    reason = (
                        f"上级客户所在的第 {file_row.number} 行有错误"
                        if file_row is not None
                        else "上级客户编码不存在"
                    )
                    found.append((row, "upper_code", reason))
                    continue
                if upper.org_id != me.org_id:
                    found.append((row, "upper_code", "上级客户须与本客户属于同一组织"))
                    continue
                if upper.kind not in SUPPLYING_KINDS:
                    found.append(
                        (row, "upper_code", "上级客户是终端门店或大客户，不能作为上级供货商")
                    )
                    continue
                # walk up the chain: it must not come back to this customer
                chain, code = [v["code"], upper_code], upper_code
                problem = ""
                while code is not None:
                    n = node(code)
                    code = n.upper if n is not None else None
                    if code is None:
                        break
                    if code == v["code"]:
                        problem = "上级客户形成循环：" + " → ".join([*chain, code])
                        break
                    if code in chain:
                        break  # a loop above this customer: reported on its own rows
                    chain.append(code)
                    if len(chain) > MAX_CHAIN + 1:
                        problem = f"上级客户链条超过 {MAX_CHAIN} 级"
                        break
                if problem:
                    found.append((row, "upper_code", problem))
                    continue
        # customers that change organisation or become unable to supply while lower
        # customers (left as the database has them) still order from them
        found.extend(self._check_lowers(rows, first, refs, bad, node))
        return found

    def _check_lowers(self, rows, first, refs, bad, node) -> list[tuple[Row, str, str]]:
        changing: dict[int, Row] = {}
        for row in rows:
            current = refs.customers.get(row.values["code"])
            if row.number in bad or current is None or first[row.values["code"]] is not row:
                continue
            me = node(row.values["code"])
            if me.org_id != current["org_id"] or (
                me.kind not in SUPPLYING_KINDS and current["kind"] in SUPPLYING_KINDS
            ):
                changing[current["id"]] = row
        if not changing:
            return []
        if refs.lowers is None:
            # loaded once: later rounds only reject rows, so `changing` can only shrink
            refs.lowers = []
            for chunk in _chunks(sorted(changing)):
                refs.lowers.extend(
                    Customer.objects.filter(upper_id__in=chunk).values_list(
                        "code", "upper_id", "org_id"
                    )
                )
        found = []
        for code, upper_id, org_id in refs.lowers:
            row = changing.get(upper_id)
            if row is None:
                continue
            own = first.get(code)
            if own is not None and own.number not in bad:
                continue  # the lower customer's own row decides (and is checked itself)
            me = node(row.values["code"])
            if org_id != me.org_id:
                found.append((row, "org_code", f"下级客户 {code} 仍属于原组织，不能更换组织"))
            elif me.kind not in SUPPLYING_KINDS:
                found.append(
                    (row, "kind", f"仍有下级客户（{code}）向其进货，不能改为终端门店或大客户")
                )
        return found

    # --- apply ------------------------------------------------------------------------------

    def apply(self, rows: Sequence[Row], *, actor: Actor, progress: Progress) -> ApplyCounts:
        counts = ApplyCounts()
        if not rows:
            return counts
        refs = _load_customer_refs(rows, ancestors=False)
        ids = {code: c["id"] for code, c in refs.customers.items()}
        wanted = {row.values["code"]: _customer_values(row, refs) for row in rows}
        uppers = {row.values["code"]: row.values["upper_code"] for row in rows}
        new = [code for code in wanted if code not in refs.customers]

        # new customers in layers, uppers first (a new customer's upper may be a new one)
        depth: dict[str, int] = {}

        def layer(code: str) -> int:
            if code not in depth:
                depth[code] = 0  # guard: validation excluded cycles
                upper = uppers.get(code)
                depth[code] = layer(upper) + 1 if upper in wanted and upper not in ids else 0
            return depth[code]

        layers: dict[int, list[str]] = {}
        for code in new:
            layers.setdefault(layer(code), []).append(code)
        done = 0
        for level in sorted(layers):
            batch = layers[level]
            insert_rows(
                Customer,
                ("code", *_CUSTOMER_WRITES, "upper_id", "status", "created_by_id"),
                (
                    (
                        code,
                        *wanted[code],
                        ids[uppers[code]] if uppers[code] else None,
                        CustomerStatus.PROSPECT,
                        actor.id,
                    )
                    for code in batch
                ),
            )
            ids.update(rows_by_keys(Customer, "code", batch, ("code", "id")))
            done += len(batch)
            progress(done)

        # existing customers: only what differs is written
        now = timezone.now()
        changed: list[Customer] = []
        for code, values in wanted.items():
            current = refs.customers.get(code)
            if current is None:
                continue
            upper_id = ids[uppers[code]] if uppers[code] else None
            before = tuple(
                sorted(current[f] or []) if f == "tags" else current[f] for f in _CUSTOMER_WRITES
            )
            if before != values or current["upper_id"] != upper_id:
                fields = dict(zip(_CUSTOMER_WRITES, values, strict=True))
                changed.append(
                    Customer(id=current["id"], upper_id=upper_id, updated_at=now, **fields)
                )
        if changed:
            Customer.objects.bulk_update(
                changed, [*_CUSTOMER_WRITES, "upper_id", "updated_at"], batch_size=500
            )
        counts.created = len(new)
        counts.updated = len(changed)
        counts.unchanged = len(rows) - counts.created - counts.updated
        progress(len(rows))
        return counts


def _customer_values(row: Row, refs: _CustomerRefs) -> tuple[Any, ...]:
    v = row.values
    return (
        refs.orgs[v["org_code"]][0],
        v["name"],
        v["short_name"] or "",
        v["kind"],
        refs.classes[v["class_code"]] if v["class_code"] else None,
        refs.levels[v["level_code"]] if v["level_code"] else None,
        refs.sales_regions[v["sales_region_code"]] if v["sales_region_code"] else None,
        v["region_code"] or None,
        v["tags"] or [],
        v["invoice_title"] or "",
        v["tax_number"] or "",
    )


def customer_rows(customers: QuerySet[Customer]) -> Iterator[dict[str, Any]]:
    """The customers in the template's layout (an export that imports again unchanged)."""
    qs = customers.select_related(
        "org", "customer_class", "level", "sales_region", "upper"
    ).order_by("code", "pk")
    for c in qs.iterator(chunk_size=2000):
        yield {
            "code": c.code,
            "name": c.name,
            "short_name": c.short_name,
            "kind": KIND_LABELS.get(c.kind, c.kind),
            "org_code": c.org.code,
            "class_code": c.customer_class.code if c.customer_class_id else None,
            "level_code": c.level.code if c.level_id else None,
            "sales_region_code": c.sales_region.code if c.sales_region_id else None,
            "region_code": c.region_id,
            "upper_code": c.upper.code if c.upper_id else None,
            "tags": ",".join(c.tags or []),
            "invoice_title": c.invoice_title,
            "tax_number": c.tax_number,
        }


# === contacts and addresses =====================================================================

CONTACT, ADDRESS = "contact", "address"
ENTRY_KINDS = {"联系人": CONTACT, "收货地址": ADDRESS}
ENTRY_LABELS = {v: k for k, v in ENTRY_KINDS.items()}

CONTACT_SPEC = SheetSpec(
    "联系人和地址",
    (
        Column(
            "customer_code",
            "客户编码",
            required=True,
            max_length=32,
            example="C-SH-001",
            note="须是您数据权限范围内的已有客户",
        ),
        Column(
            "kind",
            "类型",
            required=True,
            choices=tuple(ENTRY_KINDS),
            parse=excel.mapped(ENTRY_KINDS),
            example="收货地址",
        ),
        Column(
            "name",
            "姓名/收货人",
            required=True,
            max_length=60,
            example="张三",
            note="联系人的姓名，或收货地址的收货人",
        ),
        Column("phone", "电话", required=True, parse=_phone, example="13812345678"),
        Column("position", "职务", max_length=60, note="仅联系人填写", example=None),
        Column(
            "region_code",
            "地区编码",
            parse=_region_code,
            example="310115",
            note="仅收货地址填写：6 位区县行政区划代码，省市由此确定",
        ),
        Column(
            "street",
            "详细地址",
            max_length=200,
            example="张江路 100 号",
            note="仅收货地址填写",
            width=36,
        ),
        Column(
            "default",
            "默认",
            choices=tuple(YES_NO),
            parse=excel.mapped(YES_NO),
            example="是",
            note="是 = 该客户的默认联系人 / 默认收货地址（原默认自动取消）；留空 = 不变",
        ),
    ),
    notes=(
        "4. 每行一个联系人或一个收货地址。客户、姓名、电话相同的联系人，"
        "或客户、地区、详细地址、收货人相同的地址视为同一条，不会重复创建。",
    ),
)


def _entry_key(customer_id: int, v: dict[str, Any]) -> tuple[Any, ...]:
    if v["kind"] == CONTACT:
        return (CONTACT, customer_id, v["name"].strip(), v["phone"])
    return (ADDRESS, customer_id, v["region_code"], v["street"].strip(), v["name"].strip())


def _customer_ids(rows: Sequence[Row], actor: Actor) -> dict[str, int]:
    found: dict[str, int] = {}
    qs = scoped_customers(actor)
    for chunk in _chunks(_distinct(rows, "customer_code")):
        found.update(qs.filter(code__in=chunk).values_list("code", "id"))
    return found


def _region_chains(codes: list[str]) -> dict[str, list[str]]:
    """Region code → [province, (city, (district))] codes, for the codes that exist."""
    parents: dict[str, str | None] = {}
    todo = sorted(set(codes))
    for _level in range(4):  # province → city → district: three levels
        todo = [c for c in todo if c not in parents]
        if not todo:
            break
        found = []
        for chunk in _chunks(todo):
            found.extend(Region.objects.filter(code__in=chunk).values_list("code", "parent_id"))
        for code, parent in found:
            parents[code] = parent
        todo = sorted({p for _c, p in found if p})
    chains: dict[str, list[str]] = {}
    for code in codes:
        if code not in parents:
            continue
        chain, node = [code], parents[code]
        while node is not None and node in parents and len(chain) < 4:
            chain.insert(0, node)
            node = parents[node]
        chains[code] = chain
    return chains


class ContactAddressImporter(Importer):
    label = _("Customer contacts and addresses")
    permission = "party.customer.import"
    spec = CONTACT_SPEC

    def validate_rows(
        self, rows: Sequence[Row], *, actor: Actor, progress: Progress
    ) -> list[RowError]:
        customers = _customer_ids(rows, actor)
        regions = _region_chains(_distinct(rows, "region_code"))
        h = CONTACT_SPEC.header
        errors: list[RowError] = []
        seen: dict[tuple[Any, ...], int] = {}
        defaults: dict[tuple[str, int], int] = {}
        for n, row in enumerate(rows, 1):
            v = row.values

            def add(key: str, reason: str, row: Row = row) -> None:
                errors.append(RowError(row.number, h(key), reason))

            customer_id = customers.get(v["customer_code"])
            if customer_id is None:
                add("customer_code", "客户编码不存在")
            if v["kind"] == CONTACT:
                for key in ("region_code", "street"):
                    if v[key]:
                        add(key, "联系人行不填写此列")
            else:
                if v["position"]:
                    add("position", "收货地址行不填写此列")
                if not v["region_code"]:
                    add("region_code", "收货地址须填写地区编码")
                elif v["region_code"] not in regions:
                    add("region_code", "地区编码不存在")
                if not v["street"]:
                    add("street", "收货地址须填写详细地址")
            if customer_id is None or (v["kind"] == ADDRESS and not v["street"]):
                continue
            key = _entry_key(customer_id, v)
            if key in seen:
                add("name", f"与第 {seen[key]} 行重复")
            else:
                seen[key] = row.number
            if v["default"]:
                owner = (v["kind"], customer_id)
                if owner in defaults:
                    what = "默认联系人" if v["kind"] == CONTACT else "默认收货地址"
                    add("default", f"同一客户只能有一个{what}（见第 {defaults[owner]} 行）")
                else:
                    defaults[owner] = row.number
            if n % CHUNK == 0:
                progress(n)
        progress(len(rows))
        return errors

    def apply(self, rows: Sequence[Row], *, actor: Actor, progress: Progress) -> ApplyCounts:
        counts = ApplyCounts()
        if not rows:
            return counts
        customers = _customer_ids(rows, actor)
        chains = _region_chains(_distinct(rows, "region_code"))
        ids = sorted(set(customers.values()))
        existing: dict[tuple[Any, ...], dict[str, Any]] = {}
        contact_fields = ("id", "customer_id", "name", "phone", "position", "is_primary")
        address_fields = (
            "id",
            "customer_id",
            "city_id",
            "district_id",
            "street",
            "receiver",
            "phone",
            "is_default",
        )
        for chunk in _chunks(ids):
            for values in Contact.objects.filter(customer_id__in=chunk).values_list(
                *contact_fields
            ):
                c = dict(zip(contact_fields, values, strict=True))
                key = (CONTACT, c["customer_id"], c["name"], c["phone"])
                existing.setdefault(key, c)
            for values in Address.objects.filter(customer_id__in=chunk).values_list(
                *address_fields
            ):
                a = dict(zip(address_fields, values, strict=True))
                region = a["district_id"] or a["city_id"]
                key = (ADDRESS, a["customer_id"], region, a["street"], a["receiver"])
                existing.setdefault(key, a)

        new_contacts: list[tuple[Any, ...]] = []
        new_addresses: list[tuple[Any, ...]] = []
        changed_contacts: list[Contact] = []
        changed_addresses: list[Address] = []
        keep_default: dict[str, dict[int, int | None]] = {CONTACT: {}, ADDRESS: {}}
        for row in rows:
            v = row.values
            customer_id = customers[v["customer_code"]]
            key = _entry_key(customer_id, v)
            current = existing.get(key)
            flag = v["default"]
            if v["kind"] == CONTACT:
                position = (v["position"] or "").strip()
                if current is None:
                    new_contacts.append(
                        (customer_id, key[2][:60], v["phone"], position, bool(flag))
                    )
                elif current["position"] != position or (
                    flag is not None and current["is_primary"] != flag
                ):
                    primary = current["is_primary"] if flag is None else flag
                    changed_contacts.append(
                        Contact(id=current["id"], position=position, is_primary=primary)
                    )
                    counts.updated += 1
                else:
                    counts.unchanged += 1
            else:
                chain = chains[v["region_code"]]
                if current is None:
                    new_addresses.append(
                        (
                            customer_id,
                            chain[0],
                            chain[1] if len(chain) > 1 else chain[0],
                            chain[2] if len(chain) > 2 else None,
                            key[3][:200],
                            key[4][:60],
                            v["phone"],
                            bool(flag),
                        )
                    )
                elif current["phone"] != v["phone"] or (
                    flag is not None and current["is_default"] != flag
                ):
                    default = current["is_default"] if flag is None else flag
                    changed_addresses.append(
                        Address(id=current["id"], phone=v["phone"], is_default=default)
                    )
                    counts.updated += 1
                else:
                    counts.unchanged += 1
            if flag:
                keep_default[v["kind"]][customer_id] = current["id"] if current else None

        # one default per customer: the others lose theirs before the new ones arrive
        demoted = 0
        for model, kind, flag_field in (
            (Contact, CONTACT, "is_primary"),
            (Address, ADDRESS, "is_default"),
        ):
            owners = keep_default[kind]
            keep = [pk for pk in owners.values() if pk is not None]
            for chunk in _chunks(sorted(owners)):
                demoted += (
                    model.objects.filter(customer_id__in=chunk, **{flag_field: True})
                    .exclude(pk__in=keep)
                    .update(**{flag_field: False})
                )
        if changed_contacts:
            Contact.objects.bulk_update(
                changed_contacts, ["position", "is_primary"], batch_size=500
            )
        if changed_addresses:
            Address.objects.bulk_update(changed_addresses, ["phone", "is_default"], batch_size=500)
        insert_rows(
            Contact, ("customer_id", "name", "phone", "position", "is_primary"), new_contacts
        )
        insert_rows(
            Address,
            (
                "customer_id",
                "province_id",
                "city_id",
                "district_id",
                "street",
                "receiver",
                "phone",
                "is_default",
            ),
            new_addresses,
        )
        counts.created = len(new_contacts) + len(new_addresses)
        counts.details.update(
            contacts_created=len(new_contacts),
            addresses_created=len(new_addresses),
            defaults_moved=demoted,
        )
        progress(len(rows))
        return counts


def contact_address_rows(customers: QuerySet[Customer]) -> Iterator[dict[str, Any]]:
    """Contacts, then addresses, of the customers in the template's layout."""
    ids = customers.values("pk")
    contacts = (
        Contact.objects.filter(customer_id__in=ids)
        .select_related("customer")
        .order_by("customer__code", "-is_primary", "pk")
    )
    for c in contacts.iterator(chunk_size=2000):
        yield {
            "customer_code": c.customer.code,
            "kind": ENTRY_LABELS[CONTACT],
            "name": c.name,
            "phone": c.phone,
            "position": c.position or None,
            "default": "是" if c.is_primary else "否",
        }
    addresses = (
        Address.objects.filter(customer_id__in=ids)
        .select_related("customer")
        .order_by("customer__code", "-is_default", "pk")
    )
    for a in addresses.iterator(chunk_size=2000):
        yield {
            "customer_code": a.customer.code,
            "kind": ENTRY_LABELS[ADDRESS],
            "name": a.receiver,
            "phone": a.phone,
            "region_code": a.district_id or a.city_id,
            "street": a.street,
            "default": "是" if a.is_default else "否",
        }


register_importer("party.customers", CustomerImporter())
register_importer("party.contacts_addresses", ContactAddressImporter())

__all__ = [
    "CONTACT_SPEC",
    "CUSTOMER_SPEC",
    "ContactAddressImporter",
    "CustomerImporter",
    "contact_address_rows",
    "customer_rows",
]

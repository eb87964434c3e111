"""Excel importers of the catalog (autodiscovered by the kernel): products with their SKUs,
barcodes (`catalog.barcodes`) and authorisation rules (`catalog.authorisation`), and the
rows of their exports (see the second half of the module).

One row per SKU. The product columns repeat on every SKU row of the product and must agree.
Rows match on codes: a new product / SKU code creates, a known one updates what differs,
and a row whose product, SKU, barcode and case size are already as in the file writes
nothing. Everything is done in bulk: lookups with one query per reference type (and per
chunk of codes), inserts with bulk_create and changes with bulk_update, so 100,000 rows take
seconds. The kernel writes one audit entry per job with the counts (`ApplyCounts.details`
adds products / barcodes / case sizes created); status changes of existing SKUs go through
the status flow (one history row each).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
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
from omni.kernel.states import apply_transition

from .calculations import MAX_SPEC_ATTRIBUTES, MAX_SPEC_VALUES, SPEC_TEXT, barcode_kind
from .models import (
    SUBJECT_FIELDS,
    TARGET_FIELDS,
    AuthorisationRule,
    Barcode,
    Brand,
    Category,
    Product,
    RuleEffect,
    Sku,
    SubjectKind,
    TargetKind,
    Unit,
    UnitConversion,
)
from .scoping import _root_paths, actor_scope, organization_model, scoped, writable_q
from .services._common import CODE_RE, SKU_CODE_RE
from .states import ACTION_FOR_STATUS, STATUS_FLOW, ProductStatus

CHUNK = 5000  # codes per lookup query, rows per insert round
STATUS = {"上架": ProductStatus.ACTIVE, "下架": ProductStatus.INACTIVE}
CASE_UNIT_CODES = ("case", "箱")
CASE_UNIT_NAME = "箱"
_SPEC_SPLIT = re.compile(r"[;；\n]+")
_SPEC_PAIR = re.compile(r"^([^:：]+)[:：](.+)$")


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def parse_spec(text: str | None) -> tuple[tuple[str, str], ...]:
    """ "规格:500ml;口味:无糖" → (("规格", "500ml"), ("口味", "无糖")); empty → ()."""
    if not text:
        return ()
    pairs: list[tuple[str, str]] = []
    for part in _SPEC_SPLIT.split(text):
        part = part.strip()
        if not part:
            continue
        m = _SPEC_PAIR.match(part)
        if not m:
            raise excel.CellError("格式应为 名称:值，多个用 ; 分隔，例如 规格:500ml;口味:无糖")
        name, value = m.group(1).strip(), m.group(2).strip()
        if not SPEC_TEXT.match(name) or not SPEC_TEXT.match(value):
            raise excel.CellError("规格名称和值最多 40 个字符，且不能含 /")
        if any(name == n for n, _v in pairs):
            raise excel.CellError(f"规格「{name}」重复")
        pairs.append((name, value))
    if len(pairs) > MAX_SPEC_ATTRIBUTES:
        raise excel.CellError(f"最多 {MAX_SPEC_ATTRIBUTES} 个规格")
    return tuple(pairs)


def _text_code(pattern: re.Pattern[str], what: str):
    def parse(value: Any) -> str:
        code = excel.as_text(value)
        if not pattern.match(code):
            raise excel.CellError(f"{what}只能包含字母、数字、. _ -")
        return code

    return parse


def _barcode(value: Any) -> str:
    code = excel.as_text(value)
    if barcode_kind(code) is None:
        raise excel.CellError("条码无效：校验位错误，或含字母数字和 - 以外的字符")
    return code


SPEC = SheetSpec(
    "商品",
    (
        Column(
            "product_code",
            "商品编码",
            required=True,
            max_length=32,
            parse=_text_code(CODE_RE, "商品编码"),
            example="P1001",
            note="同一商品的每个 SKU 各占一行，商品名称、品牌、分类、基本单位须一致",
        ),
        Column("product_name", "商品名称", required=True, max_length=120, example="冰红茶"),
        Column("brand_code", "品牌编码", max_length=32, example="B001"),
        Column("category_code", "分类编码", max_length=32, example="C001"),
        Column(
            "base_unit",
            "基本单位",
            required=True,
            max_length=20,
            example="瓶",
            note="单位编码或名称",
        ),
        Column(
            "sku_code",
            "SKU编码",
            required=True,
            max_length=40,
            parse=_text_code(SKU_CODE_RE, "SKU编码"),
            example="P1001-1",
        ),
        Column(
            "spec",
            "规格",
            max_length=255,
            parse=parse_spec,
            example="规格:500ml;口味:无糖",
            note="名称:值，多个用 ; 分隔；同一商品的各行规格名称及顺序须一致；无规格留空",
            width=28,
        ),
        Column(
            "barcode",
            "条码",
            max_length=32,
            parse=_barcode,
            example="6901234567892",
            note="基本单位的条码（EAN-13 等须校验位正确）",
            width=18,
        ),
        Column(
            "case_qty",
            "箱规",
            parse=excel.integer(min_value=1, max_value=1_000_000),
            example=24,
            note="每箱含多少基本单位",
        ),
        Column(
            "status",
            "状态",
            choices=tuple(STATUS),
            parse=excel.mapped(STATUS),
            example="上架",
            note="留空为上架",
        ),
        Column(
            "org_code",
            "组织编码",
            max_length=32,
            note="新商品所属组织；留空为导入人所属组织（或品牌所属组织）",
        ),
    ),
    notes=("4. 商品编码、SKU编码、条码在系统内唯一；已存在的 SKU 不能改到另一个商品下。",),
)


@dataclass
class _Refs:
    """Reference data named in the file, looked up once per type."""

    brands: dict[str, tuple[int, int]] = field(default_factory=dict)  # code → (id, org_id)
    categories: dict[str, tuple[int, int]] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)  # code or name → id
    orgs: dict[str, int] = field(default_factory=dict)  # writable organisations by code
    case_unit_id: int | None = None


def _distinct(rows: Iterable[Row], key: str) -> list[str]:
    return sorted({r.values[key] for r in rows if r.values[key]})


def _load_refs(rows: Sequence[Row], actor: Actor) -> _Refs:
    refs = _Refs()
    brand_codes = _distinct(rows, "brand_code")
    for chunk in _chunks(brand_codes):
        refs.brands.update(
            (c, (i, o))
            for c, i, o in scoped(Brand.objects.all(), actor)
            .filter(code__in=chunk)
            .values_list("code", "id", "org_id")
        )
    for chunk in _chunks(_distinct(rows, "category_code")):
        refs.categories.update(
            (c, (i, o))
            for c, i, o in scoped(Category.objects.all(), actor)
            .filter(code__in=chunk)
            .values_list("code", "id", "org_id")
        )
    unit_names = _distinct(rows, "base_unit")
    units = list(
        Unit.objects.filter(
            Q(code__in=unit_names)
            | Q(name__in=unit_names)
            | Q(code__in=CASE_UNIT_CODES)
            | Q(name=CASE_UNIT_NAME)
        ).values_list("id", "code", "name")
    )
    for uid, _code, name in units:  # names first, so that codes win
        refs.units.setdefault(name, uid)
    for uid, code, _name in units:
        refs.units[code] = uid
    refs.case_unit_id = next(
        (uid for code in CASE_UNIT_CODES for uid, c, _n in units if c == code),
        next((uid for uid, _c, n in units if n == CASE_UNIT_NAME), None),
    )
    org_codes = _distinct(rows, "org_code")
    orgs = organization_model()._default_manager.all()
    if not actor_scope(actor).everything:
        inside = Q(pk__in=[])
        for path in _root_paths(actor):  # the writable subtrees
            inside |= Q(path__startswith=path)
        orgs = orgs.filter(inside)
    for chunk in _chunks(org_codes):
        refs.orgs.update(orgs.filter(code__in=chunk).values_list("code", "id"))
    return refs


@dataclass
class _Existing:
    """What the database already holds for the codes in the file."""

    products: dict[str, dict[str, Any]] = field(default_factory=dict)  # code → fields
    writable_products: set[str] = field(default_factory=set)
    skus: dict[str, dict[str, Any]] = field(default_factory=dict)  # code → fields
    spec_keys: dict[tuple[int, str], str] = field(default_factory=dict)  # (product, key) → sku
    barcodes: dict[str, int] = field(default_factory=dict)  # code → sku id


_PRODUCT_FIELDS = (
    "id",
    "code",
    "org_id",
    "name",
    "brand_id",
    "category_id",
    "base_unit_id",
    "spec_attributes",
    "status",
)
_PRODUCT_CHANGES = ("name", "brand_id", "category_id", "spec_attributes")
_SKU_FIELDS = ("id", "code", "product_id", "name", "spec_values", "spec_key", "status")


def _load_existing(rows: Sequence[Row], actor: Actor, *, with_spec_keys: bool) -> _Existing:
    ex = _Existing()
    for values in rows_by_keys(Product, "code", _distinct(rows, "product_code"), _PRODUCT_FIELDS):
        ex.products[values[1]] = dict(zip(_PRODUCT_FIELDS, values, strict=True))
    writable = writable_q(actor)
    if writable is None:
        ex.writable_products.update(ex.products)
    else:
        ids = sorted(p["id"] for p in ex.products.values())
        for chunk in _chunks(ids):
            ex.writable_products.update(
                Product.objects.filter(pk__in=chunk).filter(writable).values_list("code", flat=True)
            )
    for values in rows_by_keys(Sku, "code", _distinct(rows, "sku_code"), _SKU_FIELDS):
        ex.skus[values[1]] = dict(zip(_SKU_FIELDS, values, strict=True))
    if with_spec_keys:
        product_ids = sorted(p["id"] for p in ex.products.values())
        ex.spec_keys.update(
            ((pid, key), code)
            for pid, key, code in rows_by_keys(
                Sku, "product", product_ids, ("product_id", "spec_key", "code")
            )
        )
    ex.barcodes.update(
        rows_by_keys(Barcode, "code", _distinct(rows, "barcode"), ("code", "sku_id"))
    )
    return ex


def _new_product_org(actor: Actor, refs: _Refs, v: dict[str, Any]) -> int | None:
    """Where a new product goes: the organisation in the file, else the importer's own,
    else their only scope organisation; for actors who see everything, else the brand's or
    the category's organisation."""
    if v["org_code"]:
        return refs.orgs.get(v["org_code"])
    if actor.org_id is not None:
        return actor.org_id
    scope = actor_scope(actor)
    if len(scope.org_ids) == 1:
        return next(iter(scope.org_ids))
    if scope.everything:
        for ref in (refs.brands.get(v["brand_code"]), refs.categories.get(v["category_code"])):
            if ref is not None:
                return ref[1]
    return None


def _spec_key(pairs: Sequence[tuple[str, str]]) -> str:
    return "/".join(v for _n, v in pairs)


def _sku_name(product_name: str, pairs: Sequence[tuple[str, str]]) -> str:
    return f"{product_name} {' '.join(v for _n, v in pairs)}".strip()[:200]


def _merged_attributes(
    current: Sequence[dict[str, Any]], rows: Iterable[Row]
) -> list[dict[str, Any]]:
    """The product's spec attributes with the file's values appended (names fixed)."""
    merged = [{"name": a["name"], "values": list(a["values"])} for a in current or []]
    by_name = {a["name"]: a for a in merged}
    for row in rows:
        for name, value in row.values["spec"] or ():
            attr = by_name.get(name)
            if attr is None:
                attr = {"name": name, "values": []}
                merged.append(attr)
                by_name[name] = attr
            if value not in attr["values"]:
                attr["values"].append(value)
    return merged


class ProductImporter(Importer):
    label = _("Products and SKUs")
    permission = "catalog.product.import"
    spec = SPEC

    # --- validation ---------------------------------------------------------------------------

    def validate_rows(
        self, rows: Sequence[Row], *, actor: Actor, progress: Progress
    ) -> list[RowError]:
        refs = _load_refs(rows, actor)
        ex = _load_existing(rows, actor, with_spec_keys=True)
        h = SPEC.header
        errors: list[RowError] = []
        first_of: dict[str, Row] = {}
        with_skus = {pid for pid, _key in ex.spec_keys}
        sku_rows: dict[str, int] = {}
        barcode_rows: dict[str, int] = {}
        spec_rows: dict[tuple[str, str], int] = {}
        values_per_product: dict[str, dict[str, set[str]]] = {}
        product_fields = ("product_name", "brand_code", "category_code", "base_unit", "org_code")
        for n, row in enumerate(rows, 1):
            v = row.values
            number = row.number
            add = errors.append
            pcode, scode, pairs = v["product_code"], v["sku_code"], v["spec"] or ()
            # references
            if v["brand_code"] and v["brand_code"] not in refs.brands:
                add(RowError(number, h("brand_code"), "品牌编码不存在"))
            if v["category_code"] and v["category_code"] not in refs.categories:
                add(RowError(number, h("category_code"), "分类编码不存在"))
            if v["base_unit"] not in refs.units:
                add(RowError(number, h("base_unit"), "单位不存在"))
            if v["org_code"] and v["org_code"] not in refs.orgs:
                add(RowError(number, h("org_code"), "组织编码不存在或无权在该组织下导入"))
            if v["case_qty"] is not None and refs.case_unit_id is None:
                add(RowError(number, h("case_qty"), "系统中没有「箱」单位，请先在计量单位中添加"))
            # the same product on several rows must agree
            first = first_of.setdefault(pcode, row)
            if first is not row:
                for key in product_fields:
                    if v[key] != first.values[key]:
                        add(RowError(number, h(key), f"与第 {first.number} 行（同一商品）不一致"))
                first_names = [name for name, _v in first.values["spec"] or ()]
                if [p[0] for p in pairs] != first_names:
                    add(
                        RowError(
                            number,
                            h("spec"),
                            f"规格名称及顺序须与第 {first.number} 行一致："
                            + ("、".join(first_names) or "无规格"),
                        )
                    )
            # duplicates inside the file
            if scode in sku_rows:
                add(RowError(number, h("sku_code"), f"与第 {sku_rows[scode]} 行重复"))
            else:
                sku_rows[scode] = number
            barcode = v["barcode"]
            if barcode:
                if barcode in barcode_rows:
                    add(RowError(number, h("barcode"), f"与第 {barcode_rows[barcode]} 行重复"))
                else:
                    barcode_rows[barcode] = number
            key = (pcode, _spec_key(pairs))
            if key in spec_rows and spec_rows[key] != number:
                add(RowError(number, h("spec"), f"与第 {spec_rows[key]} 行规格相同"))
            else:
                spec_rows.setdefault(key, number)
            per_product = values_per_product.setdefault(pcode, {})
            for name, value in pairs:
                per_product.setdefault(name, set()).add(value)
            # against the database
            product = ex.products.get(pcode)
            if product is not None:
                if pcode not in ex.writable_products:
                    add(RowError(number, h("product_code"), "商品编码已被其他组织使用"))
                    continue
                unit_id = refs.units.get(v["base_unit"])
                if unit_id is not None and unit_id != product["base_unit_id"]:
                    add(RowError(number, h("base_unit"), "不能通过导入修改已有商品的基本单位"))
                names = [a["name"] for a in product["spec_attributes"] or []]
                if product["id"] in with_skus and [p[0] for p in pairs] != names:
                    add(
                        RowError(
                            number,
                            h("spec"),
                            "规格名称及顺序须与已有商品一致：" + ("、".join(names) or "无规格"),
                        )
                    )
                other = ex.spec_keys.get((product["id"], _spec_key(pairs)))
                if other is not None and other != scode:
                    add(RowError(number, h("spec"), f"已有 SKU {other} 是这个规格"))
            sku = ex.skus.get(scode)
            if sku is not None and (product is None or sku["product_id"] != product["id"]):
                add(RowError(number, h("sku_code"), "SKU编码已属于另一个商品"))
            if (
                barcode
                and barcode in ex.barcodes
                and (sku is None or ex.barcodes[barcode] != sku["id"])
            ):
                add(RowError(number, h("barcode"), "条码已被其他 SKU 使用"))
            unknown_ref = (v["brand_code"] and v["brand_code"] not in refs.brands) or (
                v["category_code"] and v["category_code"] not in refs.categories
            )
            if (
                product is None
                and not v["org_code"]
                and not unknown_ref
                and _new_product_org(actor, refs, v) is None
            ):
                add(RowError(number, h("org_code"), "请填写组织编码"))
            if n % CHUNK == 0:
                progress(n)
        # spec values per product (file + database) stay within the limit
        for pcode, attrs in values_per_product.items():
            product = ex.products.get(pcode)
            known = {
                a["name"]: set(a["values"]) for a in (product or {}).get("spec_attributes") or []
            }
            if any(
                len(vals | known.get(name, set())) > MAX_SPEC_VALUES for name, vals in attrs.items()
            ):
                errors.append(
                    RowError(
                        first_of[pcode].number,
                        h("spec"),
                        f"每个规格最多 {MAX_SPEC_VALUES} 个值",
                    )
                )
        progress(len(rows))
        return errors

    # --- apply ------------------------------------------------------------------------------

    def apply(self, rows: Sequence[Row], *, actor: Actor, progress: Progress) -> ApplyCounts:
        counts = ApplyCounts()
        if not rows:
            return counts
        now = timezone.now()
        refs = _load_refs(rows, actor)
        ex = _load_existing(rows, actor, with_spec_keys=False)
        groups: dict[str, list[Row]] = {}
        for row in rows:
            groups.setdefault(row.values["product_code"], []).append(row)
        touched: set[int] = set()  # rows of existing SKUs that changed something

        # products: new ones inserted in bulk, changed ones updated in bulk
        new_products: list[tuple[Any, ...]] = []
        changed_products: list[Product] = []
        product_ids: dict[str, int] = {}
        product_names: dict[str, str] = {}
        for pcode, group in groups.items():
            v = group[0].values
            brand = refs.brands.get(v["brand_code"]) if v["brand_code"] else None
            category = refs.categories.get(v["category_code"]) if v["category_code"] else None
            current = ex.products.get(pcode)
            attributes = _merged_attributes(current["spec_attributes"] if current else [], group)
            fields = {
                "name": v["product_name"],
                "brand_id": brand[0] if brand else None,
                "category_id": category[0] if category else None,
                "spec_attributes": attributes,
            }
            product_names[pcode] = v["product_name"]
            if current is None:
                all_off = all(r.values["status"] == ProductStatus.INACTIVE for r in group)
                new_products.append(
                    (
                        _new_product_org(actor, refs, v),
                        pcode,
                        refs.units[v["base_unit"]],
                        ProductStatus.INACTIVE if all_off else ProductStatus.ACTIVE,
                        *(fields[k] for k in _PRODUCT_CHANGES),
                    )
                )
            else:
                product_ids[pcode] = current["id"]
                if any(current[k] != val for k, val in fields.items()):
                    changed_products.append(Product(id=current["id"], updated_at=now, **fields))
                    touched.add(group[0].number)
        insert_rows(
            Product,
            ("org_id", "code", "base_unit_id", "status", *_PRODUCT_CHANGES),
            new_products,
        )
        product_ids.update(_ids_by_code(Product, [p[1] for p in new_products]))
        if changed_products:
            Product.objects.bulk_update(
                changed_products, [*_PRODUCT_CHANGES, "updated_at"], batch_size=500
            )
        counts.details["products_created"] = len(new_products)
        counts.details["products_updated"] = len(changed_products)

        # SKUs
        new_skus: list[tuple[Any, ...]] = []
        changed_skus: list[Sku] = []
        status_changes: list[tuple[int, str]] = []
        sku_ids: dict[str, int] = {}
        new_sku_rows: set[int] = set()
        for row in rows:
            v = row.values
            pairs = v["spec"] or ()
            status = v["status"] or ProductStatus.ACTIVE
            name = _sku_name(product_names[v["product_code"]], pairs)
            spec_values, spec_key = dict(pairs), _spec_key(pairs)
            current = ex.skus.get(v["sku_code"])
            if current is None:
                new_skus.append(
                    (
                        product_ids[v["product_code"]],
                        v["sku_code"],
                        status,
                        name,
                        spec_values,
                        spec_key,
                    )
                )
                new_sku_rows.add(row.number)
                continue
            sku_ids[v["sku_code"]] = current["id"]
            if (current["name"], current["spec_values"], current["spec_key"]) != (
                name,
                spec_values,
                spec_key,
            ):
                changed_skus.append(
                    Sku(
                        id=current["id"],
                        name=name,
                        spec_values=spec_values,
                        spec_key=spec_key,
                        updated_at=now,
                    )
                )
                touched.add(row.number)
            if current["status"] != status:
                status_changes.append((current["id"], status))
                touched.add(row.number)
        done = 0
        for chunk in _chunks(new_skus):
            insert_rows(
                Sku, ("product_id", "code", "status", "name", "spec_values", "spec_key"), chunk
            )
            done += len(chunk)
            progress(done)
        sku_ids.update(_ids_by_code(Sku, [s[1] for s in new_skus]))
        if changed_skus:
            Sku.objects.bulk_update(
                changed_skus, ["name", "spec_values", "spec_key", "updated_at"], batch_size=500
            )
        for sku_id, status in status_changes:
            apply_transition(
                Sku, sku_id, STATUS_FLOW, ACTION_FOR_STATUS[status], actor=actor, reason="import"
            )

        # barcodes (of the base unit) and case sizes
        existing_sku_ids = sorted(s["id"] for s in ex.skus.values())
        has_primary: set[tuple[int, int]] = set()
        conversions: dict[int, tuple[int, Decimal]] = {}
        for chunk in _chunks(existing_sku_ids):
            has_primary.update(
                Barcode.objects.filter(sku_id__in=chunk, is_primary=True).values_list(
                    "sku_id", "unit_id"
                )
            )
            if refs.case_unit_id is not None:
                conversions.update(
                    (sku_id, (cid, factor))
                    for cid, sku_id, factor in UnitConversion.objects.filter(
                        sku_id__in=chunk, unit_id=refs.case_unit_id
                    ).values_list("id", "sku_id", "factor")
                )
        new_barcodes: list[tuple[Any, ...]] = []
        new_conversions: list[tuple[Any, ...]] = []
        changed_conversions: list[UnitConversion] = []
        case_unit = refs.case_unit_id
        for row in rows:
            v = row.values
            sku_id = sku_ids[v["sku_code"]]
            barcode = v["barcode"]
            if barcode and barcode not in ex.barcodes:
                unit_id = refs.units[v["base_unit"]]
                primary = (sku_id, unit_id) not in has_primary
                new_barcodes.append((barcode, sku_id, unit_id, primary))
                has_primary.add((sku_id, unit_id))
                touched.add(row.number)
            qty = v["case_qty"]
            if qty is not None and case_unit is not None:
                factor = Decimal(qty)
                current_conv = conversions.get(sku_id)
                if current_conv is None:
                    new_conversions.append((sku_id, case_unit, factor))
                    touched.add(row.number)
                elif current_conv[1] != factor:
                    changed_conversions.append(UnitConversion(id=current_conv[0], factor=factor))
                    touched.add(row.number)
        insert_rows(Barcode, ("code", "sku_id", "unit_id", "is_primary"), new_barcodes)
        insert_rows(UnitConversion, ("sku_id", "unit_id", "factor"), new_conversions)
        if changed_conversions:
            UnitConversion.objects.bulk_update(changed_conversions, ["factor"], batch_size=500)
        counts.details["barcodes_created"] = len(new_barcodes)
        counts.details["case_sizes_set"] = len(new_conversions) + len(changed_conversions)

        counts.created = len(new_skus)
        counts.updated = len(touched - new_sku_rows)
        counts.unchanged = len(rows) - counts.created - counts.updated
        progress(len(rows))
        return counts


def _ids_by_code(model: type[Product] | type[Sku], codes: Sequence[str]) -> dict[str, int]:
    return dict(rows_by_keys(model, "code", codes, ("code", "id")))


register_importer("catalog.products", ProductImporter())


# === exports of products and SKUs ===============================================================

STATUS_LABELS = {str(v): k for k, v in STATUS.items()}


def _case_unit_id() -> int | None:
    """The unit the 箱规 column counts in, chosen as the products importer chooses it."""
    units = list(
        Unit.objects.filter(Q(code__in=CASE_UNIT_CODES) | Q(name=CASE_UNIT_NAME)).values_list(
            "id", "code", "name"
        )
    )
    return next(
        (uid for code in CASE_UNIT_CODES for uid, c, _n in units if c == code),
        next((uid for uid, _c, n in units if n == CASE_UNIT_NAME), None),
    )


def _number(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value.normalize()


def product_rows(products: QuerySet[Product]) -> Iterator[dict[str, Any]]:
    """One row per SKU of the products, in the products template's layout (`SPEC`): the
    primary barcode of the base unit and the case size, so the file imports again unchanged."""
    case_unit = _case_unit_id()
    skus = (
        Sku.objects.filter(product__in=products.values("pk"))
        .select_related("product__brand", "product__category", "product__base_unit", "product__org")
        .prefetch_related(
            Prefetch(
                "barcodes",
                queryset=Barcode.objects.filter(is_primary=True).order_by("id"),
                to_attr="primary_barcodes",
            ),
            Prefetch(
                "conversions",
                queryset=UnitConversion.objects.filter(unit_id=case_unit).order_by("id"),
                to_attr="case_conversions",
            ),
        )
        .order_by("product__code", "code")
    )
    for sku in skus.iterator(chunk_size=2000):
        p = sku.product
        values = sku.spec_values or {}
        spec = ";".join(
            f"{a['name']}:{values[a['name']]}"
            for a in p.spec_attributes or []
            if a["name"] in values
        )
        barcode = next((b.code for b in sku.primary_barcodes if b.unit_id == p.base_unit_id), None)
        case = sku.case_conversions[0].factor if sku.case_conversions else None
        yield {
            "product_code": p.code,
            "product_name": p.name,
            "brand_code": p.brand.code if p.brand_id else None,
            "category_code": p.category.code if p.category_id else None,
            "base_unit": p.base_unit.code,
            "sku_code": sku.code,
            "spec": spec or None,
            "barcode": barcode,
            "case_qty": _number(case) if case is not None else None,
            "status": STATUS_LABELS.get(sku.status, sku.status),
            "org_code": p.org.code,
        }


# === barcodes ===================================================================================
#
# One row per barcode: SKU, code, packaging unit (empty = the base unit; another unit needs
# the SKU's conversion first) and whether it is the unit's primary barcode. A barcode that
# is already on the SKU and unit is unchanged; on another SKU it is a row error. 主条码=是
# makes it the primary of its SKU and unit (the previous primary loses the flag); the first
# barcode of a unit becomes its primary as in the services; 否 never takes the flag away,
# so an exported file imports again unchanged.

YES_NO = {"是": True, "否": False}

BARCODE_SPEC = SheetSpec(
    "条码",
    (
        Column(
            "sku_code",
            "SKU编码",
            required=True,
            max_length=40,
            parse=_text_code(SKU_CODE_RE, "SKU编码"),
            example="P1001-1",
        ),
        Column(
            "barcode",
            "条码",
            required=True,
            max_length=32,
            parse=_barcode,
            example="6901234567892",
            note="EAN-13 / EAN-8 / UPC-A 须校验位正确；内部码为 4-32 位字母、数字或 -",
            width=18,
        ),
        Column(
            "unit",
            "包装单位",
            max_length=20,
            example="瓶",
            note="单位编码或名称；留空为基本单位；其他单位须先为该 SKU 设置包装换算（如箱规）",
        ),
        Column(
            "primary",
            "主条码",
            choices=tuple(YES_NO),
            parse=excel.mapped(YES_NO),
            example="是",
            note="是 = 该 SKU 该包装单位的主条码（原主条码自动取消）；"
            "每个包装单位的第一个条码自动成为主条码",
        ),
    ),
    notes=("4. 条码在系统内唯一；同一条码再次导入到同一 SKU 不会有任何变化。",),
)


@dataclass
class _BarcodeRefs:
    skus: dict[str, tuple[int, int]] = field(default_factory=dict)  # code → (id, base unit)
    writable: set[str] = field(default_factory=set)  # SKU codes the actor may change
    units: dict[str, int] = field(default_factory=dict)  # unit code or name → id
    unit_names: dict[int, str] = field(default_factory=dict)
    conversions: set[tuple[int, int]] = field(default_factory=set)  # (sku, unit)
    barcodes: dict[str, tuple[int, int, bool]] = field(default_factory=dict)  # → (sku, unit, ★)
    primaries: dict[tuple[int, int], str] = field(default_factory=dict)  # (sku, unit) → code


def _load_barcode_refs(rows: Sequence[Row], actor: Actor) -> _BarcodeRefs:
    refs = _BarcodeRefs()
    visible = scoped(Sku.objects.all(), actor, "product__org")
    for chunk in _chunks(_distinct(rows, "sku_code")):
        refs.skus.update(
            (code, (pk, unit))
            for code, pk, unit in visible.filter(code__in=chunk).values_list(
                "code", "id", "product__base_unit_id"
            )
        )
    ids = sorted(pk for pk, _u in refs.skus.values())
    writable = writable_q(actor, "product__org")
    for chunk in _chunks(ids):
        qs = Sku.objects.filter(pk__in=chunk)
        refs.writable.update(
            (qs if writable is None else qs.filter(writable)).values_list("code", flat=True)
        )
        refs.conversions.update(
            UnitConversion.objects.filter(sku_id__in=chunk).values_list("sku_id", "unit_id")
        )
        refs.primaries.update(
            ((sku, unit), code)
            for sku, unit, code in Barcode.objects.filter(
                sku_id__in=chunk, is_primary=True
            ).values_list("sku_id", "unit_id", "code")
        )
    names = _distinct(rows, "unit")
    units = list(
        Unit.objects.filter(Q(code__in=names) | Q(name__in=names)).values_list("id", "code", "name")
    )
    for uid, _code, name in units:  # names first, so that codes win
        refs.units.setdefault(name, uid)
    for uid, code, _name in units:
        refs.units[code] = uid
    base_units = sorted({u for _pk, u in refs.skus.values()} | {u for u, _c, _n in units})
    refs.unit_names.update(Unit.objects.filter(pk__in=base_units).values_list("id", "name"))
    refs.barcodes.update(
        (code, (sku, unit, primary))
        for code, sku, unit, primary in rows_by_keys(
            Barcode, "code", _distinct(rows, "barcode"), ("code", "sku_id", "unit_id", "is_primary")
        )
    )
    return refs


def _row_unit(refs: _BarcodeRefs, v: dict[str, Any]) -> int | None:
    sku = refs.skus.get(v["sku_code"])
    if sku is None:
        return None
    return refs.units.get(v["unit"]) if v["unit"] else sku[1]


class BarcodeImporter(Importer):
    label = _("Barcodes")
    permission = "catalog.product.import"
    spec = BARCODE_SPEC

    def validate_rows(
        self, rows: Sequence[Row], *, actor: Actor, progress: Progress
    ) -> list[RowError]:
        refs = _load_barcode_refs(rows, actor)
        h = BARCODE_SPEC.header
        errors: list[RowError] = []
        seen: dict[str, int] = {}
        primary_rows: dict[tuple[int, int], int] = {}
        for n, row in enumerate(rows, 1):
            v = row.values

            def add(key: str, reason: str, row: Row = row) -> None:
                errors.append(RowError(row.number, h(key), reason))

            code = v["barcode"]
            if code in seen:
                add("barcode", f"与第 {seen[code]} 行重复")
            else:
                seen[code] = row.number
            sku = refs.skus.get(v["sku_code"])
            if sku is None:
                add("sku_code", "SKU编码不存在")
                continue
            if v["sku_code"] not in refs.writable:
                add("sku_code", "该 SKU 属于其他组织，无权修改其条码")
            unit = _row_unit(refs, v)
            if unit is None:
                add("unit", "单位不存在")
            elif unit != sku[1] and (sku[0], unit) not in refs.conversions:
                add(
                    "unit",
                    f"该 SKU 没有「{refs.unit_names.get(unit, v['unit'])}」的包装换算，"
                    "请先设置换算（如箱规）",
                )
            current = refs.barcodes.get(code)
            if current is not None:
                if current[0] != sku[0]:
                    add("barcode", "条码已被其他 SKU 使用")
                elif unit is not None and current[1] != unit:
                    other = refs.unit_names.get(current[1], "")
                    add("unit", f"该条码已用于此 SKU 的其他包装单位「{other}」")
            if v["primary"] and unit is not None:
                pair = (sku[0], unit)
                if pair in primary_rows:
                    add(
                        "primary",
                        f"同一 SKU 同一包装单位只能有一个主条码（见第 {primary_rows[pair]} 行）",
                    )
                else:
                    primary_rows[pair] = row.number
            if n % CHUNK == 0:
                progress(n)
        progress(len(rows))
        return errors

    def apply(self, rows: Sequence[Row], *, actor: Actor, progress: Progress) -> ApplyCounts:
        counts = ApplyCounts()
        if not rows:
            return counts
        refs = _load_barcode_refs(rows, actor)
        promote: dict[tuple[int, int], str] = {}
        for row in rows:
            if row.values["primary"]:
                unit = _row_unit(refs, row.values)
                promote[(refs.skus[row.values["sku_code"]][0], unit)] = row.values[  # type: ignore[index]
                    "barcode"
                ]
        # the previous primaries step down first (one primary per SKU and unit at any time)
        demote = sorted(
            code
            for pair, new in promote.items()
            if (code := refs.primaries.get(pair)) is not None and code != new
        )
        promoted = sorted(
            code
            for code in promote.values()
            if code in refs.barcodes and not refs.barcodes[code][2]
        )
        for chunk in _chunks(demote):
            Barcode.objects.filter(code__in=chunk).update(is_primary=False)
        for chunk in _chunks(promoted):
            Barcode.objects.filter(code__in=chunk).update(is_primary=True)
        has_primary = set(refs.primaries) | set(promote)
        new: list[tuple[Any, ...]] = []
        for row in rows:
            v = row.values
            if v["barcode"] in refs.barcodes:
                continue
            pair = (refs.skus[v["sku_code"]][0], _row_unit(refs, v))
            primary = bool(v["primary"]) or pair not in has_primary
            has_primary.add(pair)  # type: ignore[arg-type]
            new.append((v["barcode"], pair[0], pair[1], primary))
        insert_rows(Barcode, ("code", "sku_id", "unit_id", "is_primary"), new)
        counts.created = len(new)
        counts.updated = len(promoted)
        counts.unchanged = len(rows) - counts.created - counts.updated
        counts.details["primaries_replaced"] = len(demote)
        progress(len(rows))
        return counts


def barcode_rows(skus: QuerySet[Sku]) -> Iterator[dict[str, Any]]:
    """The barcodes of the SKUs in the barcodes template's layout."""
    qs = (
        Barcode.objects.filter(sku_id__in=skus.values("pk"))
        .select_related("sku", "unit")
        .order_by("sku__code", "unit_id", "-is_primary", "id")
    )
    for b in qs.iterator(chunk_size=2000):
        yield {
            "sku_code": b.sku.code,
            "barcode": b.code,
            "unit": b.unit.code,
            "primary": "是" if b.is_primary else "否",
        }


# === product authorisation ======================================================================
#
# One row per rule. Rules have no code: a rule is the same when organisation, effect,
# subject, target and validity dates are, and is then never created twice (only its note
# is updated). Subjects are party rows (customer classes, levels, sales regions, customers)
# that the catalog must not import: they are resolved by code through the model graph, the
# related model of AuthorisationRule's string foreign keys (`_subject_model`), as the
# authorisation service does; customers and sales regions only within the uploader's
# visible organisations.

EFFECTS = {"允许": RuleEffect.INCLUDE, "禁止": RuleEffect.EXCLUDE}
SUBJECT_KINDS = {
    "全部": SubjectKind.ALL,
    "客户分类": SubjectKind.CUSTOMER_CLASS,
    "客户级别": SubjectKind.CUSTOMER_LEVEL,
    "销售区域": SubjectKind.SALES_REGION,
    "客户": SubjectKind.CUSTOMER,
}
TARGET_KINDS = {
    "全部": TargetKind.ALL,
    "品牌": TargetKind.BRAND,
    "分类": TargetKind.CATEGORY,
    "商品": TargetKind.PRODUCT,
    "SKU": TargetKind.SKU,
}
EFFECT_LABELS = {str(v): k for k, v in EFFECTS.items()}
SUBJECT_LABELS = {str(v): k for k, v in SUBJECT_KINDS.items()}
TARGET_LABELS = {str(v): k for k, v in TARGET_KINDS.items()}

AUTHORISATION_SPEC = SheetSpec(
    "商品授权",
    (
        Column(
            "org_code",
            "组织编码",
            required=True,
            max_length=32,
            example="GRP",
            note="规则所属组织；须在您可以修改的组织范围内",
        ),
        Column(
            "effect",
            "效果",
            required=True,
            choices=tuple(EFFECTS),
            parse=excel.mapped(EFFECTS),
            example="允许",
        ),
        Column(
            "subject_kind",
            "对象类型",
            required=True,
            choices=tuple(SUBJECT_KINDS),
            parse=excel.mapped(SUBJECT_KINDS),
            example="客户分类",
        ),
        Column(
            "subject_code",
            "对象编码",
            max_length=32,
            example="L1",
            note="客户分类 / 客户级别 / 销售区域 / 客户的编码；对象类型为全部时留空",
        ),
        Column(
            "target_kind",
            "范围类型",
            required=True,
            choices=tuple(TARGET_KINDS),
            parse=excel.mapped(TARGET_KINDS),
            example="品牌",
        ),
        Column(
            "target_code",
            "范围编码",
            max_length=40,
            example="B001",
            note="品牌 / 分类 / 商品 / SKU 的编码；范围类型为全部时留空",
        ),
        Column(
            "valid_from", "生效日期", parse=excel.date, example="2025-01-01", note="留空 = 不限"
        ),
        Column("valid_to", "失效日期", parse=excel.date, example="2025-12-31", note="留空 = 不限"),
        Column("note", "备注", max_length=200),
    ),
    notes=(
        "4. 规则没有编码：组织、效果、对象、范围、生效和失效日期都相同的规则视为同一条，"
        "重复导入不会新建（只更新备注）。",
    ),
)

_RULE_FIELDS = (
    "id",
    "org_id",
    "effect",
    "subject_kind",
    *(f"{f}_id" for f in SUBJECT_FIELDS.values()),
    "target_kind",
    *(f"{f}_id" for f in TARGET_FIELDS.values()),
    "valid_from",
    "valid_to",
    "note",
)


def _subject_model(kind: str) -> Any:
    """The party model of a subject kind, through the rule's string foreign key."""
    return AuthorisationRule._meta.get_field(SUBJECT_FIELDS[SubjectKind(kind)]).related_model


def _has_org(model: Any) -> bool:
    return any(f.name == "org" for f in model._meta.concrete_fields)


def _target_queryset(kind: str, actor: Actor) -> QuerySet[Any]:
    if kind == TargetKind.SKU:
        return scoped(Sku.objects.all(), actor, "product__org")
    model = {TargetKind.BRAND: Brand, TargetKind.CATEGORY: Category, TargetKind.PRODUCT: Product}
    return scoped(model[TargetKind(kind)].objects.all(), actor)


@dataclass
class _RuleRefs:
    orgs: dict[str, int] = field(default_factory=dict)  # writable organisations by code
    subjects: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, code) → id
    targets: dict[tuple[str, str], int] = field(default_factory=dict)
    rules: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)  # key → rule


def _writable_orgs(actor: Actor, codes: list[str]) -> dict[str, int]:
    orgs = organization_model()._default_manager.all()
    if not actor_scope(actor).everything:
        inside = Q(pk__in=[])
        for path in _root_paths(actor):
            inside |= Q(path__startswith=path)
        orgs = orgs.filter(inside)
    found: dict[str, int] = {}
    for chunk in _chunks(codes):
        found.update(orgs.filter(code__in=chunk).values_list("code", "id"))
    return found


def _load_rule_refs(rows: Sequence[Row], actor: Actor) -> _RuleRefs:
    refs = _RuleRefs(orgs=_writable_orgs(actor, _distinct(rows, "org_code")))
    wanted: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        v = row.values
        for side in ("subject", "target"):
            if v[f"{side}_kind"] != "all" and v[f"{side}_code"]:
                wanted.setdefault((side, v[f"{side}_kind"]), set()).add(v[f"{side}_code"])
    for (side, kind), codes in sorted(wanted.items()):
        if side == "subject":
            model = _subject_model(kind)
            qs = model._default_manager.all()
            qs = scoped(qs, actor) if _has_org(model) else qs
            found = refs.subjects
        else:
            qs = _target_queryset(kind, actor)
            found = refs.targets
        for chunk in _chunks(sorted(codes)):
            found.update(
                ((kind, c), pk) for c, pk in qs.filter(code__in=chunk).values_list("code", "id")
            )
    for chunk in _chunks(sorted(set(refs.orgs.values()))):
        for values in AuthorisationRule.objects.filter(org_id__in=chunk).values_list(*_RULE_FIELDS):
            rule = dict(zip(_RULE_FIELDS, values, strict=True))
            refs.rules.setdefault(_stored_rule_key(rule), rule)
    return refs


def _stored_rule_key(rule: dict[str, Any]) -> tuple[Any, ...]:
    subject = SUBJECT_FIELDS.get(SubjectKind(rule["subject_kind"]))
    target = TARGET_FIELDS.get(TargetKind(rule["target_kind"]))
    return (
        rule["org_id"],
        rule["effect"],
        rule["subject_kind"],
        rule[f"{subject}_id"] if subject else None,
        rule["target_kind"],
        rule[f"{target}_id"] if target else None,
        rule["valid_from"],
        rule["valid_to"],
    )


def _row_rule_key(refs: _RuleRefs, v: dict[str, Any]) -> tuple[Any, ...]:
    return (
        refs.orgs.get(v["org_code"]),
        v["effect"],
        v["subject_kind"],
        refs.subjects.get((v["subject_kind"], v["subject_code"])),
        v["target_kind"],
        refs.targets.get((v["target_kind"], v["target_code"])),
        v["valid_from"],
        v["valid_to"],
    )


class AuthorisationImporter(Importer):
    label = _("Product authorisation")
    permission = "catalog.authorisation.import"
    spec = AUTHORISATION_SPEC

    def validate_rows(
        self, rows: Sequence[Row], *, actor: Actor, progress: Progress
    ) -> list[RowError]:
        refs = _load_rule_refs(rows, actor)
        h = AUTHORISATION_SPEC.header
        errors: list[RowError] = []
        seen: dict[tuple[Any, ...], int] = {}
        for n, row in enumerate(rows, 1):
            v = row.values
            bad = False

            def add(key: str, reason: str, row: Row = row) -> None:
                nonlocal bad
                errors.append(RowError(row.number, h(key), reason))
                bad = True

            if v["org_code"] not in refs.orgs:
                add("org_code", "组织编码不存在或无权在该组织下导入")
            for side, found, labels, what in (
                ("subject", refs.subjects, SUBJECT_LABELS, "对象"),
                ("target", refs.targets, TARGET_LABELS, "范围"),
            ):
                kind, code = v[f"{side}_kind"], v[f"{side}_code"]
                if kind == "all":
                    if code:
                        add(f"{side}_code", f"{what}类型为全部时不填{what}编码")
                elif not code:
                    add(f"{side}_code", f"请填写{what}编码")
                elif (kind, code) not in found:
                    add(f"{side}_code", f"{labels[kind]}编码不存在")
            if v["valid_from"] and v["valid_to"] and v["valid_to"] < v["valid_from"]:
                add("valid_to", "失效日期不能早于生效日期")
            if not bad:
                key = _row_rule_key(refs, v)
                if key in seen:
                    add("effect", f"与第 {seen[key]} 行是同一条规则")
                else:
                    seen[key] = row.number
            if n % CHUNK == 0:
                progress(n)
        progress(len(rows))
        return errors

    def apply(self, rows: Sequence[Row], *, actor: Actor, progress: Progress) -> ApplyCounts:
        counts = ApplyCounts()
        if not rows:
            return counts
        refs = _load_rule_refs(rows, actor)
        now = timezone.now()
        new: list[tuple[Any, ...]] = []
        changed: list[AuthorisationRule] = []
        for row in rows:
            v = row.values
            key = _row_rule_key(refs, v)
            note = v["note"] or ""
            current = refs.rules.get(key)
            if current is None:
                subject = SUBJECT_FIELDS.get(SubjectKind(v["subject_kind"]))
                target = TARGET_FIELDS.get(TargetKind(v["target_kind"]))
                new.append(
                    (
                        key[0],
                        v["effect"],
                        v["subject_kind"],
                        *(key[3] if f == subject else None for f in SUBJECT_FIELDS.values()),
                        v["target_kind"],
                        *(key[5] if f == target else None for f in TARGET_FIELDS.values()),
                        v["valid_from"],
                        v["valid_to"],
                        note,
                    )
                )
            elif current["note"] != note:
                changed.append(AuthorisationRule(id=current["id"], note=note, updated_at=now))
        insert_rows(AuthorisationRule, _RULE_FIELDS[1:], new)
        if changed:
            AuthorisationRule.objects.bulk_update(changed, ["note", "updated_at"], batch_size=500)
        counts.created = len(new)
        counts.updated = len(changed)
        counts.unchanged = len(rows) - counts.created - counts.updated
        progress(len(rows))
        return counts


def authorisation_rows(rules: QuerySet[AuthorisationRule]) -> Iterator[dict[str, Any]]:
    """The rules in the authorisation template's layout."""
    qs = rules.select_related("org", *SUBJECT_FIELDS.values(), *TARGET_FIELDS.values()).order_by(
        "org_id", "id"
    )
    for r in qs.iterator(chunk_size=2000):
        subject = SUBJECT_FIELDS.get(SubjectKind(r.subject_kind))
        target = TARGET_FIELDS.get(TargetKind(r.target_kind))
        yield {
            "org_code": r.org.code,
            "effect": EFFECT_LABELS[r.effect],
            "subject_kind": SUBJECT_LABELS[r.subject_kind],
            "subject_code": getattr(r, subject).code if subject else None,
            "target_kind": TARGET_LABELS[r.target_kind],
            "target_code": getattr(r, target).code if target else None,
            "valid_from": r.valid_from,
            "valid_to": r.valid_to,
            "note": r.note or None,
        }


register_importer("catalog.barcodes", BarcodeImporter())
register_importer("catalog.authorisation", AuthorisationImporter())

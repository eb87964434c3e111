"""Excel importers of the catalog (autodiscovered by the kernel): products with their SKUs.

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

from django.db.models import Q
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
from .models import Barcode, Brand, Category, Product, Sku, Unit, UnitConversion
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

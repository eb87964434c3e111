"""The products sheet (`catalog.products`): its description, the mapping of its rows to
`ProductRow` commands of `services.product_batch.upsert_products`, and the rows of its
export. The rules are the service's (`services.product_rules`); a refused row gets the
message of its error code, the one the page and the API give.

One row per SKU. The product columns repeat on every SKU row of the product and must agree.
Rows match on codes: a new product / SKU code creates, a known one updates what differs.
The kernel writes one audit entry per job with the counts (`ApplyCounts.details` adds
products / barcodes / case sizes created).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from omni.kernel import excel
from omni.kernel.actors import Actor
from omni.kernel.excel import Column, Row, RowError, SheetSpec
from omni.kernel.imports import ApplyCounts, Importer, Progress, register_importer

from ..calculations import MAX_SPEC_ATTRIBUTES, SPEC_TEXT
from ..models import Barcode, Product, Sku, Unit, UnitConversion
from ..services.product_batch import CASE_UNIT_CODES, CASE_UNIT_NAME, ProductBatch
from ..states import ProductStatus
from ..types import ProductRow, RowIssue
from ._cells import applied, barcode_cell, code_cell, issue_row_error

CHUNK_ROWS = 5000  # rows validated and written at a time (the worker holds one chunk)
STATUS = {"上架": ProductStatus.ACTIVE, "下架": ProductStatus.INACTIVE}
_SPEC_SPLIT = re.compile(r"[;；\n]+")
_SPEC_PAIR = re.compile(r"^([^:：]+)[:：](.+)$")


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


SPEC = SheetSpec(
    "商品",
    (
        Column(
            "product_code",
            "商品编码",
            required=True,
            max_length=32,
            parse=code_cell(Product),
            code=True,
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
            parse=code_cell(Sku),
            code=True,
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
            parse=barcode_cell,
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


# a ProductRow field → the sheet column it comes from
_COLUMNS = {"brand": "brand_code", "category": "category_code", "org": "org_code"}


def to_command(row: Row) -> ProductRow:
    v = row.values
    return ProductRow(
        product_code=v["product_code"],
        product_name=v["product_name"],
        base_unit=v["base_unit"],
        sku_code=v["sku_code"],
        brand=v["brand_code"] or None,
        category=v["category_code"] or None,
        spec=v["spec"] or (),
        barcode=v["barcode"] or None,
        case_qty=v["case_qty"],
        status=v["status"],
        org=v["org_code"] or None,
    )


def row_error(rows: Sequence[Row] | Sequence[int], issue: RowIssue) -> RowError:
    return issue_row_error(SPEC, rows, issue, _COLUMNS)


class _Session:
    """An import's `ProductBatch` and the Excel row number of each row it has checked
    (4 bytes a row: issues name rows of earlier chunks by index)."""

    def __init__(self, actor: Actor) -> None:
        self.batch = ProductBatch(actor)
        self.numbers = array("i")


class ProductImporter(Importer):
    label = _("Products and SKUs")
    permission = "catalog.product.import"
    spec = SPEC
    chunk_rows = CHUNK_ROWS

    def start_session(self, *, actor: Actor) -> _Session:
        return _Session(actor)

    def validate_chunk(
        self, rows: Sequence[Row], *, actor: Actor, progress: Progress, session: _Session
    ) -> list[RowError]:
        session.numbers.extend(r.number for r in rows)
        issues = session.batch.check([to_command(r) for r in rows])
        progress(len(rows))
        return [row_error(session.numbers, issue) for issue in issues]

    def apply_chunk(
        self, rows: Sequence[Row], *, actor: Actor, progress: Progress, session: _Session
    ) -> ApplyCounts:
        if not rows:
            return ApplyCounts()
        return applied(session.batch.write([to_command(r) for r in rows], progress=progress))

    def validate_rows(
        self, rows: Sequence[Row], *, actor: Actor, progress: Progress
    ) -> list[RowError]:
        """Every row as one chunk."""
        session = self.start_session(actor=actor)
        return self.validate_chunk(rows, actor=actor, progress=progress, session=session)

    def apply(self, rows: Sequence[Row], *, actor: Actor, progress: Progress) -> ApplyCounts:
        """Every row as one chunk."""
        session = self.start_session(actor=actor)
        return self.apply_chunk(rows, actor=actor, progress=progress, session=session)


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

"""The barcodes sheet (`catalog.barcodes`): its description, the mapping of its rows to
`BarcodeRow` commands of `services.barcode_batch.upsert_barcodes`, and the rows of its
export. The rules are the service's (`services.barcode_rules`): a refused row gets the
message of its error code, the one the page and the API give.

One row per barcode: SKU, code, packaging unit (empty = the base unit; another unit needs
the SKU's conversion first) and whether it is the unit's primary barcode. A barcode that
is already on the SKU and unit is unchanged; on another SKU it is a row error. 主条码=是
makes it the primary of its SKU and unit (the previous primary loses the flag); the first
barcode of a unit becomes its primary as in the services; 否 never takes the flag away,
so an exported file imports again unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from omni.kernel import excel
from omni.kernel.excel import Column, Row, SheetSpec
from omni.kernel.imports import register_importer

from ..models import Barcode, Sku
from ..services.barcode_batch import check_barcodes, upsert_barcodes
from ..types import BarcodeRow
from ._cells import BatchImporter, barcode_cell, code_cell

YES_NO = {"是": True, "否": False}

BARCODE_SPEC = SheetSpec(
    "条码",
    (
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
            "barcode",
            "条码",
            required=True,
            max_length=32,
            parse=barcode_cell,
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


# a BarcodeRow field → the sheet column it comes from
_COLUMNS = {"sku": "sku_code", "code": "barcode"}


def to_command(row: Row) -> BarcodeRow:
    v = row.values
    return BarcodeRow(
        sku=v["sku_code"], code=v["barcode"], unit=v["unit"] or None, primary=bool(v["primary"])
    )


class BarcodeImporter(BatchImporter):
    label = _("Barcodes")
    permission = "catalog.product.import"
    spec = BARCODE_SPEC
    columns = _COLUMNS
    check = staticmethod(check_barcodes)
    upsert = staticmethod(upsert_barcodes)
    to_command = staticmethod(to_command)


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


register_importer("catalog.barcodes", BarcodeImporter())

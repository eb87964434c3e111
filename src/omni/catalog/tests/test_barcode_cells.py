"""Barcodes from Excel cells, the page/API service and the pure rule agree: GTIN-8/12/13/14
with a right check digit, or an internal code (1-4 capitals then digits); barcodes are text,
and a number cell that lost its leading zeros is a row error that says so."""

import pytest

from omni.catalog.calculations import (
    barcode_kind,
    gs1_check_digit,
    normalise_barcode,
    restore_leading_zeros,
)
from omni.catalog.importers import SPEC
from omni.catalog.services import barcodes
from omni.kernel import excel
from omni.kernel.errors import InvalidInput

from .factories import ADMIN, UnitFactory, make_org, make_product
from .test_importers import row, xlsx

GTIN14 = "1001234567890" + str(gs1_check_digit("1001234567890"))


def barcode_error(value) -> str | None:
    parsed = excel.read_xlsx(xlsx([row(barcode=value)]), SPEC)
    reasons = [e.reason for e in parsed.errors if e.column == "条码"]
    assert len(reasons) <= 1
    return reasons[0] if reasons else parsed.rows[0].values["barcode"]


def test_gtins_with_right_check_digits_are_kept_as_text():
    for code in ("96385074", "036000291452", "6901234567892", GTIN14):
        assert barcode_error(code) == code
    assert barcode_error(6901234567892) == "6901234567892"  # a whole GTIN in a number cell


def test_a_number_cell_that_lost_its_leading_zeros_says_so():
    reason = barcode_error(12345678905)  # 0012345678905 typed into a number cell
    assert "开头的 0 已丢失" in reason and "012345678905" in reason
    assert barcode_error("0012345678905") == "0012345678905"  # the same code as text is fine
    assert restore_leading_zeros("12345678905") == "012345678905"
    assert restore_leading_zeros("6901234567893") is None


@pytest.mark.parametrize(
    "value",
    [
        "12345678901",  # 11 digits
        "12345678901234",  # 14 digits, wrong check digit
        "123456789012345",  # 15 digits
        "6901234567893",  # EAN-13, wrong check digit
        "SKU-0001",  # hyphen
        "ABCD",  # letters only
        "ABCDE123",  # more than 4 letters
        "1234",  # all digits, not a GTIN length
    ],
)
def test_garbage_is_a_row_error(value):
    assert barcode_error(value).startswith("条码无效")


def test_internal_codes_are_capitals_then_digits_and_normalised():
    assert barcode_error("SKU00017") == "SKU00017"
    assert barcode_error(" ｓｋｕ００１７ ") == "SKU0017"  # NFKC, trimmed, capitals
    assert normalise_barcode("ｗｈ２０２４") == "WH2024" and barcode_kind("WH2024") == "internal"


@pytest.mark.django_db
def test_the_service_applies_the_same_rule_as_the_excel_row():
    sku = make_product(make_org("GRP"), "W", unit=UnitFactory(code="bottle")).skus.get()
    for bad in ("12345678901", "SKU-0001", "123456789012345"):
        with pytest.raises(InvalidInput) as info:
            barcodes.add_barcode(actor=ADMIN, sku_id=sku.pk, code=bad)
        assert info.value.code == "invalid_barcode"
        assert barcode_error(bad).startswith("条码无效")
    assert barcodes.add_barcode(actor=ADMIN, sku_id=sku.pk, code=" sku0017 ").code == "SKU0017"
    assert barcodes.add_barcode(actor=ADMIN, sku_id=sku.pk, code=GTIN14).code == GTIN14

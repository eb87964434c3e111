import pytest
from hypothesis import given
from hypothesis import strategies as st

from omni.catalog.calculations import (
    barcode_kind,
    gs1_check_digit,
    is_valid_barcode,
    make_ean13,
    normalise_spec_attributes,
    spec_matrix,
)

digits12 = st.text(alphabet="0123456789", min_size=12, max_size=12)


@given(body=digits12)
def test_a_generated_ean13_is_valid(body):
    code = make_ean13(body)
    assert len(code) == 13
    assert barcode_kind(code) == "EAN-13"


@given(body=digits12, position=st.integers(0, 12), delta=st.integers(1, 9))
def test_any_single_digit_change_breaks_an_ean13(body, position, delta):
    code = make_ean13(body)
    changed = str((int(code[position]) + delta) % 10)
    broken = code[:position] + changed + code[position + 1 :]
    assert broken != code
    assert not is_valid_barcode(broken)


@given(body=st.text(alphabet="0123456789", min_size=7, max_size=7), delta=st.integers(1, 9))
def test_ean8_check_digit(body, delta):
    code = body + str(gs1_check_digit(body))
    assert barcode_kind(code) == "EAN-8"
    assert not is_valid_barcode(code[:-1] + str((int(code[-1]) + delta) % 10))


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("6901234567892", "EAN-13"),
        ("6901234567893", None),  # wrong check digit
        ("96385074", "EAN-8"),
        ("96385075", None),
        ("036000291452", "UPC-A"),
        ("036000291453", None),
        ("10012345678902", "GTIN-14"),
        ("10012345678903", None),
        ("SKU0001", "internal"),  # internal: 1-4 capitals, then 3-28 digits
        ("WH2024000123", "internal"),
        ("SKU-0001", None),  # no hyphens
        ("sku0001", None),  # capitals only (the services normalise case first)
        ("ABCDE123", None),  # at most 4 letters
        ("1234", None),  # all digits: a GTIN length and check digit, or nothing
        ("12345678905", None),  # 11 digits: a UPC-A that lost its leading zero
        ("690123456789212", None),  # 15 digits
        ("abc", None),  # too short
        ("x" * 33, None),  # too long
        ("has space", None),
        ("中文条码1234", None),
        ("６９０１２３４５６７８９２", None),  # full-width digits are not digits here
    ],
)
def test_barcode_kinds(code, kind):
    assert barcode_kind(code) == kind


def test_spec_matrix_is_the_cartesian_product_in_order():
    attrs = normalise_spec_attributes({"规格": ["500ml", "1L"], "口味": ["原味", "无糖", "柠檬"]})
    combos = spec_matrix(attrs)
    assert [c.key for c in combos] == [
        "500ml/原味",
        "500ml/无糖",
        "500ml/柠檬",
        "1L/原味",
        "1L/无糖",
        "1L/柠檬",
    ]
    assert combos[1].as_dict == {"规格": "500ml", "口味": "无糖"}


def test_no_attributes_is_one_plain_sku():
    [combo] = spec_matrix(normalise_spec_attributes(None))
    assert combo.as_dict == {} and combo.key == ""


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"规格": []}, "invalid_spec_values"),
        ({"规格": "500ml"}, "invalid_spec_values"),
        ({"规格": ["500ml", "500ml"]}, "duplicate_spec_value"),
        ({"规格": ["a/b"]}, "invalid_spec_values"),
        ({"": ["x"]}, "invalid_spec_name"),
        ({f"a{i}": ["x"] for i in range(6)}, "too_many_spec_attributes"),
        ({"a": [str(i) for i in range(51)]}, "too_many_spec_values"),
        (
            {"a": [str(i) for i in range(40)], "b": [str(i) for i in range(30)]},
            "spec_matrix_too_large",
        ),
        ([{"name": "a"}], "spec_attribute_shape"),
    ],
)
def test_bad_spec_attributes(spec, reason):
    with pytest.raises(ValueError, match=reason):
        normalise_spec_attributes(spec)

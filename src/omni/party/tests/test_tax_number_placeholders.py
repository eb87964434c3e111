"""Tax numbers: a placeholder that passes the check character is refused; full-width input
is normalised (NFKC) like every code."""

import pytest

from omni.party.errors import InvalidTaxNumber
from omni.party.validation import normalize_tax_number, uscc_check_char


@pytest.mark.parametrize("filler", ["0", "1", "9", "A"])
def test_a_tax_number_of_one_repeated_character_is_refused(filler):
    body = filler * 17
    placeholder = body + uscc_check_char(body)  # the check character alone would pass it
    with pytest.raises(InvalidTaxNumber):
        normalize_tax_number(placeholder)


def test_the_all_zero_tax_number_is_refused_and_a_real_one_normalised():
    with pytest.raises(InvalidTaxNumber):
        normalize_tax_number("000000000000000000")
    body = "91310115MA1H7C2X1"
    good = body + uscc_check_char(body)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in good.lower())
    assert normalize_tax_number(f" {full_width} ") == good

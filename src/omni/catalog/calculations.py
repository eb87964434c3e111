"""Pure catalog calculations: barcode check digits and spec matrices. No ORM, no I/O."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Mapping, Sequence

from .types import SpecCombination

# Lengths at which an all-digit code is a GS1 code (GTIN) whose last digit is a check digit.
GS1_LENGTHS = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}
# An internal (in-house) barcode: 1 to 4 capital letters, then at least 3 digits, at most
# 32 characters in all (SKU00017, WH2024000123). Nothing else: no hyphens, no letters after
# the digits, no all-digit codes (an all-digit code is a GTIN and must have a GTIN length
# and check digit), so that a GTIN that lost digits or gained a wrong one is never taken
# for an internal code. In-store codes that must scan as EAN use GS1's restricted-circulation
# prefixes 20-29. Codes are normalised first (NFKC, trimmed, capitals: `normalise_barcode`).
INTERNAL_CODE = re.compile(r"^[A-Z]{1,4}[0-9]{3,31}$")
BARCODE_MAX_LENGTH = 32

MAX_SPEC_ATTRIBUTES = 5
MAX_SPEC_VALUES = 50
MAX_MATRIX_SIZE = 1000
SPEC_TEXT = re.compile(r"^[^/\x00-\x1f]{1,40}$")


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for `body` (all digits, without the check digit).

    Weights 3, 1, 3, … from the rightmost body digit, so one rule serves EAN-8, UPC-A
    (12) and EAN-13."""
    if not body.isdigit():
        raise ValueError("a GS1 body is digits only")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def normalise_barcode(text: str) -> str:
    """A barcode as stored and compared: NFKC (full-width digits and letters become
    half-width), surrounding spaces trimmed, letters in capitals."""
    return unicodedata.normalize("NFKC", text).strip().upper()


def barcode_kind(code: str) -> str | None:
    """ "GTIN-14" / "EAN-13" / "UPC-A" / "EAN-8" for a GS1 code with a right check digit,
    "internal" for an internal code (`INTERNAL_CODE`), None for anything else (a wrong
    check digit, an all-digit code of another length, other characters). `code` is taken as
    it is: normalise it first (`normalise_barcode`)."""
    if code.isascii() and code.isdigit():
        if len(code) in GS1_LENGTHS and gs1_check_digit(code[:-1]) == int(code[-1]):
            return GS1_LENGTHS[len(code)]
        return None
    if len(code) <= BARCODE_MAX_LENGTH and INTERNAL_CODE.match(code):
        return "internal"
    return None


def is_valid_barcode(code: str) -> bool:
    return barcode_kind(code) is not None


def restore_leading_zeros(digits: str) -> str | None:
    """The GTIN that `digits` is once the leading zeros a number cell dropped are put back
    (0012345678905 read as the number 12345678905), or None when no zero padding to 8, 12,
    13 or 14 digits gives a right check digit. Only for codes that are not valid as they are."""
    if not (digits.isascii() and digits.isdigit()) or len(digits) >= 14:
        return None
    for length in sorted(GS1_LENGTHS):
        if length > len(digits):
            padded = digits.rjust(length, "0")
            if gs1_check_digit(padded[:-1]) == int(padded[-1]):
                return padded
    return None


def make_ean13(body12: str) -> str:
    """The complete EAN-13 for a 12-digit body."""
    if len(body12) != 12:
        raise ValueError("an EAN-13 body has 12 digits")
    return body12 + str(gs1_check_digit(body12))


def normalise_spec_attributes(
    spec: Mapping[str, Sequence[str]] | Sequence[Mapping[str, object]] | None,
) -> list[dict[str, object]]:
    """``{"规格": ["500ml", "1L"]}`` or ``[{"name": "规格", "values": [...]}]`` → the stored
    list form, stripped. Raises ValueError (with a reason code) on bad input."""
    if not spec:
        return []
    if isinstance(spec, Mapping):
        pairs = list(spec.items())
    else:
        pairs = []
        for item in spec:
            if not isinstance(item, Mapping) or set(item) != {"name", "values"}:
                raise ValueError("spec_attribute_shape")
            pairs.append((item["name"], item["values"]))
    if len(pairs) > MAX_SPEC_ATTRIBUTES:
        raise ValueError("too_many_spec_attributes")
    out: list[dict[str, object]] = []
    seen_names: set[str] = set()
    for name, values in pairs:
        if not isinstance(name, str) or not SPEC_TEXT.match(name.strip()):
            raise ValueError("invalid_spec_name")
        name = name.strip()
        if name in seen_names:
            raise ValueError("duplicate_spec_name")
        seen_names.add(name)
        if isinstance(values, str) or not isinstance(values, Sequence) or not values:
            raise ValueError("invalid_spec_values")
        if len(values) > MAX_SPEC_VALUES:
            raise ValueError("too_many_spec_values")
        clean: list[str] = []
        for v in values:
            if not isinstance(v, str) or not SPEC_TEXT.match(v.strip()):
                raise ValueError("invalid_spec_values")
            if v.strip() in clean:
                raise ValueError("duplicate_spec_value")
            clean.append(v.strip())
        out.append({"name": name, "values": clean})
    if matrix_size(out) > MAX_MATRIX_SIZE:
        raise ValueError("spec_matrix_too_large")
    return out


def matrix_size(attributes: Sequence[Mapping[str, object]]) -> int:
    size = 1
    for a in attributes:
        size *= len(a["values"])  # type: ignore[arg-type]
    return size


def spec_matrix(attributes: Sequence[Mapping[str, object]]) -> list[SpecCombination]:
    """Every combination of the attribute values (cartesian product), first attribute
    varying slowest. No attributes → one combination with no values (a single-SKU product)."""
    names = [str(a["name"]) for a in attributes]
    value_lists = [list(a["values"]) for a in attributes]  # type: ignore[call-overload]
    return [
        SpecCombination(tuple(zip(names, combo, strict=True)))
        for combo in itertools.product(*value_lists)
    ]


def spec_key(attributes: Sequence[Mapping[str, object]], values: Mapping[str, str]) -> str:
    return "/".join(str(values[str(a["name"])]) for a in attributes)


def sku_name(product_name: str, combo: SpecCombination) -> str:
    label = " ".join(v for _n, v in combo.values)
    return f"{product_name} {label}".strip()[:200]

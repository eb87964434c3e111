"""Pure validators for party data: phone numbers, tax numbers, codes. No ORM."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import phonenumbers

from omni.tenancy.validation import CODE, is_valid_code  # noqa: F401  (one code rule)

from .errors import InvalidPhone, InvalidTags, InvalidTaxNumber

# GB 32100-2015 unified social credit code (统一社会信用代码): 18 characters, the last a
# check character over the first 17 with these weights, from this 31-character alphabet.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalize_phone(raw: str, field: str = "phone") -> str:
    """A Chinese mobile or landline number in E.164 without '+86' noise, e.g. 13812345678
    or 02161234567. Raises InvalidPhone."""
    text = (raw or "").strip().replace(" ", "").replace("-", "")
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise InvalidPhone(details={"field": field, "value": raw}) from None
    if not phonenumbers.is_valid_number(number) or number.country_code != 86:
        raise InvalidPhone(details={"field": field, "value": raw})
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return re.sub(r"\D", "", national)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_tax_number(raw: str, field: str = "tax_number") -> str:
    """Empty, or a valid 18-character unified social credit code (NFKC, trimmed,
    upper-cased). A placeholder whose first 17 characters are all the same (000000000000000000
    passes the check character) is refused."""
    text = unicodedata.normalize("NFKC", raw or "").strip().upper()
    if not text:
        return ""
    if (
        len(text) != 18
        or any(c not in _USCC_ALPHABET for c in text)
        or len(set(text[:17])) == 1
        or uscc_check_char(text[:17]) != text[17]
    ):
        raise InvalidTaxNumber(details={"field": field, "value": raw})
    return text


MAX_TAGS = 20
MAX_TAG_LENGTH = 30


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Tags trimmed, without empties and repeats, sorted; at most MAX_TAGS of at most
    MAX_TAG_LENGTH characters each. Raises InvalidTags."""
    found = sorted({t.strip() for t in tags if t and t.strip()})
    if len(found) > MAX_TAGS or any(len(t) > MAX_TAG_LENGTH for t in found):
        raise InvalidTags(
            details={
                "field": "tags",
                "count": len(found),
                "max_tags": MAX_TAGS,
                "max_length": MAX_TAG_LENGTH,
            }
        )
    return found

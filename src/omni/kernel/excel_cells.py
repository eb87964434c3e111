"""Cell values as a person typed them, and the parsers of sheet columns (`Column.parse`):
`as_text`, `integer`, `decimal`, `date`, `mapped`, `normalise_code`. A parser raises
`CellError` with the reason shown to the user (zh-Hans). Re-exported by `kernel.excel`."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

# OWASP (CSV / formula injection): text starting with one of these is prefixed with "'" in
# every file we write, so a spreadsheet never runs it, even after the cell is edited.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _unguard(text: str) -> str:
    """Reading back what `guard_text` wrote: the quote before a trigger character goes."""
    return text[1:] if text.startswith("'") and text[1:2] in FORMULA_TRIGGERS else text


class CellError(ValueError):
    """Raised by a column parser; the message is the reason shown to the user (zh-Hans)."""


def normalise_code(text: str) -> str:
    """A code as stored and compared: NFKC (full-width letters and digits become half-width),
    surrounding spaces trimmed. Codes are compared without letter case (`str.casefold`)."""
    return unicodedata.normalize("NFKC", text).strip()


def as_text(value: Any) -> str:
    """A cell value as the text a person typed: 12.0 → "12", dates as ISO, strings stripped,
    the quote our exports put before a formula-like text removed."""
    if isinstance(value, str):
        return _unguard(value.strip())
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def integer(*, min_value: int | None = None, max_value: int | None = None) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise CellError("必须是整数")
        if isinstance(value, float):
            if not value.is_integer():
                raise CellError("必须是整数")
            number = int(value)
        elif isinstance(value, int):
            number = value
        else:
            text = as_text(value).replace(",", "")
            if not re.fullmatch(r"[+-]?\d{1,18}", text):
                raise CellError("必须是整数")
            number = int(text)
        if min_value is not None and number < min_value:
            raise CellError(f"不能小于 {min_value}")
        if max_value is not None and number > max_value:
            raise CellError(f"不能大于 {max_value}")
        return number

    return parse


def decimal(
    *, places: int = 2, min_value: Decimal | int | None = None, max_digits: int = 18
) -> Callable[[Any], Decimal]:
    def parse(value: Any) -> Decimal:
        if isinstance(value, bool):
            raise CellError("必须是数字")
        text = as_text(value).replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError("必须是数字") from None
        if not number.is_finite():
            raise CellError("必须是数字")
        step = Decimal(1).scaleb(-places)
        if number != number.quantize(step):
            raise CellError(f"最多 {places} 位小数")
        number = number.quantize(step)
        if len(number.as_tuple().digits) > max_digits:
            raise CellError("数值太大")
        if min_value is not None and number < Decimal(min_value):
            raise CellError(f"不能小于 {min_value}")
        return number

    return parse


def date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = as_text(value).replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CellError("日期格式应为 2025-01-31") from None


def mapped(mapping: Mapping[str, Any]) -> Callable[[Any], Any]:
    """Label → stored value, e.g. {"上架": "active", "下架": "inactive"}; use with `choices`."""

    def parse(value: Any) -> Any:
        text = as_text(value)
        if text not in mapping:
            raise CellError("只能填写：" + "、".join(mapping))
        return mapping[text]

    return parse

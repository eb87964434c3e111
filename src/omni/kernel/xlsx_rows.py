"""Cells and rows of a sheet, streamed (the second half of `kernel.xlsx_reader`, which
re-exports everything here): Excel date serials, column letters, `iter_rows` and the
typing of each cell value (text, number, bool, date, or a `BadCell`)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from xml.etree import ElementTree as ET

from .xlsx_reader import (
    EXCEL_MAX_COL,
    EXCEL_MAX_ROW,
    BadCell,
    Workbook,
    XlsxProblem,
    _rich_text,
    fragments,
    unescape,
)

# --- cells and rows ----------------------------------------------------------------------------

_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_INT = re.compile(r"-?\d{1,18}")
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1900_EARLY = dt.datetime(1899, 12, 31)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_MAX_SERIAL = 2_958_465  # 9999-12-31


def serial_to_date(serial: float, *, date1904: bool) -> dt.date | dt.datetime | BadCell:
    """An Excel date serial as a date (whole days) or datetime. Serial 60 of the 1900 system
    is 1900-02-29, a day that never was (Excel keeps Lotus 1-2-3's leap-year bug)."""
    if not math.isfinite(serial) or serial < 1 or serial > _MAX_SERIAL:
        return BadCell("bad_date", repr(serial))
    if date1904:
        base = _EPOCH_1904
    elif 60 <= serial < 61:
        return BadCell("phantom_date", "1900-02-29")
    else:
        base = _EPOCH_1900_EARLY if serial < 60 else _EPOCH_1900
    days = int(serial)
    fraction = serial - days
    value = base + dt.timedelta(days=days, seconds=round(fraction * 86400))
    return value.date() if fraction == 0 else value


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def column_letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


_LETTERS = re.compile(r"[A-Z]{1,3}")


def iter_rows(
    wb: Workbook,
    path: str,
    *,
    strings: Sequence[str] | Callable[[int], Any],
    columns: set[int] | None = None,
    max_cells: int,
) -> Iterator[tuple[int, dict[int, Any]]]:
    """(Excel row number, {0-based column: value}) for each row with a value in `columns`
    (every column when None), streamed in batches of rows."""
    lookup = strings if callable(strings) else strings.__getitem__
    date_styles, date1904 = wb.date_styles, wb.date1904
    cells_read = 0
    last_row = 0
    col_cache: dict[str, int] = {}
    tags: tuple[str, ...] = ()
    try:
        for batch in fragments(wb.zf, path, "sheetData", "row"):
            for row in batch:
                if not tags:
                    ns = row.tag[: row.tag.index("}") + 1] if "}" in row.tag else ""
                    tags = (ns + "row", ns + "c", ns + "v", ns + "f", ns + "is", ns + "t")
                    tags += (ns + "r",)
                    row_tag, c_tag, v_tag, f_tag, is_tag, t_tag, r_tag = tags
                if row.tag != row_tag:
                    continue
                r_attr = row.get("r")
                if r_attr is None:
                    number = last_row + 1
                elif r_attr.isdigit() and 0 < int(r_attr) <= EXCEL_MAX_ROW:
                    number = int(r_attr)
                else:
                    raise XlsxProblem("malformed_part", part=path, reason=f"row r={r_attr[:20]}")
                if number <= last_row:
                    raise XlsxProblem("malformed_part", part=path, reason=f"row {number} repeated")
                last_row = number
                values: dict[int, Any] = {}
                position = -1
                for c in row:
                    if c.tag != c_tag:
                        continue
                    cells_read += 1
                    ref = c.get("r")
                    if ref:
                        letters = ref.rstrip("0123456789")
                        col = col_cache.get(letters)
                        if col is None:
                            if not _LETTERS.fullmatch(letters):
                                raise XlsxProblem("malformed_part", part=path, reason=ref[:20])
                            col = col_cache[letters] = column_index(letters)
                    else:
                        col = position + 1
                    if col >= EXCEL_MAX_COL:
                        raise XlsxProblem("malformed_part", part=path, reason="column")
                    position = col
                    if columns is not None and col not in columns:
                        continue
                    value = _cell_value(
                        c, lookup, date_styles, date1904, v_tag, f_tag, is_tag, t_tag, r_tag
                    )
                    if value is not None and value != "":
                        values[col] = value
                if cells_read > max_cells:
                    raise XlsxProblem("too_many_cells", part=path, limit=max_cells)
                if values:
                    yield number, values
            batch.clear()
    except (IndexError, KeyError):
        raise XlsxProblem("malformed_part", part=path, reason="shared string index") from None


def _cell_value(
    c: ET.Element,
    lookup: Callable[[int], Any],
    date_styles: frozenset[int],
    date1904: bool,
    v_tag: str,
    f_tag: str,
    is_tag: str,
    t_tag: str,
    r_tag: str,
) -> Any:
    kind = c.get("t", "n")
    text: str | None = None
    for child in c:
        tag = child.tag
        if tag == v_tag:
            text = child.text
        elif tag == f_tag:
            return BadCell("formula", "=" + (child.text or "…"))
        elif tag == is_tag and kind == "inlineStr":
            return _rich_text(child, t_tag, r_tag)
    if text is None or text == "":
        return None
    if kind == "s":
        if not text.isdigit():
            raise IndexError(text)
        return lookup(int(text))
    if kind == "n":
        if _INT.fullmatch(text):
            number: float = int(text)
        elif _NUMBER.fullmatch(text):
            number = float(text)
            if not math.isfinite(number):
                return BadCell("bad_value", text[:40])
        else:
            return BadCell("bad_value", text[:40])
        style = c.get("s")
        if style is not None and date_styles and style.isdigit() and int(style) in date_styles:
            return serial_to_date(float(number), date1904=date1904)
        return number
    if kind == "str":
        return unescape(text)
    if kind == "e":
        return BadCell("error", text[:20])
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "d":
        try:
            return dt.datetime.fromisoformat(text.strip().rstrip("Z"))
        except ValueError:
            return BadCell("bad_date", text[:40])
    if kind == "inlineStr":
        return None
    return BadCell("bad_value", text[:40])

"""Reading the data rows of a checked sheet (`kernel.excel` re-exports this): every cell
parsed by its column, every problem collected as a `RowError`, streamed in batches.

`iter_row_batches` yields `RowBatch`es of at most `size` rows, so an import holds one batch
at a time whatever the file (see `kernel.imports`); `read_xlsx` collects every batch into a
`ParsedSheet` for callers that want the whole sheet (small files, tests, previews).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from . import xlsx_reader as xr
from .excel import (
    DEFAULT_MAX_ROWS,
    MEMO_SIZE,
    Column,
    ParsedSheet,
    Row,
    RowError,
    RowValues,
    SheetCheck,
    SheetSpec,
    _file_error,
    _find_sheet,
    _problem,
    _too_many_rows,
    check_xlsx,
    max_cells_for,
)
from .excel_cells import CellError, as_text, normalise_code
from .xlsx_reader import BadCell, XlsxProblem

BATCH_ROWS = 5000


@dataclass(slots=True)
class RowBatch:
    """Consecutive data rows and the problems found in them (sorted by row)."""

    rows: list[Row]
    errors: list[RowError]


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_xlsx(
    data: bytes,
    spec: SheetSpec,
    *,
    max_rows: int | None = None,
    check: SheetCheck | None = None,
) -> ParsedSheet:
    """Check the file, then stream and parse every data row. File problems raise
    `ExcelFileError`; row problems are collected in the result's `errors` (the rows stay in
    `rows`), so the user sees every bad cell in one pass."""
    parsed = ParsedSheet(spec)
    # Every row is kept: without this, each full collection of the cyclic garbage collector
    # walks them all again, and reading grows quadratically.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for batch in iter_row_batches(data, spec, max_rows=max_rows, check=check):
            parsed.rows.extend(batch.rows)
            parsed.errors.extend(batch.errors)
    finally:
        if gc_was_enabled:
            gc.enable()
    parsed.errors.sort(key=lambda e: e.row)
    return parsed


def iter_row_batches(
    data: bytes,
    spec: SheetSpec,
    *,
    max_rows: int | None = None,
    check: SheetCheck | None = None,
    size: int = BATCH_ROWS,
) -> Iterator[RowBatch]:
    """Check the file (unless `check` is given), then stream its data rows, parsed, in
    batches of at most `size` rows. A file problem raises `ExcelFileError` (possibly after
    some batches: too many rows, a malformed row); a sheet without data rows raises
    ``no_data_rows`` at the end."""
    max_rows = DEFAULT_MAX_ROWS if max_rows is None else max_rows
    check = check or check_xlsx(data, spec, max_rows=max_rows)
    max_cells = max_cells_for(spec, max_rows)
    columns = [(c, check.column_index.get(c.key)) for c in spec.columns]
    letters = [xr.column_letters(i) if i is not None else "" for _c, i in columns]
    keys = {c.key: i for i, c in enumerate(spec.columns)}
    same = _SameCodes(spec)
    # per column, (type, raw value) → (the first such raw value, parsed, reason): a value
    # that repeats (a brand, a unit, a product's columns on each of its SKU rows) is parsed
    # once and kept once. A column's memo is emptied when it reaches MEMO_SIZE: columns of
    # unique values (SKU codes) churn cheaply, columns of few values keep them.
    memos: list[dict[tuple[type, Any], tuple[Any, Any, str | None]]] = [{} for _ in columns]
    rows: list[Row] = []
    errors: list[RowError] = []
    total = 0
    try:
        wb = xr.open_workbook(data)
        with wb.zf:
            path = _find_sheet(wb, spec.sheet_name) or ""
            strings = xr.shared_strings(wb, max_count=max_cells)
            wanted = {i for _c, i in columns if i is not None}
            for number, cells in xr.iter_rows(
                wb,
                path,
                strings=strings,
                columns=wanted,
                max_cells=max_cells,  # type: ignore[arg-type]
            ):
                if number <= check.header_row:
                    continue
                raw_cells = [
                    None if idx is None or _empty(v := cells.get(idx)) else v for _c, idx in columns
                ]
                if all(v is None for v in raw_cells):
                    continue
                values: list[Any] = []
                for i, value in enumerate(raw_cells):
                    col = columns[i][0]
                    memo = memos[i]
                    memo_key = (type(value), value)
                    if value is None or isinstance(value, BadCell):
                        hit = None
                    else:
                        hit = memo.get(memo_key)
                    if hit is None:
                        try:
                            result: Any = _parse_cell(col, value, f"{letters[i]}{number}")
                            failure = None
                        except CellError as exc:
                            result, failure = None, str(exc)
                        if value is not None and not isinstance(value, BadCell):
                            if len(memo) >= MEMO_SIZE:
                                memo.clear()
                            memo[memo_key] = (value, result, failure)
                    else:
                        raw_cells[i], result, failure = hit  # one object per repeated value
                    values.append(result)
                    if failure is not None:
                        errors.append(RowError(number, col.header_zh, failure))
                row = Row(number, RowValues(keys, tuple(values)), tuple(raw_cells))
                errors.extend(same.check(row))
                rows.append(row)
                total += 1
                if total > max_rows:
                    raise _too_many_rows(None, max_rows)
                if len(rows) >= size:
                    yield RowBatch(rows, errors)
                    rows, errors = [], []
    except XlsxProblem as problem:
        raise _problem(problem) from None
    if rows:
        yield RowBatch(rows, errors)
    if not total:
        raise _file_error("no_data_rows", _("The sheet has a header but no data rows."))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BAD_CELL_REASONS = {
    "error": "单元格 {ref} 是错误值 {text}，请改为正确的值",
    "formula": "单元格 {ref} 是公式（{text}），请粘贴为数值",
    "phantom_date": "单元格 {ref} 的日期 1900-02-29 不存在（Excel 的历史错误），请改为正确日期",
    "bad_date": "单元格 {ref} 不是有效日期",
    "bad_value": "单元格 {ref} 的值无法读取",
}


def _parse_cell(col: Column, value: Any, ref: str = "") -> Any:
    if value is None:
        if col.required:
            raise CellError("必填")
        return None
    if isinstance(value, BadCell):
        text = value.text if len(value.text) <= 40 else value.text[:40] + "…"
        raise CellError(_BAD_CELL_REASONS[value.kind].format(ref=ref, text=text))
    if isinstance(value, str):
        bad = _CONTROL.search(value)
        if bad:
            raise CellError(f"含有不可见的控制字符（U+{ord(bad.group()):04X}），请删除")
        if col.code:
            value = normalise_code(value)
    if col.choices:
        text = as_text(value)
        if text not in col.choices:
            raise CellError("只能填写：" + "、".join(col.choices))
        value = text
    result = col.parse(value) if col.parse is not None else as_text(value)
    if col.max_length is not None and isinstance(result, str) and len(result) > col.max_length:
        raise CellError(f"不能超过 {col.max_length} 个字符")
    return result


class _SameCodes:
    """Codes that differ only by letter case or full-width/half-width characters (after
    NFKC) are the same code: such a pair in one file is an error on the later row. Kept
    across batches compactly: per code column, {folded code: row number} when the first
    spelling is the folded code, {folded code: -row number} when it is its upper case (most
    codes), else {folded code: (spelling, row number)}."""

    def __init__(self, spec: SheetSpec) -> None:
        self.columns = [(c.key, c.header_zh, {}) for c in spec.columns if c.code]

    def check(self, row: Row) -> list[RowError]:
        out: list[RowError] = []
        for key, header, first in self.columns:
            value = row.values.get(key)
            if not isinstance(value, str) or not value:
                continue
            folded = value.casefold()
            seen = first.get(folded)
            if seen is None:
                if value == folded:
                    first[folded] = row.number
                elif value == folded.upper():
                    first[folded] = -row.number
                else:
                    first[folded] = (value, row.number)
                continue
            if isinstance(seen, tuple):
                spelling, number = seen
            else:
                spelling, number = (folded, seen) if seen > 0 else (folded.upper(), -seen)
            if spelling != value:
                out.append(
                    RowError(
                        row.number,
                        header,
                        f"「{value}」与第 {number} 行的「{spelling}」只差大小写或全角/半角，"
                        "是同一个编码，请统一写法",
                    )
                )
        return out

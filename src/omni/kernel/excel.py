"""Domain-free tabular I/O for .xlsx files: column specs, checked reading, templates, exports.

A `SheetSpec` names the sheet and its `Column`s (key, Chinese header, required, parser, …).

Reading (`read_xlsx`) happens in two steps, both streaming (`kernel.xlsx_reader`: our own
reader over zipfile and expat, so that every cell's type is known and nothing unbounded is
ever built in memory):

1. `check_xlsx`, cheap enough to run in the upload request: the container (``not_xlsx``,
   ``legacy_xls``, ``password_protected``, ``corrupt_part``), every XML part read
   (``malformed_part`` naming the part, ``xml_doctype``: no DTD, so no entity tricks), the
   sheet (``sheet_not_found``; ``too_many_cells``, ``too_many_rows`` counting the rows that
   hold values, never the declared range; ``merged_cells_not_allowed``) and the header row,
   matched after normalisation (NFKC, BOM and zero-width characters, spaces, a star, letter
   case, a trailing unit in brackets: ``条码（EAN-13）`` is 条码): ``missing_columns`` /
   ``duplicate_columns``; columns that are not in the spec are listed in
   `SheetCheck.unknown_columns` and shown to the user as a warning (`warnings_for`).
2. The rows are streamed and each cell parsed. Problems are collected as `RowError` (row
   number as Excel shows it, column header, reason in zh-Hans), all in one pass: Excel
   error values (#N/A, #VALUE!, …), formulas, Excel's phantom 1900-02-29, control
   characters (refused, never stripped), and for `Column(code=True)` two codes that are the
   same after NFKC and case folding. Codes are NFKC-normalised and trimmed
   (`normalise_code`, which the services use too). Both date systems (1900, 1904) are read.
   `iter_row_batches` yields the rows in batches (an import job holds one at a time);
   `read_xlsx` collects them all (module `excel_read`; the cell parsers `integer`,
   `decimal`, `date`, `mapped`… are in `excel_cells`; both re-exported here).

Writing (`kernel.xlsx_writer`, re-exported here) goes through one writer, `TableWriter`
(openpyxl write-only mode, bounded memory):
`write_rows` (exports in a spec's layout), `write_table` (list pages' exports, see
`omni.web.excel`) and `error_file_bytes` (the spec's layout plus 行号 / 错误列 / 错误原因,
so the corrected file can be imported again as it is); `template_bytes` writes the import
templates. Every text cell goes through `guard_text`: text starting with =, +, -, @, tab or
carriage return is prefixed with a single quote (OWASP), and reading strips that quote again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from . import xlsx_reader as xr
from .errors import DomainError
from .excel_cells import (
    FORMULA_TRIGGERS,
    CellError,
    _unguard,
    as_text,
    date,
    decimal,
    integer,
    mapped,
    normalise_code,
)
from .xlsx_reader import XlsxProblem

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_MAX_ROWS = 200_000
# Cells (empty ones included) per row a sheet may hold on average before it is refused: a
# 16-million-empty-cell "bomb" is refused while it is being counted, at C speed.
CELLS_PER_ROW = 32
MEMO_SIZE = 4096  # distinct values per column parsed once and shared (see read_xlsx)
HEADER_SEARCH_ROWS = 10

ROW_NUMBER_HEADER = "行号"
ERROR_COLUMN_HEADER = "错误列"
ERROR_REASON_HEADER = "错误原因"
NOTES_SHEET = "填写说明"


# --- errors -----------------------------------------------------------------------------------


class ExcelFileError(DomainError):
    """The file as a whole cannot be imported. `code` says why (stable, see module doc)."""

    code = "invalid_excel_file"
    status = 400
    default_message = _("The file cannot be imported.")


def _file_error(code: str, message: Any, status: int = 400, **details: Any) -> ExcelFileError:
    return ExcelFileError(code, message, details, status=status)


# --- specs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header_zh: str
    required: bool = False
    parse: Callable[[Any], Any] | None = None  # gets the non-empty cell value; may raise CellError
    example: Any = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()  # allowed texts; a drop-down list in the template
    note: str = ""
    width: int | None = None
    as_text_format: bool = True  # format the template column as text (keeps leading zeros)
    code: bool = False  # a code: NFKC + trim, and same-but-for-case values in a file refused


@dataclass(frozen=True)
class SheetSpec:
    sheet_name: str
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        headers = [c.header_zh for c in self.columns]
        keys = [c.key for c in self.columns]
        if len(set(headers)) != len(headers) or len(set(keys)) != len(keys):
            raise ValueError("a sheet spec needs unique column keys and headers")
        if set(headers) & {ROW_NUMBER_HEADER, ERROR_COLUMN_HEADER, ERROR_REASON_HEADER}:
            raise ValueError("行号 / 错误列 / 错误原因 are reserved for the error file")

    @property
    def headers(self) -> list[str]:
        return [c.header_zh for c in self.columns]

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    def header(self, key: str) -> str:
        return self.column(key).header_zh


# --- results ----------------------------------------------------------------------------------


class RowValues(Mapping[str, Any]):
    """A row's parsed values by column key, read-only: a tuple and the sheet's one key
    index (a third of a dict's memory; 200,000 rows are held at once)."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: Mapping[str, int], values: Sequence[Any]) -> None:
        self._index = index
        self._values = tuple(values)

    def __getitem__(self, key: str) -> Any:
        return self._values[self._index[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return repr(dict(self))


@dataclass(frozen=True, slots=True)
class Row:
    number: int  # the row number Excel shows
    values: Mapping[str, Any]  # parsed values by column key (None when empty)
    raw: tuple[Any, ...]  # the original cell values in the spec's column order


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str  # the column header; "" when the row as a whole is wrong
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class SheetCheck:
    """What `check_xlsx` found out about a file that can be imported."""

    sheet_name: str
    header_row: int  # Excel row number of the header row
    column_index: dict[str, int]  # column key → 0-based sheet column (present columns only)
    valued_rows: int  # rows holding a value, the header included (an upper bound)
    unknown_columns: list[str] = field(default_factory=list)  # headers not in the spec


@dataclass
class ParsedSheet:
    spec: SheetSpec
    rows: list[Row] = field(default_factory=list)  # every non-empty data row
    errors: list[RowError] = field(default_factory=list)  # parse errors

    @property
    def total_rows(self) -> int:
        return len(self.rows)

    def rows_without(self, bad: set[int]) -> list[Row]:
        return [r for r in self.rows if r.number not in bad]


# --- reading: the file-level checks -------------------------------------------------------------

_FILE_MESSAGES: dict[str, Any] = {
    "not_xlsx": _(
        "The file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again."
    ),
    "legacy_xls": _(
        "This is an old Excel 97-2003 file (.xls). Open it in Excel, save it as "
        "Excel Workbook (.xlsx) and upload it again."
    ),
    "password_protected": _(
        "The workbook is password-protected (encrypted). Remove the password in Excel "
        "(File → Info → Protect Workbook) and upload it again."
    ),
    "corrupt_part": _(
        "The file is damaged: its part %(part)s cannot be read. Open it in Excel, "
        "save it again and upload the new file."
    ),
    "malformed_part": _(
        "The file is damaged: its part %(part)s is not well-formed XML (%(reason)s). Open it "
        "in Excel, save it again and upload the new file."
    ),
    "xml_doctype": _(
        "The file's part %(part)s declares a DOCTYPE or entities, which a workbook never "
        "does; it is refused."
    ),
    "xml_encoding": _("The file's part %(part)s is not UTF-8 encoded XML; it is refused."),
    "part_too_large": _("The file's part %(part)s is too large."),
    "file_too_large": _("The file is too large."),
    "cell_too_large": _("A cell of the sheet holds more text than Excel allows."),
    "too_many_cells": _(
        "The sheet has more cells than can be imported at once (%(limit)s); delete unused "
        "columns and rows or split the file."
    ),
    "too_many_row_elements": _("The sheet has more rows than Excel allows."),
    "too_many_strings": _(
        "The workbook holds more texts than can be imported at once (%(limit)s); split it."
    ),
    "too_many_rows": _(
        "The file has more rows than can be imported at once (%(limit)s); split it."
    ),
}
_STATUS = {"file_too_large": 413, "part_too_large": 413}


def _problem(problem: XlsxProblem) -> ExcelFileError:
    details = {k: v for k, v in problem.details.items() if v is not None}
    message = _FILE_MESSAGES.get(problem.code, _FILE_MESSAGES["not_xlsx"])
    try:
        text = message % {"part": "", "reason": "", "limit": "", **details}
    except (KeyError, TypeError, ValueError):
        text = str(message)
    return _file_error(problem.code, text, status=_STATUS.get(problem.code, 400), **details)


def max_cells_for(spec: SheetSpec, max_rows: int) -> int:
    """Cells (elements, empty ones included) a sheet may hold: the work is bounded by this."""
    return (max_rows + HEADER_SEARCH_ROWS) * max(CELLS_PER_ROW, 2 * len(spec.columns))


def _too_many_rows(found: int | None, limit: int) -> ExcelFileError:
    return _problem(XlsxProblem("too_many_rows", limit=limit, rows=found))


_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad\u3000"), None)
_BRACKETED = re.compile(r"(?:\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕)$")
_RESERVED = {ROW_NUMBER_HEADER, ERROR_COLUMN_HEADER, ERROR_REASON_HEADER}


def normalise_header(text: Any) -> str:
    """Headers as people type them: NFKC (full-width brackets, letters and digits become
    half-width), byte-order marks and zero-width characters dropped, spaces and a
    required-marker star ignored, letter case ignored."""
    folded = unicodedata.normalize("NFKC", str(text or "")).translate(_INVISIBLE)
    return re.sub(r"\s+", "", folded).strip("*").casefold()


def _header_base(normalised: str) -> str:
    """A normalised header without a trailing unit or note in brackets: 箱规(个/箱) → 箱规."""
    while True:
        stripped = _BRACKETED.sub("", normalised)
        if stripped == normalised or not stripped:
            return normalised
        normalised = stripped


def _match_header(
    spec: SheetSpec, cells: Mapping[int, str]
) -> tuple[dict[str, int], list[str], list[str]]:
    """(column key → sheet column, duplicated headers, unknown headers)."""
    exact = {normalise_header(c.header_zh): c.key for c in spec.columns}
    base = {_header_base(h): k for h, k in exact.items()}
    reserved = {normalise_header(h) for h in _RESERVED}
    index: dict[str, int] = {}
    duplicates: list[str] = []
    unknown: list[str] = []
    for position in sorted(cells):
        text = str(cells[position]).strip()
        header = normalise_header(text)
        if not header or header in reserved:
            continue
        key = exact.get(header) or base.get(_header_base(header))
        if key is None:
            unknown.append(text)
        elif key in index:
            duplicates.append(spec.header(key))
        else:
            index[key] = position
    return index, duplicates, unknown


@dataclass(frozen=True, slots=True)
class _Ref:
    index: int  # a shared string the header needs, resolved once the rows are read


def _find_sheet(wb: xr.Workbook, name: str) -> str | None:
    if name in wb.sheets:
        return wb.sheets[name]
    wanted = normalise_header(name)
    return next((p for n, p in wb.sheets.items() if normalise_header(n) == wanted), None)


def check_xlsx(data: bytes, spec: SheetSpec, *, max_rows: int | None = None) -> SheetCheck:
    """File-level checks, streaming the sheet once without keeping values: the container,
    every XML part read (well-formed, no DOCTYPE), the sheet (cells, rows holding values,
    merged cells) and the header row. Raises `ExcelFileError`."""
    max_rows = DEFAULT_MAX_ROWS if max_rows is None else max_rows
    max_cells = max_cells_for(spec, max_rows)
    try:
        wb = xr.open_workbook(data)
    except XlsxProblem as problem:
        raise _problem(problem) from None
    with wb.zf:
        path = _find_sheet(wb, spec.sheet_name)
        if path is None:
            raise _file_error(
                "sheet_not_found",
                _('The workbook has no sheet named "%(sheet)s". Use the template.')
                % {"sheet": spec.sheet_name},
                expected=spec.sheet_name,
                found=list(wb.sheets),
            )
        try:
            scan = xr.validate_part(wb.zf, path, sheet=True, max_rows=max_rows, max_cells=max_cells)
            if wb.shared_path:
                xr.validate_part(wb.zf, wb.shared_path)
            candidates = _header_candidates(wb, path, max_cells)
        except XlsxProblem as problem:
            raise _problem(problem) from None
    if scan.merged:
        raise _file_error(
            "merged_cells_not_allowed",
            _("The sheet contains merged cells (%(ranges)s). Unmerge them and fill every cell.")
            % {"ranges": ", ".join(scan.merged)},
            ranges=scan.merged,
        )
    if not candidates:
        raise _file_error("empty_sheet", _("The sheet is empty."), sheet=spec.sheet_name)
    best: tuple[int, dict[str, int], list[str], list[str]] | None = None
    for number, cells in candidates:
        index, duplicates, unknown = _match_header(spec, cells)
        if index and (best is None or len(index) > len(best[1])):
            best = (number, index, duplicates, unknown)
    if best is None:
        header_row, index, duplicates, unknown = candidates[0][0], {}, [], []
    else:
        header_row, index, duplicates, unknown = best
    missing = [c.header_zh for c in spec.columns if c.required and c.key not in index]
    if missing:
        raise _file_error(
            "missing_columns",
            _("Required columns are missing: %(columns)s. Use the template's header row.")
            % {"columns": "、".join(missing)},
            columns=missing,
            header_row=header_row,
            unknown_columns=unknown,
        )
    if duplicates:
        raise _file_error(
            "duplicate_columns",
            _("Columns appear more than once: %(columns)s.") % {"columns": "、".join(duplicates)},
            columns=duplicates,
        )
    return SheetCheck(spec.sheet_name, header_row, index, scan.valued_rows, unknown)


def _header_candidates(
    wb: xr.Workbook, path: str, max_cells: int
) -> list[tuple[int, dict[int, str]]]:
    """The first rows holding values as (Excel row number, {column index: text})."""
    rows: list[tuple[int, dict[int, Any]]] = []
    for number, cells in xr.iter_rows(wb, path, strings=_Ref, max_cells=max_cells):
        rows.append((number, cells))
        if len(rows) >= HEADER_SEARCH_ROWS:
            break
    wanted = {v.index for _n, cells in rows for v in cells.values() if isinstance(v, _Ref)}
    strings: Mapping[int, str] = (
        xr.shared_strings(wb, max_count=max_cells, wanted=wanted) if wanted else {}  # type: ignore[assignment]
    )
    out = []
    for n, cells in rows:
        texts = {
            i: strings.get(v.index, "") if isinstance(v, _Ref) else as_text(v)
            for i, v in cells.items()
        }
        texts = {i: t for i, t in texts.items() if t}
        if texts:
            out.append((n, texts))
    return out


def warnings_for(check: SheetCheck) -> list[str]:
    """What the user should know about a file that can be imported (shown at upload)."""
    if not check.unknown_columns:
        return []
    return [
        str(
            _("These columns are not part of the template and are ignored: %(columns)s.")
            % {"columns": "、".join(check.unknown_columns)}
        )
    ]


# Reading values (streamed in batches) lives in `excel_read`, cell parsers in `excel_cells`,
# writing (templates, exports, error files) in `xlsx_writer`; all re-exported here so that
# callers use one module.
from .excel_read import BATCH_ROWS, iter_row_batches, read_xlsx  # noqa: E402
from .xlsx_writer import (  # noqa: E402
    TableWriter,
    error_file_bytes,
    export_bytes,
    export_value,
    guard_text,
    template_bytes,
    write_rows,
    write_table,
)

__all__ = [
    "BATCH_ROWS",
    "FORMULA_TRIGGERS",
    "CellError",
    "TableWriter",
    "_unguard",
    "as_text",
    "date",
    "decimal",
    "error_file_bytes",
    "export_bytes",
    "export_value",
    "guard_text",
    "integer",
    "iter_row_batches",
    "mapped",
    "normalise_code",
    "read_xlsx",
    "template_bytes",
    "write_rows",
    "write_table",
]

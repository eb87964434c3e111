"""Domain-free tabular I/O for .xlsx files: column specs, checked reading, templates, exports.

A `SheetSpec` names the sheet and its `Column`s (key, Chinese header, required, parser, …).

Reading (`read_xlsx`) happens in two steps:

1. `check_xlsx` looks at the file without reading cell values, cheaply enough to run in the
   upload request: it is a zip with a workbook (else ``not_xlsx``), the sheet exists
   (``sheet_not_found``), the sheet XML is streamed once through zipfile to count rows
   (``too_many_rows``; the ``<dimension>`` element, when present, refuses an oversized file
   after the first chunk), find formulas (``formulas_not_allowed``, with the cells) and merged
   cells (``merged_cells_not_allowed``), and the header row is parsed from the first rows of
   the XML to match the Chinese headers (``missing_columns`` / ``duplicate_columns``; column
   order and extra columns are tolerated). Each problem raises `ExcelFileError` with a stable
   code.
2. python-calamine reads the values; each row is parsed column by column. Problems are
   collected as `RowError` (row number as Excel shows it, column header, reason in zh-Hans);
   the row's original values are kept for the error file.

Writing: `template_bytes` (Chinese header row, bold, frozen, widths, list validations for
choice columns, a notes sheet with an example row), `write_rows` (an export streamed with
openpyxl's write-only mode) and `error_file_bytes` (the spec's layout plus 行号 / 错误列 /
错误原因, so the corrected file can be imported again as it is). Text that looks like a
formula is always written as text.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any
from xml.etree import ElementTree as ET

from django.utils.translation import gettext_lazy as _

from .errors import DomainError

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_MAX_ROWS = 200_000
# A file's declared uncompressed size above this is refused before anything is inflated
# (zip bombs); 200,000 rows of 30 text columns stay far below it.
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
FORMULA_CELLS_LISTED = 20
MERGED_RANGES_LISTED = 20
HEADER_SEARCH_ROWS = 10

ROW_NUMBER_HEADER = "行号"
ERROR_COLUMN_HEADER = "错误列"
ERROR_REASON_HEADER = "错误原因"
NOTES_SHEET = "填写说明"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an encrypted .xlsx
_CHUNK = 1 << 20


# --- errors -----------------------------------------------------------------------------------


class ExcelFileError(DomainError):
    """The file as a whole cannot be imported. `code` says why (stable, see module doc)."""

    code = "invalid_excel_file"
    status = 400
    default_message = _("The file cannot be imported.")


def _file_error(code: str, message: Any, status: int = 400, **details: Any) -> ExcelFileError:
    return ExcelFileError(code, message, details, status=status)


class CellError(ValueError):
    """Raised by a column parser; the message is the reason shown to the user (zh-Hans)."""


# --- specs ------------------------------------------------------------------------------------


def as_text(value: Any) -> str:
    """A cell value as the text a person typed: 12.0 → "12", dates as ISO, strings stripped."""
    if isinstance(value, str):
        return value.strip()
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


@dataclass(frozen=True, slots=True)
class Row:
    number: int  # the row number Excel shows
    values: dict[str, Any]  # parsed values by column key (None when empty)
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
    row_elements: int  # <row> elements in the sheet XML (an upper bound of the data rows + 1)


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


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rid(element: ET.Element) -> str | None:
    for key, value in element.attrib.items():
        if key.endswith("}id") or key == "id":
            return value
    return None


def _parse_xml(zf: zipfile.ZipFile, name: str) -> ET.Element:
    with zf.open(name) as fh:
        return ET.parse(fh).getroot()  # noqa: S314 (expat: no external entities, limits on expansion)


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, zip path) for a part ("xl/workbook.xml")."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in zf.NameToInfo:
        return {}
    out = {}
    for rel in _parse_xml(zf, rels_name):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(path))
    return out


def _not_xlsx(detail: str = "") -> ExcelFileError:
    return _file_error(
        "not_xlsx",
        _("The file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again."),
        detail=detail,
    )


def _open(data: bytes) -> tuple[zipfile.ZipFile, str]:
    """The zip and its workbook part, or `not_xlsx`."""
    if data.startswith(_OLE_MAGIC):
        raise _not_xlsx("xls_or_encrypted")
    if not data.startswith(_ZIP_MAGIC):
        raise _not_xlsx("not_a_zip")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        total = sum(i.file_size for i in zf.infolist())
        workbook = next(
            (path for kind, path in _rels(zf, "").values() if kind.endswith("/officeDocument")),
            "xl/workbook.xml",
        )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ET.ParseError, OSError, ValueError):
        raise _not_xlsx("bad_zip") from None
    if workbook not in zf.NameToInfo:
        raise _not_xlsx("no_workbook")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _file_error("file_too_large", _("The file is too large."), status=413)
    return zf, workbook


def _sheet_parts(zf: zipfile.ZipFile, workbook: str) -> tuple[dict[str, str], str | None]:
    """Sheet name → zip path, and the shared strings part (if any)."""
    try:
        root = _parse_xml(zf, workbook)
        rels = _rels(zf, workbook)
    except (ET.ParseError, zipfile.BadZipFile, OSError):
        raise _not_xlsx("bad_workbook") from None
    sheets: dict[str, str] = {}
    for element in root.iter():
        if _local(element.tag) == "sheet":
            rel = rels.get(_rid(element) or "")
            if rel and rel[1] in zf.NameToInfo and rel[0].endswith("/worksheet"):
                sheets[element.get("name", "")] = rel[1]
    shared = next((path for t, path in rels.values() if t.endswith("/sharedStrings")), None)
    return sheets, shared if shared in zf.NameToInfo else None


_ROW_REF = re.compile(rb"[A-Z]{1,3}(\d+)")


@dataclass
class _Scan:
    row_elements: int = 0
    formula_cells: list[str] = field(default_factory=list)
    formula_count: int = 0
    merged: list[str] = field(default_factory=list)


def _scan_sheet(zf: zipfile.ZipFile, path: str, max_rows: int) -> _Scan:
    """Stream the sheet XML once (no XML parser, byte searches only): rows, formulas, merges."""
    scan = _Scan()
    carry = b""
    prefix: bytes | None = None
    patterns: dict[str, Any] = {}
    first = True
    with zf.open(path) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            buf = carry + chunk
            if chunk:
                cut = buf.rfind(b"<")
                if cut <= 0:
                    carry = buf
                    continue
                # every tag starting before `cut` also ends before it: text never holds "<"
                segment, carry = buf[:cut], buf[cut:]
            else:
                segment, carry = buf, b""
            if prefix is None:
                m = re.search(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]", segment)
                prefix = (m.group(1) or b"") if m else b""
                p = re.escape(prefix)
                patterns = {
                    "row_open": (b"<" + prefix + b"row ", b"<" + prefix + b"row>"),
                    "formula": re.compile(rb"<" + p + rb"f[\s>/]"),
                    "cell_or_formula": re.compile(
                        rb"<" + p + rb"c\s[^>]*?\br=\"([A-Z]{1,3}\d+)\"|<" + p + rb"f[\s>/]"
                    ),
                    "merge": re.compile(rb"<" + p + rb"mergeCell\s[^>]*?\bref=\"([A-Z0-9:$]+)\""),
                    "dimension": re.compile(rb"<" + p + rb"dimension\s[^>]*?\bref=\"([^\"]+)\""),
                }
            if first:
                first = False
                m = patterns["dimension"].search(segment)
                if m:
                    refs = [int(r) for r in _ROW_REF.findall(m.group(1))]
                    if len(refs) == 2 and refs[1] - refs[0] > max_rows:
                        raise _too_many_rows(refs[1] - refs[0], max_rows)
            opens = patterns["row_open"]
            scan.row_elements += segment.count(opens[0]) + segment.count(opens[1])
            if scan.row_elements - 1 > max_rows:
                raise _too_many_rows(None, max_rows)
            if patterns["formula"].search(segment):
                last_ref = "?"
                for m in patterns["cell_or_formula"].finditer(segment):
                    if m.group(1):
                        last_ref = m.group(1).decode()
                        continue
                    scan.formula_count += 1
                    if len(scan.formula_cells) < FORMULA_CELLS_LISTED and (
                        last_ref not in scan.formula_cells
                    ):
                        scan.formula_cells.append(last_ref)
            if b"mergeCell" in segment:
                scan.merged.extend(
                    m.decode() for m in patterns["merge"].findall(segment)[:MERGED_RANGES_LISTED]
                )
            if not chunk:
                break
    return scan


def _too_many_rows(found: int | None, limit: int) -> ExcelFileError:
    return _file_error(
        "too_many_rows",
        _("The file has more rows than can be imported at once (%(limit)s); split it.")
        % {"limit": limit},
        limit=limit,
        rows=found,
    )


def _col_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n - 1


def _text_of(element: ET.Element) -> str:
    """The text of a shared or inline string: its <t> runs, without phonetic (<rPh>) runs."""
    parts: list[str] = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _shared_strings(zf: zipfile.ZipFile, path: str | None, wanted: set[int]) -> dict[int, str]:
    """Only the shared strings the header needs, reading the part only as far as needed."""
    if not path or not wanted:
        return {}
    found: dict[int, str] = {}
    top = max(wanted)
    index = -1
    parser = ET.XMLPullParser(events=("end",))
    with zf.open(path) as fh:
        while index < top:
            chunk = fh.read(64 * 1024)
            if not chunk:
                break
            parser.feed(chunk)
            for _event, element in parser.read_events():
                if _local(element.tag) == "si":
                    index += 1
                    if index in wanted:
                        found[index] = _text_of(element)
                    element.clear()
    return found


def _header_candidates(
    zf: zipfile.ZipFile, path: str, shared_path: str | None
) -> list[tuple[int, dict[int, str]]]:
    """The first non-empty rows of the sheet as (Excel row number, {column index: text})."""
    rows: list[tuple[int, dict[int, Any]]] = []
    parser = ET.XMLPullParser(events=("end",))
    try:
        with zf.open(path) as fh:
            row_number = 0
            while len(rows) < HEADER_SEARCH_ROWS:
                chunk = fh.read(64 * 1024)
                if not chunk:
                    break
                parser.feed(chunk)
                for _event, element in parser.read_events():
                    if _local(element.tag) != "row":
                        continue
                    row_number = int(element.get("r") or row_number + 1)
                    cells: dict[int, Any] = {}
                    position = -1
                    for c in element:
                        if _local(c.tag) != "c":
                            continue
                        position = _col_index(c.get("r", "")) if c.get("r") else position + 1
                        kind = c.get("t", "n")
                        value: Any = None
                        if kind == "inlineStr":
                            value = "".join(_text_of(i) for i in c if _local(i.tag) == "is")
                        else:
                            v = next((i.text for i in c if _local(i.tag) == "v"), None)
                            if v is not None:
                                value = ("s", int(v)) if kind == "s" else v
                        if value not in (None, ""):
                            cells[position] = value
                    element.clear()
                    if cells:
                        rows.append((row_number, cells))
                    if len(rows) >= HEADER_SEARCH_ROWS:
                        break
    except (ET.ParseError, ValueError):
        raise _not_xlsx("bad_sheet_xml") from None
    wanted = {v[1] for _n, cells in rows for v in cells.values() if isinstance(v, tuple)}
    strings = _shared_strings(zf, shared_path, wanted)
    return [
        (
            n,
            {
                i: strings.get(v[1], "") if isinstance(v, tuple) else str(v)
                for i, v in cells.items()
            },
        )
        for n, cells in rows
    ]


def normalise_header(text: Any) -> str:
    """Headers as people type them: surrounding spaces and a required-marker star ignored."""
    return re.sub(r"\s+", "", str(text or "")).strip("*＊")


def _match_header(spec: SheetSpec, cells: Mapping[int, str]) -> tuple[dict[str, int], list[str]]:
    by_header = {c.header_zh: c.key for c in spec.columns}
    index: dict[str, int] = {}
    duplicates: list[str] = []
    for position in sorted(cells):
        header = normalise_header(cells[position])
        key = by_header.get(header)
        if key is None:
            continue
        if key in index:
            duplicates.append(header)
        else:
            index[key] = position
    return index, duplicates


def check_xlsx(data: bytes, spec: SheetSpec, *, max_rows: int | None = None) -> SheetCheck:
    """File-level checks, without reading the cell values. Raises `ExcelFileError`."""
    max_rows = DEFAULT_MAX_ROWS if max_rows is None else max_rows
    zf, workbook = _open(data)
    with zf:
        sheets, shared = _sheet_parts(zf, workbook)
        path = sheets.get(spec.sheet_name)
        if path is None:
            raise _file_error(
                "sheet_not_found",
                _('The workbook has no sheet named "%(sheet)s". Use the template.')
                % {"sheet": spec.sheet_name},
                expected=spec.sheet_name,
                found=list(sheets),
            )
        try:
            scan = _scan_sheet(zf, path, max_rows)
            candidates = _header_candidates(zf, path, shared)
        except (zipfile.BadZipFile, OSError, EOFError):
            raise _not_xlsx("bad_zip") from None
    if scan.formula_count:
        raise _file_error(
            "formulas_not_allowed",
            _(
                "The sheet contains formulas (%(cells)s). "
                "Paste the values instead (Paste Special → Values)."
            )
            % {"cells": ", ".join(scan.formula_cells)},
            cells=scan.formula_cells,
            count=scan.formula_count,
        )
    if scan.merged:
        raise _file_error(
            "merged_cells_not_allowed",
            _("The sheet contains merged cells (%(ranges)s). Unmerge them and fill every cell.")
            % {"ranges": ", ".join(scan.merged)},
            ranges=scan.merged,
        )
    if not candidates:
        raise _file_error("empty_sheet", _("The sheet is empty."), sheet=spec.sheet_name)
    best: tuple[int, dict[str, int], list[str]] | None = None
    for number, cells in candidates:
        index, duplicates = _match_header(spec, cells)
        if index and (best is None or len(index) > len(best[1])):
            best = (number, index, duplicates)
    if best is None:
        header_row, index, duplicates = candidates[0][0], {}, []
    else:
        header_row, index, duplicates = best
    missing = [c.header_zh for c in spec.columns if c.required and c.key not in index]
    if missing:
        raise _file_error(
            "missing_columns",
            _("Required columns are missing: %(columns)s. Use the template's header row.")
            % {"columns": "、".join(missing)},
            columns=missing,
            header_row=header_row,
        )
    if duplicates:
        raise _file_error(
            "duplicate_columns",
            _("Columns appear more than once: %(columns)s.") % {"columns": "、".join(duplicates)},
            columns=duplicates,
        )
    return SheetCheck(spec.sheet_name, header_row, index, scan.row_elements)


# --- reading: values -----------------------------------------------------------------------------


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_xlsx(
    data: bytes,
    spec: SheetSpec,
    *,
    max_rows: int | None = None,
    check: SheetCheck | None = None,
) -> ParsedSheet:
    """Check the file, then parse every data row. File problems raise `ExcelFileError`;
    row problems are collected in the result's `errors` (the rows stay in `rows`)."""
    from python_calamine import CalamineError, CalamineWorkbook

    max_rows = DEFAULT_MAX_ROWS if max_rows is None else max_rows
    check = check or check_xlsx(data, spec, max_rows=max_rows)
    try:
        with CalamineWorkbook.from_filelike(io.BytesIO(data)) as wb:
            grid = wb.get_sheet_by_name(check.sheet_name).to_python(skip_empty_area=False)
    except CalamineError:
        raise _not_xlsx("unreadable") from None
    columns = [(c, check.column_index.get(c.key)) for c in spec.columns]
    parsed = ParsedSheet(spec)
    rows, errors = parsed.rows, parsed.errors
    for i in range(check.header_row, len(grid)):  # grid[i] is Excel row i + 1
        cells = grid[i]
        width = len(cells)
        raw = tuple(
            (None if _empty(v := cells[idx]) else v) if idx is not None and idx < width else None
            for _c, idx in columns
        )
        if all(v is None for v in raw):
            continue
        number = i + 1
        values: dict[str, Any] = {}
        for (col, _idx), value in zip(columns, raw, strict=True):
            try:
                values[col.key] = _parse_cell(col, value)
            except CellError as exc:
                values[col.key] = None
                errors.append(RowError(number, col.header_zh, str(exc)))
        rows.append(Row(number, values, raw))
        if len(rows) > max_rows:
            raise _too_many_rows(None, max_rows)
    if not rows:
        raise _file_error("no_data_rows", _("The sheet has a header but no data rows."))
    return parsed


def _parse_cell(col: Column, value: Any) -> Any:
    if value is None:
        if col.required:
            raise CellError("必填")
        return None
    if col.choices:
        text = as_text(value)
        if text not in col.choices:
            raise CellError("只能填写：" + "、".join(col.choices))
        value = text
    result = col.parse(value) if col.parse is not None else as_text(value)
    if col.max_length is not None and isinstance(result, str) and len(result) > col.max_length:
        raise CellError(f"不能超过 {col.max_length} 个字符")
    return result


# --- writing ----------------------------------------------------------------------------------


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _width(col: Column) -> float:
    if col.width:
        return col.width
    sample = max(len(col.header_zh) * 2, len(as_text(col.example)) if col.example else 0)
    return max(10, min(sample + 4, 50))


def _choices_formula(choices: Sequence[str]) -> str | None:
    inline = ",".join(choices)
    if len(inline) <= 250 and not any(('"' in c or "," in c) for c in choices):
        return f'"{inline}"'
    return None


def template_bytes(spec: SheetSpec) -> bytes:
    """An empty import template: the data sheet with its header row and a notes sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = spec.sheet_name
    fill = PatternFill("solid", fgColor="F0F2F5")
    lists_ws = None
    for i, col in enumerate(spec.columns):
        letter = _letter(i)
        cell = ws.cell(row=1, column=i + 1, value=col.header_zh)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
        note = _column_note(col)
        if note:
            cell.comment = Comment(note, "Omni", width=240, height=100)
        ws.column_dimensions[letter].width = _width(col)
        if col.as_text_format and col.parse is None:
            ws.column_dimensions[letter].number_format = "@"
        if col.choices:
            formula = _choices_formula(col.choices)
            if formula is None:
                if lists_ws is None:
                    lists_ws = wb.create_sheet("_lists")
                    lists_ws.sheet_state = "hidden"
                list_col = _letter(lists_ws.max_column if lists_ws["A1"].value else 0)
                for r, choice in enumerate(col.choices, start=1):
                    lists_ws[f"{list_col}{r}"] = choice
                formula = f"_lists!${list_col}$1:${list_col}${len(col.choices)}"
            dv = DataValidation(
                type="list",
                formula1=formula,
                allow_blank=not col.required,
                showErrorMessage=True,
                errorTitle="输入有误",
                error="只能填写：" + "、".join(col.choices),
            )
            dv.add(f"{letter}2:{letter}{DEFAULT_MAX_ROWS + 1}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"

    notes = wb.create_sheet(NOTES_SHEET)
    bold = Font(bold=True)
    notes.append(["填写说明"])
    notes["A1"].font = Font(bold=True, size=14)
    lines = [
        f"1. 在工作表「{spec.sheet_name}」中填写数据，第 1 行为表头，请勿修改工作表名称和表头文字；"
        "列的顺序可以调整，多余的列会被忽略。",
        "2. 红色表头为必填列。请勿使用公式和合并单元格；单元格内容请粘贴为数值。",
        f"3. 每次最多导入 {DEFAULT_MAX_ROWS:,} 行。按编码匹配：编码已存在则更新，不存在则新建，"
        "重复导入同一文件不会产生变化。",
        *spec.notes,
    ]
    for line in lines:
        notes.append([line])
    notes.append([])
    notes.append(["列名", "是否必填", "说明", "示例"])
    for c in notes[notes.max_row]:
        c.font = bold
    for col in spec.columns:
        notes.append(
            [col.header_zh, "必填" if col.required else "选填", _column_note(col), col.example]
        )
    notes.append([])
    notes.append(["示例（复制到「" + spec.sheet_name + "」工作表时请只复制数据行）"])
    notes.append(spec.headers)
    for c in notes[notes.max_row]:
        c.font = bold
    notes.append([col.example for col in spec.columns])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 60
    notes.column_dimensions["D"].width = 24
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _column_note(col: Column) -> str:
    parts = []
    if col.note:
        parts.append(col.note)
    if col.choices:
        parts.append("可选值：" + "、".join(col.choices))
    if col.max_length:
        parts.append(f"最多 {col.max_length} 个字符")
    return "；".join(parts)


def _write_only_cell(ws: Any, value: Any, *, font: Any = None, fill: Any = None) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, Decimal):
        value = float(value)
    elif isinstance(value, dt.datetime) and value.tzinfo is not None:
        from django.utils import timezone

        value = timezone.localtime(value).replace(tzinfo=None)
    elif value is not None and not isinstance(
        value, str | int | float | bool | dt.date | dt.time | dt.timedelta
    ):
        value = str(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # "=cmd|…" stays text: no formula injection
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def _needs_cell(value: Any) -> bool:
    return (isinstance(value, str) and value[:1] in ("=", "+", "-", "@")) or isinstance(
        value, Decimal | dt.datetime
    )


def write_rows(
    spec: SheetSpec,
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    out: IO[bytes],
    *,
    extra_headers: Sequence[str] = (),
) -> int:
    """Stream an export in the spec's layout (openpyxl write-only mode) into `out`.
    Rows are mappings by column key or sequences in column order. Returns the row count."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(spec.sheet_name)
    ws.freeze_panes = "A2"
    for i, col in enumerate(spec.columns):
        ws.column_dimensions[_letter(i)].width = _width(col)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F0F2F5")
    ws.append(
        [_write_only_cell(ws, h, font=bold, fill=fill) for h in [*spec.headers, *extra_headers]]
    )
    keys = [c.key for c in spec.columns]
    n = 0
    for row in rows:
        values = [row.get(k) for k in keys] if isinstance(row, Mapping) else list(row)
        ws.append([_write_only_cell(ws, v) if _needs_cell(v) else v for v in values])
        n += 1
    wb.save(out)
    return n


def export_bytes(spec: SheetSpec, rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> bytes:
    out = io.BytesIO()
    write_rows(spec, rows, out)
    return out.getvalue()


def error_file_bytes(
    spec: SheetSpec, errors: Iterable[RowError], originals: Mapping[int, Sequence[Any]]
) -> bytes:
    """The rejected rows in the spec's layout plus 行号 / 错误列 / 错误原因 (one line per row,
    reasons joined), with the cells at fault filled red. The user corrects the file and
    imports it again as it is: the three extra columns are ignored on import."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    by_row: dict[int, list[RowError]] = {}
    for e in errors:
        by_row.setdefault(e.row, []).append(e)
    position = {h: i for i, h in enumerate(spec.headers)}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(spec.sheet_name)
    ws.freeze_panes = "A2"
    for i, col in enumerate(spec.columns):
        ws.column_dimensions[_letter(i)].width = _width(col)
    n = len(spec.columns)
    ws.column_dimensions[_letter(n)].width = 8
    ws.column_dimensions[_letter(n + 1)].width = 16
    ws.column_dimensions[_letter(n + 2)].width = 60
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="F0F2F5")
    red_font, bad_fill = Font(bold=True, color="C00000"), PatternFill("solid", fgColor="FDE2E2")
    header = [_write_only_cell(ws, h, font=bold, fill=head_fill) for h in spec.headers]
    header += [
        _write_only_cell(ws, h, font=red_font, fill=head_fill)
        for h in (ROW_NUMBER_HEADER, ERROR_COLUMN_HEADER, ERROR_REASON_HEADER)
    ]
    ws.append(header)
    for number in sorted(by_row):
        row_errors = by_row[number]
        raw = list(originals.get(number, ()))
        raw += [None] * (n - len(raw))
        bad = {position[e.column] for e in row_errors if e.column in position}
        cells = [
            _write_only_cell(ws, v, fill=bad_fill if i in bad else None)
            for i, v in enumerate(raw[:n])
        ]
        columns = list(dict.fromkeys(e.column for e in row_errors if e.column))
        reasons = [f"{e.column}：{e.reason}" if e.column else e.reason for e in row_errors]
        cells += [
            _write_only_cell(ws, number),
            _write_only_cell(ws, "、".join(columns)),
            _write_only_cell(ws, "；".join(reasons)),
        ]
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

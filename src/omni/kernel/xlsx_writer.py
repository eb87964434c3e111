"""Writing .xlsx files: import templates, exports and error files, all through one writer
(`TableWriter`, openpyxl write-only mode, bounded memory) and one formula-injection guard
(`guard_text`: OWASP, text starting with =, +, -, @, tab or carriage return gets a leading
single quote). Use it through `omni.kernel.excel`."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any

from .excel import (
    DEFAULT_MAX_ROWS,
    ERROR_COLUMN_HEADER,
    ERROR_REASON_HEADER,
    FORMULA_TRIGGERS,
    NOTES_SHEET,
    ROW_NUMBER_HEADER,
    Column,
    RowError,
    SheetSpec,
    as_text,
)

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# --- writing: templates ----------------------------------------------------------------------


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
                    lists_ws[f"{list_col}{r}"] = guard_text(choice)
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
        notes.append([guard_text(line)])
    notes.append([])
    notes.append(["列名", "是否必填", "说明", "示例"])
    for c in notes[notes.max_row]:
        c.font = bold
    for col in spec.columns:
        notes.append(
            [
                col.header_zh,
                "必填" if col.required else "选填",
                _column_note(col),
                export_value(col.example),
            ]
        )
    notes.append([])
    notes.append(["示例（复制到「" + spec.sheet_name + "」工作表时请只复制数据行）"])
    notes.append(spec.headers)
    for c in notes[notes.max_row]:
        c.font = bold
    notes.append([export_value(col.example) for col in spec.columns])
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


# --- writing: the one xlsx writer ---------------------------------------------------------------


def guard_text(text: str) -> str:
    """Text as it may be written to a cell: control characters XML cannot hold removed, and
    a leading =, +, -, @, tab or carriage return prefixed with a single quote."""
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def export_value(value: Any) -> Any:
    """A Python value as the value of a written cell: numbers, booleans and dates as they are
    (aware datetimes in local time), Decimal kept exact, JSON-able containers as JSON text,
    everything else as guarded text."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            from django.utils import timezone

            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date | dt.time):
        return value
    if isinstance(value, dict | list | tuple):
        from django.core.serializers.json import DjangoJSONEncoder

        value = json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    return guard_text(str(value))


class TableWriter:
    """A sheet written row by row (openpyxl write-only mode): bounded memory, every value
    through `export_value`. `header()` once, then `row()`, then `save()`."""

    def __init__(self, sheet_title: Any, widths: Sequence[float | None] = ()) -> None:
        from openpyxl import Workbook

        self.wb = Workbook(write_only=True)
        self.ws = self.wb.create_sheet(title=_sheet_title(sheet_title))
        self.ws.freeze_panes = "A2"
        for i, width in enumerate(widths):
            if width:
                self.ws.column_dimensions[_letter(i)].width = width
        self.rows = 0

    def _styled(self, value: Any, *, font: Any = None, fill: Any = None) -> Any:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self.ws, value=export_value(value))
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        return cell

    def header(self, headers: Sequence[Any], *, red_from: int | None = None) -> None:
        from openpyxl.styles import Font, PatternFill

        bold, red = Font(bold=True), Font(bold=True, color="C00000")
        fill = PatternFill("solid", fgColor="F0F2F5")
        self.ws.append(
            [
                self._styled(
                    str(h), font=red if red_from is not None and i >= red_from else bold, fill=fill
                )
                for i, h in enumerate(headers)
            ]
        )

    def row(self, values: Sequence[Any], *, marked: Iterable[int] = ()) -> None:
        marked = set(marked)
        if marked:
            from openpyxl.styles import PatternFill

            bad = PatternFill("solid", fgColor="FDE2E2")
            self.ws.append(
                [
                    self._styled(v, fill=bad) if i in marked else export_value(v)
                    for i, v in enumerate(values)
                ]
            )
        else:
            self.ws.append([export_value(v) for v in values])
        self.rows += 1

    def save(self, out: IO[bytes]) -> None:
        self.wb.save(out)


def _sheet_title(title: Any) -> str:
    text = re.sub(r"[\[\]:*?/\\]", " ", str(title)).strip("'") or "Sheet1"
    return text[:31]


def write_table(
    out: IO[bytes],
    *,
    sheet_title: Any,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    max_rows: int | None = None,
    truncated_note: Any = None,
) -> int:
    """A plain table (list pages' exports): a bold header, then at most `max_rows` rows
    (and `truncated_note` as a last line when there were more). Returns the rows written."""
    writer = TableWriter(sheet_title)
    writer.header(headers)
    for values in rows:
        if max_rows is not None and writer.rows == max_rows:
            if truncated_note:
                writer.ws.append([export_value(str(truncated_note))])
            break
        writer.row(values)
    writer.save(out)
    return writer.rows


def write_rows(
    spec: SheetSpec,
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    out: IO[bytes],
    *,
    extra_headers: Sequence[str] = (),
) -> int:
    """Stream an export in the spec's layout into `out`. Rows are mappings by column key or
    sequences in column order. Returns the row count."""
    writer = TableWriter(spec.sheet_name, [_width(c) for c in spec.columns])
    writer.header([*spec.headers, *extra_headers])
    keys = [c.key for c in spec.columns]
    for row in rows:
        writer.row([row.get(k) for k in keys] if isinstance(row, Mapping) else list(row))
    writer.save(out)
    return writer.rows


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
    by_row: dict[int, list[RowError]] = {}
    for e in errors:
        by_row.setdefault(e.row, []).append(e)
    return error_rows_bytes(spec, ((n, originals.get(n, ()), by_row[n]) for n in sorted(by_row)))


def error_rows_bytes(
    spec: SheetSpec, rows: Iterable[tuple[int, Sequence[Any], Sequence[RowError]]]
) -> bytes:
    """`error_file_bytes` from (row number, original cells, its errors) in row order,
    written as they come (an import job streams them from its stored batches)."""
    position = {h: i for i, h in enumerate(spec.headers)}
    n = len(spec.columns)
    writer = TableWriter(spec.sheet_name, [*(_width(c) for c in spec.columns), 8, 16, 60])
    writer.header(
        [*spec.headers, ROW_NUMBER_HEADER, ERROR_COLUMN_HEADER, ERROR_REASON_HEADER], red_from=n
    )
    for number, originals, row_errors in rows:
        raw = list(originals)[:n]
        raw += [None] * (n - len(raw))
        columns = list(dict.fromkeys(e.column for e in row_errors if e.column))
        reasons = [f"{e.column}：{e.reason}" if e.column else e.reason for e in row_errors]
        writer.row(
            [*raw, number, "、".join(columns), "；".join(reasons)],
            marked={position[e.column] for e in row_errors if e.column in position},
        )
    out = io.BytesIO()
    writer.save(out)
    return out.getvalue()

"""Excel export for list pages: a header row and the rows, sent as an .xlsx download.

    return xlsx_response(
        filename="审计日志.xlsx",
        sheet_title=_("Audit log"),
        headers=[_("Time"), _("Actor"), ...],
        rows=((e.at, e.actor_name, ...) for e in queryset.iterator(chunk_size=2000)),
    )

The workbook is written row by row (openpyxl write-only mode) into a temporary file that
stays in memory while small and spills to disk when large, then streamed to the client in
chunks. Text that looks like a formula ("=...") is stored as text, never evaluated.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_MAX_ROWS = 100_000
_SPOOL_MAX = 8 * 1024 * 1024
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F0F2F5")


def _cell(ws: Any, value: Any) -> WriteOnlyCell:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        cell = WriteOnlyCell(ws, value=value.replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, dict | list | tuple):
        value = json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    elif value is not None and not isinstance(value, int | float | Decimal | bool | str):
        value = str(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # "=cmd|..." stays text: no formula injection
    return cell


def xlsx_response(
    *,
    filename: str,
    sheet_title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    max_rows: int = EXPORT_MAX_ROWS,
) -> FileResponse:
    """An .xlsx attachment with `headers` then at most `max_rows` of `rows`."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=str(sheet_title)[:31])
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=str(text))
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        header_cells.append(cell)
    ws.append(header_cells)
    for n, row in enumerate(rows):
        if n == max_rows:
            ws.append([_("Only the first %(n)d rows were exported.") % {"n": max_rows}])
            break
        ws.append([_cell(ws, v) for v in row])
    out = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX)  # noqa: SIM115 (closed by response)
    wb.save(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)

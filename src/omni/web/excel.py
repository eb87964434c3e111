"""Excel export for list pages: a header row and the rows, sent as an .xlsx download.

    return xlsx_response(
        filename="审计日志.xlsx",
        sheet_title=_("Audit log"),
        headers=[_("Time"), _("Actor"), ...],
        rows=((e.at, e.actor_name, ...) for e in queryset.iterator(chunk_size=2000)),
    )

The workbook is written by the kernel's one xlsx writer (`omni.kernel.excel.write_table`:
openpyxl write-only mode, every text through the formula-injection guard) into a temporary
file that stays in memory while small and spills to disk when large, then streamed to the
client in chunks.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _

from omni.kernel import excel

XLSX_CONTENT_TYPE = excel.XLSX_CONTENT_TYPE
EXPORT_MAX_ROWS = 100_000
_SPOOL_MAX = 8 * 1024 * 1024


def xlsx_response(
    *,
    filename: str,
    sheet_title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    max_rows: int = EXPORT_MAX_ROWS,
) -> FileResponse:
    """An .xlsx attachment with `headers` then at most `max_rows` of `rows`."""
    out = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX)  # noqa: SIM115 (closed by response)
    try:
        excel.write_table(
            out,
            sheet_title=sheet_title,
            headers=headers,
            rows=rows,
            max_rows=max_rows,
            truncated_note=_("Only the first %(n)d rows were exported.") % {"n": max_rows},
        )
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)

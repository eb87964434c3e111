"""Cell parsers and helpers shared by the catalog's sheets: the cell rules are the services'
(`clean_code`, `clean_barcode`), so a cell is refused with the message the page and the API
give for the same value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.utils.translation import gettext

from omni.kernel import excel
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError
from omni.kernel.excel import Row, RowError, SheetSpec
from omni.kernel.imports import ApplyCounts, Importer, Progress

from ..calculations import normalise_barcode, restore_leading_zeros
from ..services._common import clean_code, issue_error
from ..services.barcodes import clean_barcode
from ..types import BatchResult, RowIssue


def code_cell(model: type[models.Model]):
    """A code column of `model`: the services' code rule (`clean_code`), its message."""

    def parse(value: Any) -> str:
        try:
            return clean_code(excel.as_text(value), model=model)
        except DomainError as err:
            raise excel.CellError(str(err.message)) from None

    return parse


def barcode_cell(value: Any) -> str:
    """Barcodes are text. A number cell is accepted only when its digits are a whole GTIN:
    Excel drops leading zeros from numbers, and that is said, never guessed. The rule is the
    services' (`services.barcodes.clean_barcode`: invalid_barcode); the sheet says why in
    the words of a spreadsheet user."""
    code = normalise_barcode(excel.as_text(value))
    try:
        return clean_barcode(code)
    except DomainError:
        pass
    if isinstance(value, int | float) and not isinstance(value, bool):
        restored = restore_leading_zeros(code)
        if restored is not None:
            raise excel.CellError(
                f"条码是数字单元格，开头的 0 已丢失（应为 {restored}）："
                "请把该列设为文本格式后重新填写"
            )
    if code.isdigit():
        raise excel.CellError(
            "条码无效：纯数字条码须为 8、12、13 或 14 位（EAN-8/UPC-A/EAN-13/GTIN-14）且校验位正确"
        )
    raise excel.CellError(
        "条码无效：内部条码须为 1-4 个大写字母加至少 3 位数字（共最多 32 位），例如 SKU00017"
    )


def issue_row_error(
    spec: SheetSpec,
    rows: Sequence[Row] | Sequence[int],
    issue: RowIssue,
    columns: dict[str, str],
) -> RowError:
    """A row a bulk service refused, as the sheet says it: the column (`columns` maps a
    command field to its sheet column where the names differ), the message of the error
    code (the one the page and the API give), and the row it clashes with. `rows`: the
    rows the issue's indexes count in, or their Excel row numbers."""

    def number(index: int) -> int:
        row = rows[index]
        return row if isinstance(row, int) else row.number

    key = columns.get(issue.field, issue.field)
    column = spec.header(key) if any(c.key == key for c in spec.columns) else ""
    reason = str(issue_error(issue).message)
    other = issue.detail.get("row")
    if isinstance(other, int):
        reason += gettext(" (see row %(row)s)") % {"row": number(other)}
    return RowError(number(issue.index), column, reason)


def applied(result: BatchResult) -> ApplyCounts:
    """What a bulk write of checked rows did, as the import job counts it. The rows were
    validated just before: a refused row now is a change made meanwhile, and fails the job
    with the error of its code."""
    if result.issues:
        raise issue_error(result.issues[0])
    return ApplyCounts(
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        details=dict(result.details),
    )


class BatchImporter(Importer):
    """A sheet whose rows are the commands of a catalog bulk service: `check` refuses rows
    writing nothing (the validation pass), `upsert` writes them in the job's transaction
    (one audit entry for the file, written by the kernel). Subclasses give the sheet, the
    row → command mapping and the two services."""

    # Not chunked yet (every row is held while validating): 50,000 rows keep one import
    # well under 300 MB (customers: +152 MB at 50,000 rows, bench/RESULTS.md).
    max_rows = 50_000
    # a command field → the sheet column it comes from, where the names differ
    columns: dict[str, str] = {}

    def to_command(self, row: Row) -> Any:
        raise NotImplementedError

    def check(self, *, actor: Actor, rows: Sequence[Any]) -> BatchResult:
        raise NotImplementedError

    def upsert(self, *, actor: Actor, rows: Sequence[Any], audit_rows: bool) -> BatchResult:
        raise NotImplementedError

    def validate_rows(
        self, rows: Sequence[Row], *, actor: Actor, progress: Progress
    ) -> list[RowError]:
        result = self.check(actor=actor, rows=[self.to_command(r) for r in rows])
        progress(len(rows))
        return [issue_row_error(self.spec, rows, i, self.columns) for i in result.issues]

    def apply(self, rows: Sequence[Row], *, actor: Actor, progress: Progress) -> ApplyCounts:
        if not rows:
            return ApplyCounts()
        commands = [self.to_command(r) for r in rows]
        counts = applied(self.upsert(actor=actor, rows=commands, audit_rows=False))
        progress(len(rows))
        return counts

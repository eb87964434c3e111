"""What the party sheets share: column lengths from the models, customer kinds in the
sheets' words, yes/no, and cell parsers (formats only: the rules are in the services)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from omni.kernel import excel
from omni.kernel.actors import Actor
from omni.kernel.excel import Row, RowError
from omni.kernel.imports import ApplyCounts, Importer, Progress

from ..errors import InvalidTags, InvalidTaxNumber
from ..models import CustomerKind
from ..types import BatchResult, RowProblem
from ..validation import (
    MAX_TAG_LENGTH,
    MAX_TAGS,
    is_valid_code,
    normalize_tags,
    normalize_tax_number,
    uscc_check_char,
)


def column_length(model: type, field: str) -> int:
    """A column's length: the importer refuses longer cells, it never cuts them."""
    return model._meta.get_field(field).max_length


KINDS = {
    "一级经销商": CustomerKind.DISTRIBUTOR,
    "二级经销商": CustomerKind.DEALER,
    "终端门店": CustomerKind.STORE,
    "大客户": CustomerKind.KEY_ACCOUNT,
}
KIND_LABELS = {str(v): k for k, v in KINDS.items()}
YES_NO = {"是": True, "否": False}
_TAG_SPLIT = re.compile(r"[,，、;；\n]+")
EXAMPLE_TAX = "91310115MA1K3B2X0" + uscc_check_char("91310115MA1K3B2X0")

OUT_OF_SCOPE = "组织不在您的数据权限范围内"


# --- cell parsers ---------------------------------------------------------------------------


def code_cell(what: str):
    def parse(value: Any) -> str:
        code = excel.as_text(value)
        if not is_valid_code(code):
            raise excel.CellError(f"{what}只能包含字母、数字、. _ -，以字母或数字开头，最多 32 位")
        return code

    return parse


def region_cell(value: Any) -> str:
    code = excel.as_text(value)
    if not re.fullmatch(r"\d{6}", code):
        raise excel.CellError("地区编码应为 6 位数字（行政区划代码）")
    return code


def tags_cell(value: Any) -> list[str]:
    try:
        return normalize_tags(_TAG_SPLIT.split(excel.as_text(value)))
    except InvalidTags as error:
        if error.details["count"] > MAX_TAGS:
            raise excel.CellError(f"最多 {MAX_TAGS} 个标签") from None
        raise excel.CellError(f"每个标签最多 {MAX_TAG_LENGTH} 个字符") from None


def tax_number_cell(value: Any) -> str:
    try:
        return normalize_tax_number(excel.as_text(value))
    except InvalidTaxNumber:
        raise excel.CellError("税号无效：应为 18 位统一社会信用代码，且校验位正确") from None


# --- importers ------------------------------------------------------------------------------


class ServiceImporter(Importer):
    """A sheet whose rows are write commands of a party bulk service, which holds every
    rule: `validate` finds the problems writing nothing, `apply_in_tx` writes the rows in
    the job's transaction (one audit entry for the file, written by the kernel), and
    `row_errors` says the problems in the words of the sheet."""

    # Not chunked yet (every row is held while validating): 50,000 rows keep one import
    # well under 300 MB (customers: +152 MB at 50,000 rows, bench/RESULTS.md).
    max_rows = 50_000

    def to_command(self, row: Row) -> Any:
        raise NotImplementedError

    def validate(self, *, actor: Actor, rows: Sequence[Any]) -> list[RowProblem]:
        raise NotImplementedError

    def apply_in_tx(
        self, *, actor: Actor, rows: Sequence[Any], audit_each: bool, progress: Progress
    ) -> BatchResult:
        raise NotImplementedError

    def row_errors(self, rows: Sequence[Row], problems: Sequence[RowProblem]) -> list[RowError]:
        raise NotImplementedError

    def details(self, result: BatchResult) -> dict[str, int]:
        """Further counts of the job (`ApplyCounts.details`)."""
        return {}

    def validate_rows(
        self, rows: Sequence[Row], *, actor: Actor, progress: Progress
    ) -> list[RowError]:
        problems = self.validate(actor=actor, rows=[self.to_command(r) for r in rows])
        progress(len(rows))
        return self.row_errors(rows, problems)

    def apply(self, rows: Sequence[Row], *, actor: Actor, progress: Progress) -> ApplyCounts:
        commands = [self.to_command(r) for r in rows]
        result = self.apply_in_tx(actor=actor, rows=commands, audit_each=False, progress=progress)
        counts = ApplyCounts(
            created=len(result.created),
            updated=len(result.updated),
            unchanged=result.unchanged,
            details=self.details(result),
        )
        if result.problems:  # changed by someone else since the rows were checked
            counts.details["refused_on_apply"] = len({p.index for p in result.problems})
        return counts

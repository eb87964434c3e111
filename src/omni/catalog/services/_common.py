"""Helpers shared by the catalog services (private)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import models

from omni.kernel import writes
from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError, InvalidInput

from .. import errors
from ..models import Product, Sku
from ..types import BatchResult, RowIssue

T = TypeVar("T")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()


def code_max_length(model: type[models.Model]) -> int:
    """The length of `model.code`'s column: the longest code the database accepts."""
    return model._meta.get_field("code").max_length


def code_pattern(model: type[models.Model]) -> re.Pattern[str]:
    """1 to `model.code`'s max_length letters, digits, dots, dashes or underscores."""
    return re.compile(rf"^[A-Za-z0-9._-]{{1,{code_max_length(model)}}}$")


# for the importers, which check a whole column before any service runs
CODE_RE = code_pattern(Product)
SKU_CODE_RE = code_pattern(Sku)
CODE_MAX = code_max_length(Product)
SKU_CODE_MAX = code_max_length(Sku)


def clean_code(value: Any, *, model: type[models.Model], field: str = "code") -> str:
    """`value` stripped, if it is 1 to `model.code`'s max_length letters, digits, dots,
    dashes or underscores (the limit comes from the model, so a code never reaches a column
    too short for it: PostgreSQL would refuse it with a 500, SQLite would store it)."""
    max_length = code_max_length(model)
    # NFKC + trim: the rule of every write path (kernel.excel.normalise_code for Excel rows)
    code = unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else ""
    if not code_pattern(model).match(code):
        raise errors.invalid(
            "invalid_code", field=field, max_length=max_length, value=str(value)[:64]
        )
    return code


def clean_text(value: Any, *, field: str, max_length: int, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if (required and not text) or len(text) > max_length or "\x00" in text:
        raise InvalidInput(details={"field": field, "max_length": max_length})
    return text


def clean_decimal(value: Any, *, code: str, field: str, places: int) -> Decimal:
    """A positive Decimal with at most `places` decimals; floats are refused."""
    if isinstance(value, bool | float):
        raise errors.invalid(code, field=field, value=str(value))
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise errors.invalid(code, field=field, value=str(value)[:32]) from None
    if not number.is_finite() or number <= 0:
        raise errors.invalid(code, field=field, value=str(value)[:32])
    quantum = Decimal(1).scaleb(-places)
    if number != number.quantize(quantum) or number >= Decimal(10) ** (18 - places):
        raise errors.invalid(code, field=field, value=str(value)[:32])
    return number.quantize(quantum)


def insert_unique(create: Callable[[], T], *, error: str, **details: Any) -> T:
    """Run `create` in a savepoint; a unique-constraint race becomes a clean Conflict."""
    return writes.insert_unique(create, lambda: errors.conflict(error, **details))


def create_with_code(model: type[models.Model], code: str, create: Callable[[], T]) -> T:
    """A new row of `model` with `code` (cleaned): a code in use, or one taken meanwhile
    (`insert_unique`), is a duplicate_code."""
    if model._default_manager.filter(code=code).exists():
        raise errors.conflict("duplicate_code", field="code", value=code)
    return insert_unique(create, error="duplicate_code", field="code", value=code)


def set_code(row: models.Model, code: Any) -> None:
    """Give `row` a new code (`clean_code`); one another row of its model has is a
    duplicate_code. Save with `save_unique`."""
    model = type(row)
    code = clean_code(code, model=model)
    if model._default_manager.filter(code=code).exclude(pk=row.pk).exists():
        raise errors.conflict("duplicate_code", field="code", value=code)
    row.code = code


def save_unique(row: models.Model) -> None:
    """`row.save()`; its code taken meanwhile is a duplicate_code."""
    insert_unique(row.save, error="duplicate_code", field="code", value=row.code)


def get_for_update(qs: models.QuerySet[T], pk: Any, kind: str) -> T:
    try:
        return qs.select_for_update(of=("self",)).get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise errors.not_found(kind, pk) from None


def reference(qs: models.QuerySet[T], pk: Any, code: str) -> T:
    """An object named by id in the request body: missing → 422 with `code`."""
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise errors.invalid(code, id=pk) from None


# a bulk row's field → the argument of the single-row services it names
ARGUMENTS = {
    "product_code": "code",
    "product_name": "name",
    "org": "org_id",
    "brand": "brand_id",
    "category": "category_id",
    "base_unit": "base_unit_id",
    "sku_code": "sku_codes",
}


def issue_error(issue: RowIssue, arguments: Mapping[str, str] = ARGUMENTS) -> DomainError:
    """The error a single-row service raises for a refused row: the same code."""
    details = {"field": arguments.get(issue.field, issue.field), **issue.detail}
    details.pop("row", None)
    if issue.code not in errors.MESSAGES:
        return InvalidInput(details=details)
    if issue.code == "read_only":
        return errors.read_only(**details)
    if issue.code in errors.CONFLICTS:
        return errors.conflict(issue.code, **details)
    return errors.invalid(issue.code, **details)


def check_batch(
    actor: Actor,
    rows: Sequence[Any],
    permissions: Sequence[str],
    load: Callable[[Actor, Sequence[Any]], Any],
    check: Callable[..., list[RowIssue]],
    **options: Any,
) -> tuple[Any, BatchResult | None]:
    """The first step of a bulk service: any of `permissions`, then a snapshot of what the
    rows name (`load`) and the rows it refuses (`check`). Returns the snapshot and, when
    there is nothing to write (no rows, or a refused row: then nothing is written), the
    service's answer."""
    writes.require_any(actor, permissions)
    if not rows:
        return None, BatchResult()
    snap = load(actor, rows)
    issues = check(rows, snap, **options)
    return snap, BatchResult(issues=issues) if issues else None

"""What a page does when a service says no: the error goes on the form, or into a flash
message before the redirect. Both are context managers around the service call:

    with f.form_errors(form) as done:
        user = services.create_user(...)
    if done:
        messages.success(request, ...)
        return redirect(...)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from omni.kernel.errors import DomainError, NotFound

from .forms import ErrorPlacement, add_domain_error


class Outcome:
    """True when the block ran to its end, False when a service error was handled."""

    ok = True

    def __bool__(self) -> bool:
        return self.ok


@contextmanager
def form_errors(
    form: forms.Form,
    *,
    placement: ErrorPlacement,
    fields: Mapping[str, str] | None = None,
) -> Iterator[Outcome]:
    """A service error in the block is shown on the form (`add_domain_error`)."""
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as err:
        add_domain_error(form, err, placement=placement, fields=fields)
        outcome.ok = False


@contextmanager
def flash_errors(
    request: HttpRequest, success: Any = None, *, not_found_is_404: bool = False
) -> Iterator[Outcome]:
    """A service error in the block becomes an error message (a NotFound propagates, to be
    a 404, with `not_found_is_404`); `success` is flashed when the block ran to its end."""
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as err:
        if not_found_is_404 and isinstance(err, NotFound):
            raise
        messages.error(request, str(err.message))
        outcome.ok = False
    else:
        if success is not None:
            messages.success(request, success)

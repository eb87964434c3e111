"""Domain errors with stable codes.

Services raise a `DomainError` (or a subclass); the API maps it in one place
(`omni.api.errors`) to ``{"code", "message", "details"}`` with the error's 4xx status.
Codes are part of the public API: never rename one, add a new one instead.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A business rule said no. `code` is stable, `message` is for people (translated)."""

    code: str = "domain_error"
    status: int = 400
    default_message: Any = _("The request cannot be carried out.")

    def __init__(
        self,
        code: str | None = None,
        message: Any = None,
        details: dict[str, Any] | None = None,
        *,
        status: int | None = None,
    ) -> None:
        self.code = code or self.code
        self.message = message if message is not None else self.default_message
        self.details = details or {}
        if status is not None:
            self.status = status
        super().__init__(f"{self.code}: {self.message}")

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), "details": self.details}


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422
    default_message = _("Some fields are not valid.")


class UnknownReference(InvalidInput):
    """An id or code in the request body that names nothing (or nothing the actor may see):
    404, like an object in the URL. Not a malformed request: its shape is valid, and the
    OpenAPI contract promises that a well-formed request is never refused as malformed."""

    code = "unknown_reference"
    status = 404
    default_message = _("The request refers to something that does not exist.")


class NotFound(DomainError):
    """Also what an actor gets for an object outside their data scope (never 403)."""

    code = "not_found"
    status = 404
    default_message = _("Not found.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("The request conflicts with the current state.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("This action is not allowed in the current status.")


class PermissionDenied(DomainError):
    """For actions on objects the actor can see but may not change (e.g. missing approve right)."""

    code = "permission_denied"
    status = 403
    default_message = _("You do not have permission to do this.")


E = TypeVar("E", bound=DomainError)


def coded(base: type[E], code: str, message: Any, *, status: int | None = None) -> type[E]:
    """One row of an app's error table (``errors.py``): a subclass of `base` (which gives the
    HTTP status, unless `status` says otherwise) with a stable `code` and its message.

        InvalidPhone = coded(InvalidInput, "invalid_phone", _("Not a valid phone number."))
    """
    attrs: dict[str, Any] = {"code": code, "default_message": message}
    if status is not None:
        attrs["status"] = status
    return type("".join(part.title() for part in code.split("_")), (base,), attrs)

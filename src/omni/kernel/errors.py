"""Domain errors with stable codes.

Services raise a `DomainError` (or a subclass); the API maps it in one place
(`omni.api.errors`) to ``{"code", "message", "details"}`` with the error's 4xx status.
Codes are part of the public API: never rename one, add a new one instead.
"""

from __future__ import annotations

from typing import Any

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

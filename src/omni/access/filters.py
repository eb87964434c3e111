"""The filters of the access lists, declared once: the users page, the API's
``GET /access/users`` and the portal home all build this object, and
``selectors.list_users`` applies it (``omni.kernel.filters``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class UserFilter:
    search: str = ""
    """Contained in the username, display name, phone or e-mail (surrounding blanks
    ignored)."""
    role_id: int | None = None
    """Users holding that role."""
    is_active: bool | None = None
    org_id: int | None = None
    """Users of that organisation's subtree, or of a customer in it."""
    customer_id: int | None = None
    """The portal users of that customer."""
    portal: bool | None = None
    """Portal users (of a customer) only, or staff only; `None`: both."""

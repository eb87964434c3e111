"""Who is acting. Services take an `Actor` explicitly; they never read a request."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .errors import PermissionDenied
from .scope import DataScope


class ActorKind(StrEnum):
    USER = "user"
    API_CLIENT = "api_client"
    SYSTEM = "system"
    CHANNEL = "channel"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, what they may do (functional permissions) and see (data scope).

    System and channel actors act for the whole enterprise. A user actor carries what
    `omni.access` computed from their roles (`access.services.actors.build_actor`);
    `Actor.for_user` is a bare identity (for audit rows, logins) that may do nothing guarded.
    """

    kind: ActorKind
    id: int | None
    name: str
    request_id: str = ""
    org_id: int | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)
    scope: DataScope = field(default_factory=DataScope.nothing)
    superuser: bool = False

    @classmethod
    def system(cls, name: str = "system", *, request_id: str = "") -> Actor:
        return cls(ActorKind.SYSTEM, None, name, request_id, scope=DataScope.all(), superuser=True)

    @classmethod
    def channel(cls, name: str, *, request_id: str = "") -> Actor:
        """An inbound channel (public form, platform callback): identity only, no rights."""
        return cls(ActorKind.CHANNEL, None, name, request_id)

    @classmethod
    def for_user(
        cls, user: Any, *, request_id: str = "", kind: ActorKind = ActorKind.USER
    ) -> Actor:
        return cls(kind, user.pk, user.get_username(), request_id, getattr(user, "org_id", None))

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id if self.id is not None else self.name}"

    def can(self, permission: str) -> bool:
        """`permission` is "module.action", e.g. "party.customer.approve"."""
        return self.superuser or permission in self.permissions

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise PermissionDenied(details={"permission": permission})

"""Who is acting. Services take an `Actor` explicitly; they never read a request."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ActorKind(StrEnum):
    USER = "user"
    API_CLIENT = "api_client"
    SYSTEM = "system"
    CHANNEL = "channel"


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    id: int | None
    name: str
    request_id: str = ""
    org_id: int | None = None

    @classmethod
    def system(cls, name: str = "system", *, request_id: str = "") -> Actor:
        return cls(ActorKind.SYSTEM, None, name, request_id)

    @classmethod
    def channel(cls, name: str, *, request_id: str = "") -> Actor:
        return cls(ActorKind.CHANNEL, None, name, request_id)

    @classmethod
    def for_user(
        cls, user: Any, *, request_id: str = "", kind: ActorKind = ActorKind.USER
    ) -> Actor:
        return cls(kind, user.pk, user.get_username(), request_id, getattr(user, "org_id", None))

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id if self.id is not None else self.name}"

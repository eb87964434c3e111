"""Data scope (数据权限): which rows an actor may see, as plain ids.

Built by `omni.access` from a user's role assignments; applied by each domain's selectors
(`party` expands organisation subtrees, etc.). Kept in the kernel so every domain can read
it without importing `access`.

An object outside the scope is answered with 404 (NotFound), never 403, never data.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DataScope:
    everything: bool = False
    org_ids: frozenset[int] = field(default_factory=frozenset)  # roots of organisation subtrees
    sales_region_ids: frozenset[int] = field(default_factory=frozenset)
    customer_ids: frozenset[int] = field(default_factory=frozenset)  # assigned customers
    own_user_id: int | None = None  # "own records": rows the user manages or created
    bound_customer_id: int | None = None  # dealer / store users: only their own customer

    @classmethod
    def all(cls) -> DataScope:
        return cls(everything=True)

    @classmethod
    def nothing(cls) -> DataScope:
        return cls()

    @property
    def is_empty(self) -> bool:
        return not (
            self.everything
            or self.org_ids
            or self.sales_region_ids
            or self.customer_ids
            or self.own_user_id is not None
            or self.bound_customer_id is not None
        )

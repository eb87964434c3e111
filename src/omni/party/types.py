from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omni.kernel.errors import DomainError


@dataclass(frozen=True)
class CustomerRef:
    """What other domains need to know about a customer (e.g. for product authorisation)."""

    id: int
    org_id: int
    org_path: str
    class_id: int | None
    level_id: int | None
    sales_region_id: int | None
    upper_id: int | None
    status: str


class _Keep:
    """A field the command leaves as it is (e.g. the account manager, not in the sheet)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()

Ref = int | str  # an id (pages, the API) or a code (Excel rows)


@dataclass(frozen=True)
class CustomerRow:
    """One customer as a write command. Matched on `id` when given, else on `code`: a new
    code creates a customer, a known one is updated where the row differs. References are
    ids or codes; `upper` may name a row of the same batch."""

    code: str
    name: str
    kind: str
    org: Ref | None
    short_name: str = ""
    customer_class: Ref | None = None
    level: Ref | None = None
    sales_region: Ref | None = None
    region_code: str = ""
    upper: Ref | None = None
    tags: tuple[str, ...] = ()
    invoice_title: str = ""
    tax_number: str = ""
    account_manager_id: Any = KEEP  # int | None | KEEP
    id: int | None = None


@dataclass(frozen=True)
class ContactRow:
    """A contact of a customer as a write command. Matched on `id` when given, else on what
    makes it the same contact: customer, name and phone (never created twice). `default`
    makes it the customer's only primary contact; None leaves the flag as it is (False for
    a new contact)."""

    customer: Ref
    name: str
    phone: str
    position: str = ""
    default: bool | None = None
    id: int | None = None

    kind = "contact"


@dataclass(frozen=True)
class AddressRow:
    """A delivery address of a customer as a write command. Matched on `id` when given,
    else on customer, region, street and receiver. `region_code` is a district (or city)
    code: province and city follow from it. `default` as for `ContactRow`."""

    customer: Ref
    region_code: str
    street: str
    receiver: str
    phone: str
    default: bool | None = None
    id: int | None = None

    kind = "address"


@dataclass(frozen=True)
class SupplierRow:
    """A supplier as a write command. Matched on `id` when given, else on `code` (a new code
    creates a supplier). `org` None keeps an existing supplier's organisation."""

    code: str
    name: str
    org: Ref | None = None
    contact_name: str = ""
    phone: str = ""
    tax_number: str = ""
    is_active: bool = True
    id: int | None = None


@dataclass(frozen=True)
class RowProblem:
    """Why row `index` of a batch is refused: `field` of the command and the domain error
    (its stable `code`, message and details). `hint` refines the wording for people
    (e.g. "out_of_scope") without telling an API caller more than the code does."""

    index: int
    field: str
    error: DomainError
    hint: str = ""

    @property
    def code(self) -> str:
        return self.error.code


@dataclass
class BatchResult:
    """What a bulk write did: ids of created and updated rows (by row index), the number of
    rows that were already as given, and every refused row with its problems."""

    created: dict[int, int] = field(default_factory=dict)  # row index → id
    updated: dict[int, int] = field(default_factory=dict)
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # e.g. {"defaults_moved": 2}

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_first(self) -> None:
        """For single-row callers: the first problem as the exception a page or the API shows."""
        if self.problems:
            raise self.problems[0].error

"""Permission before validation: an object outside the caller's scope is a 404 whatever the
request body (ARCHITECTURE.md, "Tenancy and permissions").

django-ninja parses and validates the body (and the query) before the view runs, so a bad
body would be answered 422 (listing the fields) for an object the caller may not even know
exists. `omni.api.errors` therefore asks `refusal(request)` before it answers a validation
or body-parsing error: every object id in the route's path is looked up through its
domain's selector with the caller as actor, and an object they cannot see turns the answer
into that selector's 404.

`PATH_OBJECTS` maps each path parameter name used by the API to that lookup; a parameter
that names no object of its own is listed in `NOT_OBJECTS` with the reason. A route with a
new path parameter fails `tests/test_leak_matrix.py` until it is classified here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError, NotFound

Lookup = Callable[[Actor, Any], object]


def _exists(qs: Any, pk: Any, name: str) -> None:
    if not qs.filter(pk=pk).exists():
        raise NotFound(details={name: pk})


def _customer(actor: Actor, pk: int) -> None:
    from omni.party import selectors

    _exists(selectors.list_customers_in_scope(actor), pk, "customer_id")


def _application(actor: Actor, pk: int) -> None:
    from omni.party import selectors

    _exists(selectors.list_applications(actor, permission=None), pk, "application_id")


def _supplier(actor: Actor, pk: int) -> None:
    from omni.party import selectors

    _exists(selectors.list_suppliers(actor, permission=None), pk, "supplier_id")


def _org(actor: Actor, pk: int) -> None:
    from omni.access import selectors

    _exists(selectors.list_organizations(actor), pk, "org_id")


def _user(actor: Actor, pk: int) -> None:
    from omni.access import selectors

    selectors.get_user(actor, pk, permission=None)


def _assignment(actor: Actor, pk: int) -> None:
    from omni.access import selectors

    selectors.get_assignment(actor, pk)


def _role(actor: Actor, pk: int) -> None:
    from omni.access import selectors

    selectors.get_role(pk)


def _token(actor: Actor, pk: int) -> None:
    from omni.access.services import tokens

    _exists(tokens.list_tokens(actor=actor), pk, "token_id")


def _catalog(getter: str, keyword: str) -> Lookup:
    def lookup(actor: Actor, pk: int) -> None:
        from omni.catalog import selectors

        getattr(selectors, getter)(actor=actor, **{keyword: pk})

    return lookup


def _transfer(actor: Actor, pk: int) -> None:
    from omni.payment import selectors

    selectors.get_transfer(actor, pk)


def _top_up(actor: Actor, pk: int) -> None:
    from omni.payment import selectors

    selectors.get_top_up(actor, pk)


def _temporary_credit(actor: Actor, pk: int) -> None:
    from omni.credit import selectors

    selectors.get_temporary(actor, pk)


def _autopay_rule(actor: Actor, pk: int) -> None:
    from omni.payment import selectors

    selectors.get_autopay_rule(actor, pk)


def _notice(actor: Actor, pk: int) -> None:
    from omni.kernel import notices

    notices.get(actor.id or 0, pk)


def _ledger(getter: str) -> Lookup:
    def lookup(actor: Actor, pk: int) -> None:
        from omni.ledger import selectors

        getattr(selectors, getter)(actor, pk)

    return lookup


def _inventory(getter: str) -> Lookup:
    def lookup(actor: Actor, pk: int) -> None:
        from omni.inventory import selectors

        getattr(selectors, getter)(actor, pk)

    return lookup


PATH_OBJECTS: dict[str, Lookup] = {
    "customer_id": _customer,
    "application_id": _application,
    "supplier_id": _supplier,
    "org_id": _org,
    "user_id": _user,
    "assignment_id": _assignment,
    "role_id": _role,
    "token_id": _token,
    "product_id": _catalog("get_product", "product_id"),
    "sku_id": _catalog("get_sku", "sku_id"),
    "brand_id": _catalog("get_brand", "brand_id"),
    "category_id": _catalog("get_category", "category_id"),
    "unit_id": _catalog("get_unit", "unit_id"),
    "barcode_id": _catalog("get_barcode", "barcode_id"),
    "rule_id": _catalog("get_authorisation_rule", "rule_id"),
    "account_id": _ledger("get_account"),
    "entry_id": _ledger("get_entry"),
    "transfer_id": _transfer,
    "top_up_id": _top_up,
    "autopay_rule_id": _autopay_rule,
    "credit_id": _temporary_credit,
    "notice_id": _notice,
    "warehouse_id": _inventory("get_warehouse"),
    "reservation_id": _inventory("get_reservation"),
    "stock_transfer_id": _inventory("get_transfer"),
    "count_id": _inventory("get_count"),
    "sale_id": _inventory("get_flash_sale"),
    "flash_reservation_id": _inventory("get_flash_reservation"),
}
NOT_OBJECTS: dict[str, str] = {
    "kind": "which list of a customer (contacts, addresses): not an object",
    "item_id": "a contact or address: always under {customer_id}, which is checked",
    "key": "an importer or export template name: public descriptions",
    "status_token": "the applicant's private key: the token is the credential",
    "job_id": "import jobs: GET only, no body; visible to their creator (imports.get_job)",
    "event_id": "outbox events: system administrators only (functional permission)",
}


def _as_id(value: Any) -> Any:
    if isinstance(value, int | uuid.UUID):
        return value
    text = str(value)
    if text.isdigit() and len(text) < 19:
        return int(text)
    return None


def refusal(request: HttpRequest) -> DomainError | None:
    """The NotFound the caller gets for an object in the path they cannot see; None when
    every object in the path is theirs to see (or the route names none)."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.kwargs:
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None  # public routes: nothing is scoped to a caller
    from .auth import request_actor

    actor = request_actor(request)
    for name, raw in match.kwargs.items():
        lookup = PATH_OBJECTS.get(name)
        pk = _as_id(raw)
        if lookup is None or pk is None:
            continue
        try:
            lookup(actor, pk)
        except NotFound as err:
            return err
        except DomainError:
            continue  # e.g. a missing view permission: the route itself decides
    return None

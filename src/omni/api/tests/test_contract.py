"""The API contract is exact: what the OpenAPI document allows is accepted, what it forbids
is refused, and the limits come from the models (ARCHITECTURE.md §5 Errors)."""

from __future__ import annotations

import json

import pytest

from omni.catalog.models import Sku, Unit
from omni.kernel.errors import InvalidInput
from omni.kernel.fields import TooLong
from omni.kernel.models import AuditEntry
from omni.kernel.permissions import all_permissions
from omni.party.models import Customer, CustomerKind
from omni.party.services import customers
from omni.party.services.customers import CustomerData
from omni.party.states import CustomerStatus

pytestmark = pytest.mark.django_db

API = "/api/v1"


def send(client, method, path, body):
    raw = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(f"{API}{path}", raw, content_type="application/json")


@pytest.fixture
def openapi(staff_api):
    return staff_api.get(f"{API}/openapi.json").json()


@pytest.fixture
def group(staff_api):
    res = send(
        staff_api, "post", "/party/organizations", {"code": "G", "name": "集团", "kind": "group"}
    )
    assert res.status_code == 201, res.content
    return res.json()["id"]


def _component(openapi, name):
    return openapi["components"]["schemas"][name]


# --- request bodies are read exactly -------------------------------------------------------------


def test_a_body_that_repeats_a_key_is_refused_and_writes_nothing(staff_api):
    before = Unit.objects.count()
    res = send(staff_api, "post", "/catalog/units", '{"code": "BOX", "name": "箱", "name": "瓶"}')
    assert res.status_code == 400
    assert res.json()["code"] == "duplicate_key"
    assert res.json()["details"] == {"key": "name"}
    assert Unit.objects.count() == before


def test_a_repeated_key_in_a_nested_object_is_refused_too(staff_api, group):
    body = (
        f'{{"org_id": {group}, "code": "P", "name": "水", "base_unit_id": 1, '
        '"spec_attributes": {"规格": ["1L"], "规格": ["2L"]}}'
    )
    res = send(staff_api, "post", "/catalog/products", body)
    assert (res.status_code, res.json()["code"]) == (400, "duplicate_key")


def test_nan_is_not_json(staff_api):
    res = send(staff_api, "post", "/catalog/categories", '{"sort_order": NaN}')
    assert (res.status_code, res.json()["code"]) == (400, "malformed_body")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/catalog/units", {"code": "BOX", "name": "箱", "allows_fraction": 0}, "allows_fraction"),
        (
            "/catalog/units",
            {"code": "BOX", "name": "箱", "allows_fraction": "true"},
            "allows_fraction",
        ),
        ("/access/roles", {"code": "R", "name": "角色", "is_portal": 1}, "is_portal"),
        ("/party/customer-levels", {"code": "A", "name": "A 级", "rank": True}, "rank"),
        ("/party/customer-levels", {"code": "A", "name": "A 级", "rank": "1"}, "rank"),
        ("/party/customer-levels", {"code": "A", "name": "A 级", "rank": 1.5}, "rank"),
    ],
)
def test_booleans_and_integers_in_a_body_are_strict(staff_api, path, body, field):
    res = send(staff_api, "post", path, body)
    assert res.status_code == 422, res.content
    assert [e["field"] for e in res.json()["details"]["errors"]] == [field]


def test_sort_order_false_is_not_zero(staff_api, group):
    body = {"org_id": group, "code": "C", "name": "饮料", "sort_order": False}
    res = send(staff_api, "post", "/catalog/categories", body)
    assert res.status_code == 422
    assert res.json()["details"]["errors"][0]["field"] == "sort_order"


def test_an_integral_number_is_an_integer_as_json_schema_says(staff_api):
    res = send(
        staff_api, "post", "/party/customer-levels", {"code": "A", "name": "A 级", "rank": 2.0}
    )
    assert res.status_code == 201, res.content
    assert res.json()["rank"] == 2


def test_query_booleans_are_true_or_false_only(staff_api):
    assert staff_api.get(f"{API}/catalog/brands?is_active=true").status_code == 200
    res = staff_api.get(f"{API}/catalog/brands?is_active=yes")
    assert res.status_code == 422
    assert res.json()["details"]["errors"][0]["field"] == "query.is_active"


# --- names and codes ------------------------------------------------------------------------------


def test_a_name_with_surrounding_blanks_is_accepted_and_trimmed(staff_api):
    res = send(staff_api, "post", "/catalog/units", {"code": "BOX", "name": "\u3000箱 "})
    assert res.status_code == 201, res.content
    assert res.json()["name"] == "箱"


@pytest.mark.parametrize("name", [" ", "\u3000", "箱\n", "a\x1bb", ""])
def test_a_blank_or_multi_line_name_is_refused_by_the_schema(staff_api, name):
    res = send(staff_api, "post", "/catalog/units", {"code": "BOX", "name": name})
    assert res.status_code == 422
    assert res.json()["details"]["errors"][0]["field"] == "name"


def test_codes_take_pattern_and_length_from_the_model(openapi):
    sku_code = Sku._meta.get_field("code").max_length
    pattern = _component(openapi, "SkuPatch")["properties"]["code"]["pattern"]
    assert pattern == rf"^[A-Za-z0-9._-]{{1,{sku_code}}}$"
    customer_code = Customer._meta.get_field("code").max_length
    pattern = _component(openapi, "NewCustomerIn")["properties"]["code"]["pattern"]
    assert pattern == rf"^[A-Za-z0-9][A-Za-z0-9_.-]{{0,{customer_code - 1}}}$"
    short_name = _component(openapi, "CustomerIn")["properties"]["short_name"]
    assert short_name["maxLength"] == Customer._meta.get_field("short_name").max_length


def test_kinds_and_statuses_are_enums_from_the_models(openapi):
    kind = _component(openapi, "CustomerIn")["properties"]["kind"]
    assert kind["enum"] == list(CustomerKind.values)
    params = openapi["paths"]["/api/v1/party/customers"]["get"]["parameters"]
    status = next(p for p in params if p["name"] == "status")["schema"]
    assert status["anyOf"][0] == {"$ref": "#/components/schemas/CustomerStatus"}
    assert _component(openapi, "CustomerStatus")["enum"] == list(CustomerStatus.values)
    assert "pattern" not in json.dumps(kind)


def test_permission_names_are_an_enum_of_the_registered_permissions(openapi, staff_api):
    items = _component(openapi, "RoleIn")["properties"]["permissions"]["items"]
    assert items["enum"] == sorted(all_permissions())
    res = send(
        staff_api, "post", "/access/roles", {"code": "R", "name": "角色", "permissions": ["x.y"]}
    )
    assert (res.status_code, res.json()["code"]) == (422, "unknown_permission")


def test_every_list_answers_the_one_page_shape(openapi):
    pages = {
        name: schema
        for name, schema in openapi["components"]["schemas"].items()
        if {"items", "total"} <= set(schema.get("properties", {}))
    }
    assert len(pages) >= 10
    for name, schema in pages.items():
        assert name.startswith("Page_"), name
        assert set(schema["properties"]) == {"items", "total", "page", "page_size"}


# --- limits come from the model; too long is refused, never cut ------------------------------------


def test_a_too_long_short_name_is_refused_by_the_service_not_cut(group):
    limit = Customer._meta.get_field("short_name").max_length
    data = CustomerData(name="长名客户", kind="dealer", org_id=group, short_name="简" * (limit + 1))
    with pytest.raises(TooLong) as info:
        customers.create_customer(actor=customers_actor(), code="C1", data=data)
    assert info.value.details == {"field": "short_name", "max_length": limit, "length": limit + 1}
    assert isinstance(info.value, InvalidInput)
    assert not Customer.objects.filter(code="C1").exists()


def test_a_short_name_at_its_limit_is_kept_whole(group):
    limit = Customer._meta.get_field("short_name").max_length
    data = CustomerData(name="长名客户", kind="dealer", org_id=group, short_name="简" * limit)
    customer = customers.create_customer(actor=customers_actor(), code="C1", data=data)
    assert customer.short_name == "简" * limit


def test_the_api_refuses_a_too_long_short_name_with_the_models_limit(staff_api, group):
    limit = Customer._meta.get_field("short_name").max_length
    body = {"code": "C1", "name": "客户", "kind": "dealer", "org_id": group}
    res = send(staff_api, "post", "/party/customers", {**body, "short_name": "简" * (limit + 1)})
    assert res.status_code == 422
    error = res.json()["details"]["errors"][0]
    assert (error["field"], error["type"]) == ("short_name", "string_too_long")
    assert not Customer.objects.filter(code="C1").exists()


def customers_actor():
    from omni.kernel.actors import Actor

    return Actor.system("test")


# --- freezing needs a reason -----------------------------------------------------------------------


@pytest.fixture
def active_customer(staff_api, group):
    body = {"code": "C1", "name": "客户", "kind": "dealer", "org_id": group}
    customer_id = send(staff_api, "post", "/party/customers", body).json()["id"]
    res = send(staff_api, "post", f"/party/customers/{customer_id}/status", {"action": "activate"})
    assert res.status_code == 200, res.content
    return customer_id


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_freezing_without_a_reason_is_refused_by_the_api(staff_api, active_customer, reason):
    body = {"action": "freeze"} if reason is None else {"action": "freeze", "reason": reason}
    before = AuditEntry.objects.count()
    res = send(staff_api, "post", f"/party/customers/{active_customer}/status", body)
    assert (res.status_code, res.json()["code"]) == (422, "reason_required")
    assert Customer.objects.get(pk=active_customer).status == "active"
    assert AuditEntry.objects.count() == before


def test_freezing_with_a_reason_is_done(staff_api, active_customer):
    body = {"action": "freeze", "reason": "逾期未回款"}
    res = send(staff_api, "post", f"/party/customers/{active_customer}/status", body)
    assert (res.status_code, res.json()["status"]) == (200, "frozen")


def test_the_schema_says_freeze_and_exit_need_a_reason(openapi):
    rule = _component(openapi, "StatusIn")["anyOf"]
    assert rule[0]["properties"]["action"]["enum"] == ["activate", "unfreeze"]
    assert rule[1]["required"] == ["reason"]


@pytest.mark.parametrize("raw", ["100%00", "C:\\\\u0000"])
def test_text_that_only_looks_like_nul_is_accepted(staff_api, raw):
    # "%00" means nothing in JSON; "\\u0000" after an escaped backslash is not a NUL
    body = '{"code": "BOX", "name": "%s"}' % raw  # noqa: UP031 (raw JSON on purpose)
    res = send(staff_api, "post", "/catalog/units", body)
    assert res.status_code == 201, res.content
    assert "\x00" not in res.json()["name"]


def test_no_two_schemas_share_a_name():
    """django-ninja names OpenAPI components by class name: two different classes with one
    name (a party `NoteIn` and a credit `NoteIn`) would silently publish one of them for
    both routes, and the contract would lie about the other."""
    from pydantic import BaseModel

    from omni.api.v1 import api

    seen: dict[str, set[str]] = {}
    walked: set[int] = set()

    def walk(model) -> None:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return
        if id(model) in walked:
            return
        walked.add(id(model))
        seen.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
        for field in model.model_fields.values():
            for arg in getattr(field.annotation, "__args__", ()) or ():
                walk(arg)
            walk(field.annotation)

    def routers(router):
        yield router
        for entry in router._routers:
            child = entry[1]
            yield from routers(child)

    for entry in api._routers:
        top = entry[1]
        for router in routers(top):
            for path_view in router.path_operations.values():
                for op in path_view.operations:
                    for model in op.models:
                        walk(model)
                    for response in op.response_models.values():
                        walk(response)
    # ninja's own parameter wrappers (PathParams, BodyParams…) are never published by name
    clashes = {
        name: sorted(w) for name, w in seen.items() if len(w) > 1 and not name.endswith("Params")
    }
    assert not clashes, clashes


def test_a_date_is_iso_text_not_a_number():
    """pydantic alone reads 0 as 1970-01-01: request dates are "YYYY-MM-DD" only."""
    from django.test import Client

    from omni.access.models import User
    from omni.ledger.services.accounts import open_account
    from omni.party.tests.factories import SYSTEM, make_world

    world = make_world()
    account = open_account(actor=SYSTEM, type_code="cash", customer_id=world.sh_dealer.pk)
    user = User.objects.create_superuser("root-dates", password="pass-12345678")
    client = Client()
    client.force_login(user)
    url = f"/api/v1/ledger/accounts/{account.pk}/postings"
    res = client.get(url, {"date_to": "0"})
    assert res.status_code == 422, res.content
    assert client.get(url, {"date_to": "2026-12-01"}).status_code == 200

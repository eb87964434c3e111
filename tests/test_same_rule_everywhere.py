"""Issue 12 §2: one write path. The same bad customer change (or contact / address change)
is refused the same way through the page (form POST), the API and an Excel row, because all
three call the one bulk service (`party.services.customer_batch`, `contact_batch`) and its
rules (`party.calculations`).

Each case: given the demo world, when the change is sent through each path, then each
refuses it with the case's error code (the API's `code`, the page's message for that code,
the Excel row's wording of that code) and nothing is written."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook

from omni.access.services.actors import build_actor
from omni.kernel import imports
from omni.kernel.models import ImportJob, ImportMode
from omni.party import errors as party_errors
from omni.party.importers import ADDRESS, CONTACT_SPEC, CUSTOMER_SPEC, ENTRY_LABELS, KIND_LABELS
from omni.party.models import Address, Contact, Customer
from omni.party.tests.factories import customer, make_world, user_with
from omni.tenancy import errors as tenancy_errors
from omni.web.party.forms import CODE_MESSAGES

pytestmark = pytest.mark.django_db

ALL = ["party.customer.view", "party.customer.create", "party.customer.edit"]
ALL += ["party.customer.import"]


@dataclass
class Change:
    """A customer as a page, the API and a sheet would send it."""

    code: str
    name: str
    kind: str
    org: Any  # Organization
    upper: Customer | None = None
    existing: Customer | None = None  # an edit of this customer; None = a new one


def _page_post(client: Client, c: Change) -> Any:
    data = {
        "code": c.code,
        "name": c.name,
        "kind": c.kind,
        "org": str(c.org.pk),
        "province": "310000",
        "city": "310100",
        "region": "310115",
        "upper": c.upper.code if c.upper else "",
    }
    url = f"/party/customers/{c.existing.pk}/edit/" if c.existing else "/party/customers/new/"
    return client.post(url, data)


def _api_send(client: Client, c: Change) -> Any:
    body = {
        "name": c.name,
        "kind": c.kind,
        "org_id": c.org.pk,
        "region_code": "310115",
        "upper_id": c.upper.pk if c.upper else None,
    }
    if c.existing:
        url = f"/api/v1/party/customers/{c.existing.pk}"
        return client.put(url, body, content_type="application/json")
    return client.post(
        "/api/v1/party/customers", {**body, "code": c.code}, content_type="application/json"
    )


def _excel_row(user, c: Change) -> ImportJob:
    wb = Workbook()
    ws = wb.active
    ws.title = CUSTOMER_SPEC.sheet_name
    ws.append(CUSTOMER_SPEC.headers)
    row = {
        "code": c.code,
        "name": c.name,
        "kind": KIND_LABELS[c.kind],
        "org_code": c.org.code,
        "region_code": "310115",
        "upper_code": c.upper.code if c.upper else None,
    }
    ws.append([row.get(col.key) for col in CUSTOMER_SPEC.columns])
    out = io.BytesIO()
    wb.save(out)
    job = imports.start_import(
        actor=build_actor(user),
        importer_key="party.customers",
        file_bytes=out.getvalue(),
        filename="客户.xlsx",
        mode=ImportMode.ALL_OR_NOTHING,
    )
    imports.run_import(job.pk)
    job.refresh_from_db()
    return job


# the wording of each code: the page's (web layer) and the sheet's (the importer's mapping)
def _page_message(error: type) -> str:
    return str(CODE_MESSAGES.get(error.code, error.default_message))


SHEET = {
    "upper_cannot_supply": "上级客户是终端门店或大客户，不能作为上级供货商",
    "upper_outside_organisation": "上级客户须与本客户属于同一组织",
    "cyclic_hierarchy": "上级客户形成循环：C-SH-001 → C-SH-L2 → C-SH-001",
    "not_found": "组织不在您的数据权限范围内",
    "lower_customers_need_supplier": "仍有下级客户（C-SH-L2、C-SH-S01）向其进货，不能改为终端门店或大客户",
    "lower_customers_in_organisation": "下级客户 C-SH-L2、C-SH-S01 仍属于原组织，不能更换组织",
}


def _cases(w) -> dict[str, tuple[Change, type, bool]]:
    """name → (change, error, whether the uploader is the east-only user)."""
    sh = w.sh_dealer
    return {
        "a store as upper supplier": (
            Change("N-1", "新门店", "store", w.east_sales, upper=w.sh_store),
            party_errors.UpperCannotSupply,
            False,
        ),
        "an upper in another organisation": (
            Change("N-2", "新门店", "store", w.east_sales, upper=w.gz_dealer),
            party_errors.SupplierOutsideOrganisation,
            False,
        ),
        "a cycle": (
            Change(sh.code, sh.name, "distributor", w.east_sales, upper=w.l2, existing=sh),
            tenancy_errors.CyclicHierarchy,
            False,
        ),
        "a distributor with lower customers becoming a store": (
            Change(sh.code, sh.name, "store", w.east_sales, existing=sh),
            party_errors.LowerCustomersNeedSupplier,
            False,
        ),
        "a distributor with lower customers moving to another organisation": (
            Change(sh.code, sh.name, "distributor", w.south_sales, existing=sh),
            party_errors.LowerCustomersElsewhere,
            False,
        ),
        "an organisation outside the writer's scope": (
            Change("N-3", "南方新客户", "dealer", w.south_sales),
            type("OutOfScope", (), {"code": "not_found", "default_message": ""}),
            True,
        ),
    }


CASES = [
    "a store as upper supplier",
    "an upper in another organisation",
    "a cycle",
    "a distributor with lower customers becoming a store",
    "a distributor with lower customers moving to another organisation",
    "an organisation outside the writer's scope",
]


@pytest.mark.parametrize("case", CASES)
def test_the_same_bad_change_is_refused_the_same_way_everywhere(case):
    # given the demo world, a level-2 dealer below the Shanghai distributor, and a writer
    # (everything, or only the east organisation)
    w = make_world()
    w.l2 = customer("C-SH-L2", "二级经销商", w.east_sales, kind="dealer", upper=w.sh_dealer)
    change, error, east_only = _cases(w)[case]
    user = (
        user_with("east-writer", ALL, "org", org=w.east)
        if east_only
        else user_with("any-writer", ALL, "all")
    )
    client = Client()
    client.force_login(user)
    before = list(Customer.objects.order_by("pk").values())

    # when the change is posted on the page
    page = _page_post(client, change)
    # then the form comes back with the code's message (an organisation outside the scope
    # is not even offered)
    assert page.status_code == 200
    shown = [str(m) for messages in page.context["form"].errors.values() for m in messages]
    if east_only:
        assert shown, "refused"
    else:
        assert _page_message(error) in shown, shown

    # when it is sent to the API, then the answer carries the code
    api = _api_send(client, change)
    assert api.status_code in (404, 409, 422), api.content
    assert api.json()["code"] == error.code

    # when it is an Excel row, then the row is refused in the sheet's words for the code
    job = _excel_row(user, change)
    assert [e["reason"] for e in job.error_sample] == [SHEET[error.code]]

    # and nothing was written on any path
    assert list(Customer.objects.order_by("pk").values()) == before


# --- contacts and delivery addresses (party.services.contact_batch) -----------------------------


def _address_page_post(client: Client, customer: Customer, district: str) -> Any:
    data = {
        "op": "address",
        "province": district[:2] + "0000",
        "city": district[:4] + "00",
        "district": district,
        "street": "张江路 1 号",
        "receiver": "王五",
        "phone": "13712345678",
    }
    return client.post(f"/party/customers/{customer.pk}/", data)


def _address_api_send(client: Client, customer: Customer, district: str) -> Any:
    body = {
        "district_code": district,
        "street": "张江路 1 号",
        "receiver": "王五",
        "phone": "13712345678",
    }
    url = f"/api/v1/party/customers/{customer.pk}/addresses"
    return client.post(url, body, content_type="application/json")


def _address_excel_row(user, customer: Customer, district: str) -> ImportJob:
    wb = Workbook()
    ws = wb.active
    ws.title = CONTACT_SPEC.sheet_name
    ws.append(CONTACT_SPEC.headers)
    row = {
        "customer_code": customer.code,
        "kind": ENTRY_LABELS[ADDRESS],
        "name": "王五",
        "phone": "13712345678",
        "region_code": district,
        "street": "张江路 1 号",
    }
    ws.append([row.get(col.key) for col in CONTACT_SPEC.columns])
    out = io.BytesIO()
    wb.save(out)
    job = imports.start_import(
        actor=build_actor(user),
        importer_key="party.contacts_addresses",
        file_bytes=out.getvalue(),
        filename="联系人和地址.xlsx",
        mode=ImportMode.ALL_OR_NOTHING,
    )
    imports.run_import(job.pk)
    job.refresh_from_db()
    return job


def _entries() -> list[Any]:
    return [
        *Contact.objects.order_by("pk").values(),
        *Address.objects.order_by("pk").values(),
    ]


ADDRESS_CASES = {
    # name: (whose customer, district code, code, the page's answer, the sheet's words)
    "an unknown region": ("sh", "999999", "unknown_region", 200, "地区编码不存在"),
    "a customer outside the writer's scope": ("gz", "440106", "not_found", 404, "客户编码不存在"),
}


@pytest.mark.parametrize("case", list(ADDRESS_CASES))
def test_the_same_bad_address_is_refused_the_same_way_everywhere(case):
    # given the demo world and a writer of the east organisation only
    w = make_world()
    who, district, code, page_status, sheet = ADDRESS_CASES[case]
    target = w.sh_dealer if who == "sh" else w.gz_dealer
    user = user_with("east-writer", ALL, "org", org=w.east)
    client = Client()
    client.force_login(user)
    before = _entries()

    # when the address is added on the customer's page, then the page refuses it: the form
    # comes back with the code's message, or the customer does not exist for this writer
    page = _address_page_post(client, target, district)
    assert page.status_code == page_status
    if page_status == 200:
        form = page.context["address_form"]
        shown = [str(m) for messages in form.errors.values() for m in messages]
        assert _page_message(tenancy_errors.UnknownRegion) in shown, shown

    # when it is sent to the API, then the answer carries the code
    api = _address_api_send(client, target, district)
    assert api.status_code == 404, api.content
    assert api.json()["code"] == code

    # when it is an Excel row, then the row is refused in the sheet's words for the code
    job = _address_excel_row(user, target, district)
    assert [e["reason"] for e in job.error_sample] == [sheet]

    # and nothing was written on any path
    assert _entries() == before

import pytest
from django.db import transaction

from omni.kernel.errors import InvalidTransition, NotFound, PermissionDenied
from omni.kernel.models import AuditEntry
from omni.kernel.states import state_history
from omni.kernel.testing import race
from omni.party.errors import (
    CyclicHierarchy,
    DuplicateCode,
    InvalidPhone,
    InvalidTaxNumber,
    ReasonRequired,
    SupplierOutsideOrganisation,
    UnknownRegion,
)
from omni.party.filters import CustomerFilter
from omni.party.models import Customer
from omni.party.services import customers
from omni.party.services.customers import CustomerData
from omni.party.validation import normalize_phone, normalize_tax_number, uscc_check_char
from omni.tenancy.models import Organization
from omni.tenancy.services import organizations

from .factories import SYSTEM, add_address, customer, make_world, org

pytestmark = pytest.mark.django_db


def data(w, **kw):
    base = dict(name="新客户", kind="dealer", org_id=w.east_sales.pk, region_code="310115")
    base.update(kw)
    return CustomerData(**base)


def test_create_customer_is_audited():
    w = make_world()
    c = customers.create_customer(
        actor=SYSTEM, code="C-NEW", data=data(w, tags=["重点", "重点", " "])
    )
    assert c.status == "prospect" and c.tags == ["重点"]
    entry = AuditEntry.objects.get(action="party.customer_created", object_id=str(c.pk))
    assert entry.after["code"] == "C-NEW" and entry.org_id == w.east_sales.pk


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"region_code": "999999"}, UnknownRegion),
        ({"tax_number": "91310000MA1FL0000X"}, InvalidTaxNumber),
        ({"upper_id": "gz"}, SupplierOutsideOrganisation),
        ({"upper_id": "store"}, Exception),  # a store cannot supply
    ],
)
def test_bad_customer_data_writes_nothing(kwargs, error):
    w = make_world()
    if kwargs.get("upper_id") == "gz":
        kwargs["upper_id"] = w.gz_dealer.pk
    if kwargs.get("upper_id") == "store":
        kwargs["upper_id"] = w.sh_store.pk
    before = Customer.objects.count()
    with pytest.raises(error) as info:
        customers.create_customer(actor=SYSTEM, code="C-BAD", data=data(w, **kwargs))
    if kwargs.get("upper_id") == w.sh_store.pk:
        assert info.value.code == "upper_cannot_supply"
    assert Customer.objects.count() == before
    assert not AuditEntry.objects.filter(object_id="C-BAD").exists()


def test_duplicate_code_is_409():
    w = make_world()
    with pytest.raises(DuplicateCode):
        customers.create_customer(actor=SYSTEM, code="C-SH-001", data=data(w))


def test_supplier_chain_cannot_loop():
    w = make_world()
    l2 = customer("C-SH-L2", "二级经销商", w.east_sales, kind="dealer", upper=w.sh_dealer)
    with pytest.raises(CyclicHierarchy):
        customers.update_customer(
            actor=SYSTEM,
            customer_id=w.sh_dealer.pk,
            data=data(w, name=w.sh_dealer.name, kind="distributor", upper_id=l2.pk),
        )
    w.sh_dealer.refresh_from_db()
    assert w.sh_dealer.upper_id is None


def test_organisation_tree_refuses_cycles_and_moves_subtrees():
    w = make_world()
    with pytest.raises(CyclicHierarchy):
        organizations.move_organization(
            actor=SYSTEM, org_id=w.east.pk, new_parent_id=w.east_sales.pk
        )
    moved = organizations.move_organization(
        actor=SYSTEM, org_id=w.east_sales.pk, new_parent_id=w.south.pk
    )
    assert moved.path == f"{w.south.path}{w.east_sales.pk}/"
    child = org("E-SO-1", "上海办", "department", moved)
    assert child.path.startswith(moved.path)
    with pytest.raises(DuplicateCode):
        org("G", "again", "subsidiary", w.group)
    assert Organization.objects.filter(code="G").count() == 1


def test_status_flow_with_history_and_refusals():
    w = make_world()
    c = customers.change_customer_status(
        actor=SYSTEM, customer_id=w.gz_dealer.pk, action="activate"
    )
    assert c.status == "active"
    customers.change_customer_status(
        actor=SYSTEM, customer_id=c.pk, action="freeze", reason="逾期未回款"
    )
    with pytest.raises(InvalidTransition):
        customers.change_customer_status(actor=SYSTEM, customer_id=c.pk, action="activate")
    customers.change_customer_status(actor=SYSTEM, customer_id=c.pk, action="unfreeze")
    # freezing and exiting need a reason, in the service (not only on the page)
    for action in ("freeze", "exit"):
        with pytest.raises(ReasonRequired):
            customers.change_customer_status(
                actor=SYSTEM, customer_id=c.pk, action=action, reason="  "
            )
    customers.change_customer_status(actor=SYSTEM, customer_id=c.pk, action="exit", reason="停业")
    assert [h.action for h in state_history(Customer, c.pk)] == [
        "activate",
        "freeze",
        "unfreeze",
        "exit",
    ]


def test_permissions_and_scope_are_enforced_by_services():
    from omni.access.services.actors import build_actor

    from .factories import user_with

    w = make_world()
    viewer = build_actor(user_with("v", ["party.customer.view"], "org", org=w.east))
    with pytest.raises(PermissionDenied):
        customers.change_customer_status(
            actor=viewer, customer_id=w.sh_dealer.pk, action="activate"
        )
    approver = build_actor(user_with("a", ["party.customer.approve"], "org", org=w.east))
    with pytest.raises(NotFound):  # outside the approver's organisation: 404, not 403
        customers.change_customer_status(
            actor=approver, customer_id=w.gz_dealer.pk, action="activate"
        )
    assert customers.change_customer_status(
        actor=approver, customer_id=w.sh_dealer.pk, action="activate"
    )


def test_contacts_and_addresses_validate_phone_and_region():
    w = make_world()
    c = customers.add_contact(
        actor=SYSTEM,
        customer_id=w.sh_dealer.pk,
        name="王芳",
        phone="138 1234 5678",
        is_primary=True,
    )
    assert c.phone == "13812345678"
    with pytest.raises(InvalidPhone):
        customers.add_contact(actor=SYSTEM, customer_id=w.sh_dealer.pk, name="李雷", phone="12345")
    a = add_address(
        w.sh_dealer, street="张江路 88 号", receiver="王芳", phone="021-61234567", is_default=True
    )
    assert (a.province_id, a.city_id, a.district_id) == ("310000", "310100", "310115")
    with pytest.raises(UnknownRegion):
        add_address(
            w.sh_dealer, district_code="000000", street="x", receiver="y", phone="13812345678"
        )


def test_validators():
    body = "91310115MA1H7C2X1"
    good = body + uscc_check_char(body)
    assert normalize_tax_number(good.lower()) == good
    assert normalize_tax_number("") == ""
    with pytest.raises(InvalidTaxNumber):
        normalize_tax_number(body + ("0" if good[-1] != "0" else "1"))
    assert normalize_phone("+86 139-0000-1111") == "13900001111"
    for bad in ["", "abc", "1234", "+1 650 253 0000"]:
        with pytest.raises(InvalidPhone):
            normalize_phone(bad)


@pytest.mark.django_db(transaction=True)
def test_concurrent_freezes_one_wins():
    w = make_world()
    customers.change_customer_status(actor=SYSTEM, customer_id=w.gz_dealer.pk, action="activate")

    def freeze():
        return customers.change_customer_status(
            actor=SYSTEM, customer_id=w.gz_dealer.pk, action="freeze", reason="逾期"
        )

    outcome = race(freeze, 6)
    assert len(outcome.ok) == 1
    assert all(isinstance(e, InvalidTransition) for e in outcome.errors)
    with transaction.atomic():
        assert [h.action for h in state_history(Customer, w.gz_dealer.pk)] == ["activate", "freeze"]


def test_tag_filter_finds_chinese_tags_as_whole_elements():
    from omni.party import selectors

    w = make_world()
    customers.update_customer(
        actor=SYSTEM,
        customer_id=w.gz_dealer.pk,
        data=data(
            w,
            name=w.gz_dealer.name,
            kind="distributor",
            org_id=w.south_sales.pk,
            region_code="440106",
            tags=["重点客户", "KA"],
        ),
    )
    found = lambda tag: list(  # noqa: E731
        selectors.list_customers(SYSTEM, CustomerFilter(tag=tag)).values_list("code", flat=True)
    )
    assert found("重点客户") == ["C-GZ-001"]
    assert found("重点") == []  # a whole tag, not a part of one
    assert found("ka") == ["C-GZ-001"]


def test_remove_and_default_contacts_addresses_and_bank_accounts():
    w = make_world()
    a = customers.add_contact(
        actor=SYSTEM, customer_id=w.sh_dealer.pk, name="王芳", phone="13812345678", is_primary=True
    )
    b = customers.add_contact(
        actor=SYSTEM, customer_id=w.sh_dealer.pk, name="李雷", phone="13912345678"
    )
    customers.set_default_detail(
        actor=SYSTEM, customer_id=w.sh_dealer.pk, kind="contact", item_id=b.pk
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.is_primary, b.is_primary) == (False, True)
    customers.remove_customer_detail(
        actor=SYSTEM, customer_id=w.sh_dealer.pk, kind="contact", item_id=a.pk
    )
    assert list(w.sh_dealer.contacts.values_list("name", flat=True)) == ["李雷"]
    assert AuditEntry.objects.filter(
        action="party.contact_removed", object_id=str(w.sh_dealer.pk)
    ).exists()
    # another customer's contact is not found through this customer
    with pytest.raises(NotFound):
        customers.remove_customer_detail(
            actor=SYSTEM, customer_id=w.gz_dealer.pk, kind="contact", item_id=b.pk
        )
    with pytest.raises(Exception) as info:
        customers.set_default_detail(
            actor=SYSTEM, customer_id=w.sh_dealer.pk, kind="bank_account", item_id=b.pk
        )
    assert info.value.code == "invalid_input"


def test_detail_removal_over_the_api_and_the_page(staff_api, staff_user):
    from django.test import Client

    w = make_world()
    c = customers.add_contact(
        actor=SYSTEM, customer_id=w.sh_dealer.pk, name="王芳", phone="13812345678"
    )
    res = staff_api.delete(f"/api/v1/party/customers/{w.gz_dealer.pk}/contacts/{c.pk}")
    assert res.status_code == 404
    assert (
        staff_api.delete(f"/api/v1/party/customers/{w.sh_dealer.pk}/contacts/{c.pk}").status_code
        == 204
    )
    addr = add_address(w.sh_dealer, street="张江路 1 号", receiver="王芳", phone="13812345678")
    page = Client()
    page.force_login(staff_user)
    res = page.post(
        f"/party/customers/{w.sh_dealer.pk}/", {"op": "remove", "kind": "address", "item": addr.pk}
    )
    assert res.status_code == 302 and not w.sh_dealer.addresses.exists()

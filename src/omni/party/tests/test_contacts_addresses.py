"""Contacts and delivery addresses: one bulk write path (`services.contact_batch`) with its
rules as pure functions (`calculations.resolve_entries`), called by the single-row services
with one row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omni.access.services.actors import build_actor
from omni.kernel.errors import NotFound
from omni.kernel.models import AuditEntry
from omni.party import calculations as calc
from omni.party.errors import DuplicateAddress, DuplicateContact, InvalidPhone, UnknownRegion
from omni.party.models import Address, Contact
from omni.party.services import customers
from omni.party.services.contact_batch import upsert_contacts_addresses, validate_contacts_addresses
from omni.party.types import AddressRow, ContactRow

from .factories import SYSTEM, add_address, customer, make_world, user_with

SH = (("310000", "上海市"), ("310100", "上海市"), ("310115", "浦东新区"))


def _snap(**entries) -> calc.EntrySnapshot:
    existing = {e.key: e for e in entries.values()}
    return calc.EntrySnapshot(
        customers={1: 1, "C-1": 1, 2: 2},
        regions={"310115": SH},
        entries=existing,
        by_id={(e.kind, e.id): e for e in entries.values()},
    )


def _contact(pk: int, customer_id: int, name: str, phone: str) -> calc.Entry:
    values = {"name": name, "phone": phone, "position": ""}
    key = calc.entry_key("contact", customer_id, values)
    return calc.Entry(pk, "contact", customer_id, key, False, values)


def _codes(problems) -> list[tuple[int, str, str]]:
    return [(p.index, p.field, p.code) for p in problems]


# --- the pure rules --------------------------------------------------------------------------


def test_rules_refuse_unknown_customers_and_regions_and_repeats_within_a_batch():
    # given a snapshot with customer 1 (also known by its code) and one region
    snap = _snap()
    rows = [
        ContactRow("C-1", "李雷", "13812345678", default=True),
        ContactRow(1, "李雷", "13812345678"),  # the same contact as row 0
        ContactRow(1, "韩梅梅", "13912345678", default=True),  # a second primary contact
        ContactRow("C-9", "王五", "13712345678"),  # not a customer the writer may change
        AddressRow(1, "999999", "张江路 1 号", "王五", "13712345678"),  # unknown region
        AddressRow(1, "310115", "张江路 1 号", "王五", "13712345678", default=True),
    ]
    # when the rows are resolved
    planned, problems = calc.resolve_entries(rows, snap, refused=set(), create_only=False)
    # then each problem is on its row and field with its code, and the good rows are planned
    assert _codes(problems) == [
        (1, "name", "duplicate_contact"),
        (2, "default", "several_defaults"),
        (3, "customer", "not_found"),
        (4, "region", "unknown_region"),
    ]
    assert problems[0].error.details == {"row": 0}
    assert sorted(planned) == [0, 5]
    assert planned[5].values["district_id"] == "310115"
    assert planned[5].values["province_id"] == "310000"


def test_rules_match_existing_entries_and_refuse_creating_them_twice():
    # given customer 1 with the contact 李雷 (id 7) and customer 2 with 韩梅梅 (id 8)
    snap = _snap(a=_contact(7, 1, "李雷", "13812345678"), b=_contact(8, 2, "韩梅梅", "139"))
    same = ContactRow(1, "李雷", "13812345678", position="经理")
    # when the same contact comes again, it is matched (an upsert) ...
    planned, problems = calc.resolve_entries([same], snap, refused=set(), create_only=False)
    assert not problems and planned[0].current.id == 7
    # ... and refused when the caller creates only
    _p, problems = calc.resolve_entries([same], snap, refused=set(), create_only=True)
    assert _codes(problems) == [(0, "name", "duplicate_contact")]
    # when an edit names another customer's contact, then it is not found
    other = ContactRow(1, "韩梅梅", "139", id=8)
    _p, problems = calc.resolve_entries([other], snap, refused=set(), create_only=False)
    assert _codes(problems) == [(0, "id", "not_found")]


# --- the service ---------------------------------------------------------------------------------


@pytest.fixture
def w(db):
    return make_world()


def test_a_batch_creates_each_entry_once_and_a_repeat_changes_nothing(w):
    # given a batch of two contacts and an address of the Shanghai dealer
    rows = [
        ContactRow(w.sh_dealer.code, "李雷", "138 1234 5678", "采购", default=True),
        ContactRow(w.sh_dealer.pk, "韩梅梅", "021-61234567"),
        AddressRow(w.sh_dealer.pk, "310115", "张江路 1 号", "王五", "13712345678", default=True),
    ]
    # when it is written twice
    first = upsert_contacts_addresses(actor=SYSTEM, rows=rows)
    second = upsert_contacts_addresses(actor=SYSTEM, rows=rows)
    # then the entries exist once, with normalised phones, and the repeat changed nothing
    assert (len(first.created), len(second.created), second.unchanged) == (3, 0, 3)
    assert sorted(Contact.objects.values_list("name", "phone", "is_primary")) == [
        ("李雷", "13812345678", True),
        ("韩梅梅", "02161234567", False),
    ]
    a = Address.objects.get()
    assert (a.province_id, a.city_id, a.district_id, a.is_default) == (
        "310000",
        "310100",
        "310115",
        True,
    )


def test_a_refused_row_writes_nothing_and_every_problem_is_reported(w):
    # given a batch with a good row, a bad phone, a too long name and an unknown region
    rows = [
        ContactRow(w.sh_dealer.pk, "李雷", "13812345678"),
        ContactRow(w.sh_dealer.pk, "韩梅梅", "12345"),
        ContactRow(w.sh_dealer.pk, "长" * 61, "13912345678"),
        AddressRow(w.sh_dealer.pk, "999999", "某路", "王五", "13712345678"),
    ]
    # when it is written
    result = upsert_contacts_addresses(actor=SYSTEM, rows=rows)
    # then every bad row is reported with its code, the name refused (not cut), nothing written
    assert [(p.index, p.code) for p in result.problems] == [
        (1, "invalid_phone"),
        (2, "too_long"),
        (3, "unknown_region"),
    ]
    assert (
        result.problems[1].error.details["max_length"] == Contact._meta.get_field("name").max_length
    )
    assert not result.created and not Contact.objects.exists()


def test_single_row_services_meet_the_same_rules(w):
    # given a primary contact and a default address
    c = customers.add_contact(
        actor=SYSTEM, customer_id=w.sh_dealer.pk, name="李雷", phone="13812345678", is_primary=True
    )
    a = add_address(w.sh_dealer, street="张江路 1 号", is_default=True)
    # when the same contact or address is added again, then it is refused, not created twice
    with pytest.raises(DuplicateContact):
        customers.add_contact(
            actor=SYSTEM, customer_id=w.sh_dealer.pk, name=" 李雷 ", phone="138-1234-5678"
        )
    with pytest.raises(DuplicateAddress):
        add_address(w.sh_dealer, street="张江路 1 号", phone="13900000000")
    # when a second address is added as the default, then it is the only default
    b = add_address(w.sh_dealer, street="张江路 2 号", is_default=True)
    a.refresh_from_db()
    assert (a.is_default, b.is_default) == (False, True)
    # when a contact is edited, then the primary flag stays unless given, and it is audited
    edited = customers.update_contact(
        actor=SYSTEM,
        customer_id=w.sh_dealer.pk,
        contact_id=c.pk,
        name="李雷",
        phone="13912345678",
        position="经理",
    )
    assert (edited.phone, edited.position, edited.is_primary) == ("13912345678", "经理", True)
    assert AuditEntry.objects.filter(action="party.contact_updated").count() == 1
    # when an address is edited onto another address of the customer, then it is refused
    with pytest.raises(DuplicateAddress):
        customers.update_address(
            actor=SYSTEM,
            customer_id=w.sh_dealer.pk,
            address_id=a.pk,
            district_code="310115",
            street="张江路 2 号",
            receiver="王五",
            phone="13712345678",
        )
    # and the old messages still come from the same rules
    with pytest.raises(InvalidPhone):
        customers.update_contact(
            actor=SYSTEM, customer_id=w.sh_dealer.pk, contact_id=c.pk, name="李雷", phone="1"
        )
    with pytest.raises(UnknownRegion):
        customers.update_address(
            actor=SYSTEM,
            customer_id=w.sh_dealer.pk,
            address_id=a.pk,
            district_code="000000",
            street="x",
            receiver="y",
            phone="13712345678",
        )


def test_customers_outside_the_writers_scope_are_not_found(w):
    # given a writer of the east organisation only
    east = build_actor(user_with("east-contacts", ["party.customer.edit"], "org", org=w.east))
    # when it adds a contact to the Guangzhou customer (south), then it does not exist for it
    with pytest.raises(NotFound):
        customers.add_contact(
            actor=east, customer_id=w.gz_dealer.pk, name="陈", phone="13812345678"
        )
    problems = validate_contacts_addresses(
        actor=east, rows=[ContactRow(w.gz_dealer.code, "陈", "13812345678")]
    )
    assert [(p.field, p.code) for p in problems] == [("customer", "not_found")]
    assert not Contact.objects.exists()


def test_a_batch_uses_a_bounded_number_of_queries(w):
    # given 40 customers with a contact and an address each
    codes = [customer(f"C-Q{i:02}", f"客户{i}", w.east_sales).code for i in range(40)]
    rows = [ContactRow(c, "李雷", "13812345678", default=True) for c in codes]
    rows += [AddressRow(c, "310115", "张江路 1 号", "王五", "13712345678") for c in codes]
    # when they are checked, then the number of queries does not grow with the rows
    with CaptureQueriesContext(connection) as queries:
        assert validate_contacts_addresses(actor=SYSTEM, rows=rows) == []
    assert len(queries) <= 8, [q["sql"] for q in queries]

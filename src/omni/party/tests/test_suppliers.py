"""Suppliers: one bulk write path (`services.suppliers.upsert_suppliers`) with its rules as
pure functions (`calculations.resolve_suppliers`); create and update call it with one row."""

from __future__ import annotations

import pytest

from omni.access.services.actors import build_actor
from omni.kernel.errors import NotFound
from omni.kernel.models import AuditEntry
from omni.party import calculations as calc
from omni.party.errors import DuplicateCode
from omni.party.models import Supplier
from omni.party.services import suppliers
from omni.party.types import SupplierRow

from .factories import SYSTEM, make_world, user_with

pytestmark = pytest.mark.django_db


def test_rules_refuse_repeated_codes_and_organisations_outside_the_scope():
    # given a snapshot where supplier S-1 exists (id 5) and only organisation 1 is writable
    s1 = calc.Current(5, "S-1", 1, "", None, {})
    snap = calc.SupplierSnapshot({1: 1, "E": 1}, {"S-1": s1}, {5: s1}, frozenset({5}))
    rows = [
        SupplierRow("S-2", "新", "E"),
        SupplierRow("S-2", "又新", 1),  # the same code again
        SupplierRow("S-3", "南方", 2),  # an organisation the writer may not write in
        SupplierRow("S-1", "改名"),  # an existing one keeps its organisation
    ]
    # when resolved, then each problem has its row, field and code
    planned, problems = calc.resolve_suppliers(rows, snap, refused=set(), create_only=False)
    assert [(p.index, p.field, p.code) for p in problems] == [
        (1, "code", "duplicate_code"),
        (2, "org", "not_found"),
    ]
    assert planned[3].current is s1 and planned[3].org_id == 1
    # and creating only refuses a known code
    _p, problems = calc.resolve_suppliers(rows[3:], snap, refused=set(), create_only=True)
    assert [(p.field, p.code) for p in problems] == [("code", "duplicate_code")]


def test_a_batch_is_written_whole_and_a_repeat_changes_nothing():
    # given the demo world and two suppliers of the east organisation
    w = make_world()
    rows = [
        SupplierRow("S-A", "甲供应商", w.east.code, phone="138 1234 5678"),
        SupplierRow("S-B", "乙供应商", w.east.pk),
    ]
    # when they are written twice
    first = suppliers.upsert_suppliers(actor=SYSTEM, rows=rows)
    second = suppliers.upsert_suppliers(actor=SYSTEM, rows=rows)
    # then they exist once, normalised, audited once each
    assert (len(first.created), second.unchanged) == (2, 2)
    assert Supplier.objects.get(code="S-A").phone == "13812345678"
    assert AuditEntry.objects.filter(action="party.supplier_created").count() == 2
    # when a batch has one bad row, then nothing of it is written
    bad = suppliers.upsert_suppliers(
        actor=SYSTEM,
        rows=[SupplierRow("S-C", "丙", w.east.pk), SupplierRow("S-D", "丁", w.east.pk, phone="1")],
    )
    assert [(p.index, p.code) for p in bad.problems] == [(1, "invalid_phone")]
    assert not Supplier.objects.filter(code__in=["S-C", "S-D"]).exists()


def test_single_row_services_meet_the_same_rules():
    # given a supplier of the south organisation and a writer of the east one
    w = make_world()
    south = suppliers.create_supplier(actor=SYSTEM, org_id=w.south.pk, code="S-S", name="南方")
    east = build_actor(
        user_with("sup", ["party.supplier.create", "party.supplier.edit"], "org", org=w.east)
    )
    # when the east writer creates one with a used code, then the code is refused
    with pytest.raises(DuplicateCode):
        suppliers.create_supplier(actor=east, org_id=w.east.pk, code="S-S", name="东方")
    # when it edits the south supplier, even with a bad body, then it does not exist for it
    with pytest.raises(NotFound):
        suppliers.update_supplier(actor=east, supplier_id=south.pk, name="")
    # when it creates in the south organisation, then the organisation is not found
    with pytest.raises(NotFound):
        suppliers.create_supplier(actor=east, org_id=w.south.pk, code="S-E", name="东方")
    # and an edit in scope is written and audited
    mine = suppliers.create_supplier(actor=east, org_id=w.east.pk, code="S-E", name="东方")
    edited = suppliers.update_supplier(
        actor=east, supplier_id=mine.pk, name="东方二", is_active=False
    )
    assert (edited.name, edited.is_active, edited.code) == ("东方二", False, "S-E")
    assert AuditEntry.objects.filter(action="party.supplier_updated").count() == 1

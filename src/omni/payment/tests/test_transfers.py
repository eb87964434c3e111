"""Offline transfers: a dealer registers one with a voucher, finance confirms (the money is
posted once) or rejects with a reason; bad input is refused with a stable code and changes
nothing. Through the services and the API, as the dealer and as finance."""

from __future__ import annotations

import base64
import datetime as dt
import io
from decimal import Decimal

import pytest

from omni.kernel.errors import DomainError
from omni.kernel.testing import race
from omni.ledger import selectors as ledger
from omni.ledger.models import JournalEntry
from omni.ledger.tests.factories import SYSTEM
from omni.party.tests.factories import client_for, make_world, user_with
from omni.payment.models import Transfer
from omni.payment.services.transfers import confirm_transfer, register_transfer, reject_transfer

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
DEALER = ["payment.transfer.view", "payment.transfer.create", "ledger.account.view"]
FINANCE = ["payment.transfer.view", "payment.transfer.approve", "ledger.account.view"]


def register(world, *, reference="CMB20261203001", amount="50000.00", voucher=PNG, actor=SYSTEM):
    return register_transfer(
        actor=actor,
        customer_id=world.sh_dealer.pk,
        amount=amount,
        bank_reference=reference,
        paid_on=dt.date(2026, 12, 1),
        payer_name="上海浦江商贸有限公司",
        voucher=io.BytesIO(voucher),
    )


@pytest.mark.django_db
def test_a_confirmed_transfer_is_posted_to_the_dealers_cash_account_once():
    world = make_world()
    transfer = register(world)
    assert transfer.status == "submitted" and transfer.voucher_type == "image/png"
    confirmed = confirm_transfer(actor=SYSTEM, transfer_id=transfer.pk)
    assert confirmed.status == "confirmed" and confirmed.entry_id
    assert ledger.get_balance(SYSTEM, transfer.account_id).balance == Decimal("50000.00")
    with pytest.raises(DomainError) as err:
        confirm_transfer(actor=SYSTEM, transfer_id=transfer.pk)
    assert err.value.code == "invalid_transition"
    with pytest.raises(DomainError) as err:
        reject_transfer(actor=SYSTEM, transfer_id=transfer.pk, reason="重复")
    assert err.value.code == "invalid_transition"
    assert JournalEntry.objects.filter(source_type="payment.transfer").count() == 1


@pytest.mark.django_db
def test_a_rejected_transfer_posts_nothing_and_its_reference_may_be_registered_again():
    world = make_world()
    transfer = register(world)
    with pytest.raises(DomainError) as err:
        reject_transfer(actor=SYSTEM, transfer_id=transfer.pk, reason="  ")
    assert err.value.code == "reason_required"
    rejected = reject_transfer(actor=SYSTEM, transfer_id=transfer.pk, reason="凭证金额与到账不符")
    assert rejected.status == "rejected" and rejected.reason == "凭证金额与到账不符"
    assert not JournalEntry.objects.exists()
    again = register(world)
    assert again.pk != transfer.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"amount": "0"}, "invalid_amount"),
        ({"amount": "-10"}, "invalid_amount"),
        ({"amount": "10.001"}, "invalid_amount"),
        ({"reference": "CMB 2026/12"}, "invalid_bank_reference"),
        ({"reference": ""}, "invalid_bank_reference"),
        ({"voucher": b"%PDF-1.7 not an image"}, "invalid_voucher"),
        ({"voucher": b"GIF89a" + b"\x00" * 10}, "invalid_voucher"),
        ({"voucher": b""}, "invalid_voucher"),
        ({"voucher": JPEG + b"\x00" * (5 * 1024 * 1024)}, "invalid_voucher"),
    ],
)
def test_bad_transfers_are_refused_and_write_nothing(changes, code):
    world = make_world()
    with pytest.raises(DomainError) as err:
        register(world, **changes)
    assert err.value.code == code and 400 <= err.value.status < 500
    assert not Transfer.objects.exists()


@pytest.mark.django_db
def test_a_duplicate_bank_reference_is_refused():
    world = make_world()
    register(world)
    with pytest.raises(DomainError) as err:
        register(world, amount="1")
    assert err.value.code == "duplicate_bank_reference" and err.value.status == 409


@pytest.mark.django_db
def test_a_payment_date_in_the_future_is_refused():
    world = make_world()
    with pytest.raises(DomainError) as err:
        register_transfer(
            actor=SYSTEM,
            customer_id=world.sh_dealer.pk,
            amount="1",
            bank_reference="X1",
            paid_on=dt.date(2999, 1, 1),
            payer_name="x",
            voucher=io.BytesIO(PNG),
        )
    assert err.value.code == "invalid_paid_on"


@pytest.mark.django_db(transaction=True)
def test_confirming_one_transfer_from_many_threads_posts_once():
    world = make_world()
    transfer = register(world)
    outcome = race(lambda: confirm_transfer(actor=SYSTEM, transfer_id=transfer.pk), 8)
    assert len(outcome.ok) == 1
    assert {e.code for e in outcome.errors} == {"invalid_transition"}
    assert JournalEntry.objects.filter(source_type="payment.transfer").count() == 1
    assert ledger.get_balance(SYSTEM, transfer.account_id).balance == Decimal("50000.00")


# --- the API as a dealer and as finance ---------------------------------------------------


def body(world, **over):
    return {
        "customer_id": world.sh_dealer.pk,
        "amount": "8000.00",
        "bank_reference": "ICBC-778899",
        "paid_on": "2026-11-30",
        "payer_name": "上海浦江商贸有限公司",
        "voucher": base64.b64encode(PNG).decode(),
        **over,
    }


@pytest.mark.django_db
def test_a_dealer_registers_and_finance_confirms_through_the_api():
    world = make_world()
    dealer = client_for(user_with("dlr", DEALER, "own", customer=world.sh_dealer))
    finance = client_for(user_with("fin", FINANCE, "org", org=world.east))
    res = dealer.post("/api/v1/payment/transfers", body(world), content_type="application/json")
    assert res.status_code == 201, res.content
    transfer = res.json()
    assert transfer["status"] == "submitted" and transfer["amount"] == "8000.00"
    # the dealer cannot confirm its own transfer
    res = dealer.post(f"/api/v1/payment/transfers/{transfer['id']}/confirm")
    assert res.status_code == 403
    res = finance.post(f"/api/v1/payment/transfers/{transfer['id']}/confirm")
    assert res.status_code == 200 and res.json()["status"] == "confirmed"
    mine = dealer.get(f"/api/v1/ledger/accounts/{transfer['account_id']}").json()
    assert mine["balance"] == "8000.00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "over",
    [
        {"amount": 8000},
        {"amount": "0.00"},
        {"voucher": base64.b64encode(b"GIF89a....").decode()},
        {"voucher": "not base64!"},
        {"bank_reference": "含中文"},
        {"unknown": 1},
    ],
)
def test_bad_api_bodies_are_422_and_write_nothing(over):
    world = make_world()
    dealer = client_for(user_with("dlr", DEALER, "own", customer=world.sh_dealer))
    res = dealer.post(
        "/api/v1/payment/transfers", body(world, **over), content_type="application/json"
    )
    assert res.status_code == 422, res.content
    assert not Transfer.objects.exists()


@pytest.mark.django_db
def test_a_dealer_cannot_register_for_or_see_another_customer():
    world = make_world()
    dealer = client_for(user_with("dlr", DEALER, "own", customer=world.sh_dealer))
    res = dealer.post(
        "/api/v1/payment/transfers",
        body(world, customer_id=world.gz_dealer.pk),
        content_type="application/json",
    )
    assert res.status_code == 404 and res.json()["code"] == "unknown_customer"
    other = register_transfer(
        actor=SYSTEM,
        customer_id=world.gz_dealer.pk,
        amount="5",
        bank_reference="GZ-1",
        paid_on=dt.date(2026, 12, 1),
        payer_name="广州天河饮品批发部",
        voucher=io.BytesIO(JPEG),
    )
    assert dealer.get(f"/api/v1/payment/transfers/{other.pk}").status_code == 404
    assert "GZ-1" not in dealer.get("/api/v1/payment/transfers").content.decode()

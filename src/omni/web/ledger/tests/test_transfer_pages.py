"""Offline transfer pages: a dealer registers a transfer with a voucher photo, finance sees
the voucher and confirms it; others get 404; a bad file is shown on the form."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from omni.ledger import selectors as ledger
from omni.ledger.tests.factories import SYSTEM
from omni.party.tests.factories import client_for, make_world, user_with
from omni.payment.models import Transfer

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
DEALER = ["payment.transfer.view", "payment.transfer.create", "ledger.account.view"]
FINANCE = ["payment.transfer.view", "payment.transfer.approve", "ledger.account.view"]


def form(world, **over):
    data = {
        "customer": str(world.sh_dealer.pk),
        "amount": "6800.00",
        "bank_reference": "ABC2026120301",
        "paid_on": "2026-12-01",
        "payer_name": "上海浦江商贸有限公司",
        "voucher": SimpleUploadedFile("slip.png", PNG, content_type="image/png"),
    }
    data.update(over)
    return data


def test_a_dealer_registers_and_finance_confirms_with_the_voucher_in_view():
    world = make_world()
    dealer = client_for(user_with("dlr", DEALER, "own", customer=world.sh_dealer))
    page = dealer.get("/funds/transfers/new/")
    assert page.status_code == 200 and "上海浦江商贸有限公司" in page.content.decode()
    assert "广州天河饮品批发部" not in page.content.decode()
    res = dealer.post("/funds/transfers/new/", form(world))
    assert res.status_code == 302, res.content.decode()[:2000]
    transfer = Transfer.objects.get()
    finance = client_for(user_with("fin", FINANCE, "org", org=world.east))
    detail = finance.get(f"/funds/transfers/{transfer.pk}/").content.decode()
    assert 'data-test="confirm"' in detail and "ABC2026120301" in detail
    voucher = finance.get(f"/funds/transfers/{transfer.pk}/voucher/")
    assert voucher.status_code == 200 and voucher["Content-Type"] == "image/png"
    assert b"".join(voucher.streaming_content) == PNG
    # the dealer sees its transfer but no decision buttons
    assert (
        'data-test="confirm"' not in dealer.get(f"/funds/transfers/{transfer.pk}/").content.decode()
    )
    res = finance.post(f"/funds/transfers/{transfer.pk}/", {"action": "confirm"})
    assert res.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "confirmed"
    assert str(ledger.get_balance(SYSTEM, transfer.account_id).balance) == "6800.00"


def test_finance_rejects_with_a_reason():
    world = make_world()
    dealer = client_for(user_with("dlr", DEALER, "own", customer=world.sh_dealer))
    dealer.post("/funds/transfers/new/", form(world))
    transfer = Transfer.objects.get()
    finance = client_for(user_with("fin", FINANCE, "org", org=world.east))
    res = finance.post(f"/funds/transfers/{transfer.pk}/", {"action": "reject", "reason": ""})
    assert res.status_code == 200
    res = finance.post(f"/funds/transfers/{transfer.pk}/", {"action": "reject", "reason": "未到账"})
    assert res.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "rejected" and transfer.reason == "未到账"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        (
            {"voucher": SimpleUploadedFile("slip.pdf", b"%PDF-1.7", content_type="image/png")},
            "voucher",
        ),
        ({"amount": "0"}, "amount"),
        ({"bank_reference": "含 空格"}, "bank_reference"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_written(over, field):
    world = make_world()
    dealer = client_for(user_with("dlr", DEALER, "own", customer=world.sh_dealer))
    res = dealer.post("/funds/transfers/new/", form(world, **over))
    assert res.status_code == 200
    assert field in res.context["form"].errors
    assert not Transfer.objects.exists()


def test_a_duplicate_reference_is_shown_on_its_field():
    world = make_world()
    dealer = client_for(user_with("dlr", DEALER, "own", customer=world.sh_dealer))
    dealer.post("/funds/transfers/new/", form(world))
    res = dealer.post("/funds/transfers/new/", form(world))
    assert res.status_code == 200 and "bank_reference" in res.context["form"].errors
    assert Transfer.objects.count() == 1


def test_another_dealers_transfer_and_voucher_are_404():
    world = make_world()
    gz = client_for(user_with("gz", DEALER, "own", customer=world.gz_dealer))
    dealer = client_for(user_with("dlr", DEALER, "own", customer=world.sh_dealer))
    dealer.post("/funds/transfers/new/", form(world))
    transfer = Transfer.objects.get()
    assert gz.get(f"/funds/transfers/{transfer.pk}/").status_code == 404
    assert gz.get(f"/funds/transfers/{transfer.pk}/voucher/").status_code == 404
    assert "ABC2026120301" not in gz.get("/funds/transfers/").content.decode()

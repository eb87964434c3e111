"""Holds, journal entries, top-up records and deposit interest pages: finance sees its scope,
a dealer its own (and no journal entries), filters narrow, exports answer an xlsx, an entry
is reversed from its page once, and the fund sub-navigation links only to pages that open."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation

from omni.kernel import clock
from omni.ledger import selectors as ledger
from omni.ledger.errors import AlreadyReversed
from omni.ledger.models import InterestPolicy, JournalEntry
from omni.ledger.services.accounts import open_account
from omni.ledger.services.holds import hold_funds, release_hold
from omni.ledger.services.interest import post_deposit_interest
from omni.ledger.services.posting import post_entry
from omni.ledger.tests.factories import SYSTEM, make_funds, top_up
from omni.party.tests.factories import client_for, user_with
from omni.payment.models import TopUp

pytestmark = pytest.mark.django_db

FINANCE = [
    "ledger.account.view",
    "ledger.account.edit",
    "ledger.account.export",
    "ledger.entry.view",
    "ledger.entry.export",
    "ledger.entry.approve",
    "ledger.hold.view",
    "payment.topup.view",
]
READER = ["ledger.account.view", "ledger.entry.view", "ledger.hold.view", "payment.topup.view"]
DEALER = [
    "ledger.account.view",
    "ledger.hold.view",
    "payment.topup.view",
    "payment.topup.create",
    "payment.transfer.view",
]


@pytest.fixture
def funds():
    f = make_funds()
    f.sh_entry = top_up(f.cash, f.bank, "1234.50", key="sh-top-up").id
    f.gz_entry = top_up(f.gz_cash, f.gz_bank, "99", key="gz-top-up").id
    f.store_entry = top_up(f.store_cash, f.bank, "88", key="store-top-up").id  # nothing held
    hold_funds(actor=SYSTEM, account_id=f.cash, amount="200", source_type="order", source_id="SO-9")
    gone = hold_funds(
        actor=SYSTEM, account_id=f.cash, amount="30", source_type="order", source_id="SO-8"
    )
    release_hold(actor=SYSTEM, hold_id=gone.pk)
    hold_funds(
        actor=SYSTEM, account_id=f.gz_cash, amount="50", source_type="order", source_id="SO-GZ"
    )
    world = f.world
    for no, customer, account, provider, status in (
        ("TU-SH-1", world.sh_dealer, f.cash, "alipay", "paid"),
        ("TU-SH-2", world.sh_dealer, f.cash, "wechatpay", "created"),
        ("TU-GZ-1", world.gz_dealer, f.gz_cash, "alipay", "paid"),
    ):
        TopUp.objects.create(
            org=customer.org,
            customer=customer,
            account_id=account,
            provider=provider,
            out_trade_no=no,
            amount=10000,
            status=status,
        )
    return f


def finance(funds, perms=FINANCE, name="fin"):
    return client_for(user_with(name, perms, "org", org=funds.world.east))


def dealer(funds):
    return client_for(user_with("dlr", DEALER, "own", customer=funds.world.sh_dealer))


def sheet_values(res) -> list:
    assert res.status_code == 200
    assert res["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(res.streaming_content))).active
    return [c.value for row in sheet.iter_rows() for c in row]


def subnav(html: str) -> str:
    nav = re.search(r'<nav class="party-subnav".*?</nav>', html, re.S)
    assert nav, "no fund sub-navigation"
    return nav.group(0)


# --- holds ------------------------------------------------------------------------------------


def test_finance_lists_the_holds_in_its_scope_filters_and_exports_them(funds):
    client = finance(funds)
    html = client.get("/funds/holds/").content.decode()
    assert 'data-source="SO-9"' in html and 'data-source="SO-8"' in html
    assert "SO-GZ" not in html and "广州天河饮品批发部" not in html
    assert "200.00" in html and f'href="/funds/accounts/{funds.cash}/"' in html
    held = client.get("/funds/holds/?status=released").content.decode()
    assert 'data-source="SO-8"' in held and 'data-source="SO-9"' not in held
    found = client.get("/funds/holds/?search=SO-9").content.decode()
    assert 'data-source="SO-9"' in found and 'data-source="SO-8"' not in found
    values = sheet_values(client.get("/funds/holds/export/?status=held"))
    assert "order SO-9" in values and "order SO-8" not in values and "order SO-GZ" not in values


def test_a_dealer_sees_what_its_own_orders_hold(funds):
    client = dealer(funds)
    html = client.get("/funds/holds/").content.decode()
    assert 'data-source="SO-9"' in html and "SO-GZ" not in html
    assert "SO-GZ" not in str(sheet_values(client.get("/funds/holds/export/")))


def test_holds_without_the_account_right_show_no_account_link(funds):
    client = finance(funds, ["ledger.hold.view"], name="holds-only")
    html = client.get("/funds/holds/").content.decode()
    assert 'data-source="SO-9"' in html and "/funds/accounts/" not in html


# --- journal entries --------------------------------------------------------------------------


def test_finance_lists_entries_filters_and_exports_them(funds):
    client = finance(funds)
    html = client.get("/funds/entries/").content.decode()
    assert f'data-entry="{funds.sh_entry}"' in html and "1,234.50" in html
    assert f'data-entry="{funds.gz_entry}"' not in html
    assert f'href="/funds/entries/{funds.sh_entry}/"' in html
    other = client.get("/funds/entries/?kind=grant").content.decode()
    assert f'data-entry="{funds.sh_entry}"' not in other
    today = clock.today()
    later = (today + dt.timedelta(days=2)).isoformat()
    assert f'data-entry="{funds.sh_entry}"' not in (
        client.get(f"/funds/entries/?date_from={later}").content.decode()
    )
    assert f'data-entry="{funds.sh_entry}"' in (
        client.get(f"/funds/entries/?date_from={today}&date_to={today}").content.decode()
    )
    assert f'data-entry="{funds.sh_entry}"' in (
        client.get("/funds/entries/?search=sh-top").content.decode()
    )
    values = sheet_values(client.get("/funds/entries/export/?kind=top_up"))
    assert funds.sh_entry in values and funds.gz_entry not in values
    assert Decimal("1234.50") in {Decimal(str(v)) for v in values if isinstance(v, int | float)}


def test_an_entry_page_shows_its_postings(funds):
    html = finance(funds).get(f"/funds/entries/{funds.sh_entry}/").content.decode()
    assert 'data-test="postings"' in html and "上海浦江商贸有限公司" in html
    assert "1234.50" in html and 'data-test="reverse"' in html
    assert f'href="/funds/accounts/{funds.cash}/"' in html


def test_reversing_from_the_page_posts_once_and_a_second_click_is_refused(funds):
    client = finance(funds)
    url = f"/funds/entries/{funds.store_entry}/"
    res = client.post(url, {"memo": "录错金额"}, follow=True)
    assert res.status_code == 200
    assert [m.level_tag for m in res.context["messages"]] == ["success"]
    reversal = JournalEntry.objects.get(reverses_id=funds.store_entry)
    assert reversal.memo == "录错金额" and reversal.kind == "reversal"
    html = res.content.decode()
    assert f'href="/funds/entries/{reversal.pk}/"' in html and 'data-test="reverse"' not in html
    assert ledger.get_balance(SYSTEM, funds.store_cash).balance == Decimal("0.00")
    # the same form sent again (a second click, a stale page): refused with a message
    res = client.post(url, {"memo": "again"}, follow=True)
    assert res.status_code == 200
    with translation.override(res.wsgi_request.LANGUAGE_CODE):
        refused = str(AlreadyReversed().message)
    assert [(m.level_tag, m.message) for m in res.context["messages"]] == [("error", refused)]
    assert refused in res.content.decode()
    assert JournalEntry.objects.filter(reverses_id=funds.store_entry).count() == 1
    # a reversal is final: no button on its page
    html = client.get(f"/funds/entries/{reversal.pk}/").content.decode()
    assert 'data-test="reverse"' not in html and f'href="{url}"' in html


def test_a_refused_reversal_is_a_message_not_a_500(funds):
    """200 of the 1,234.50 are held for an order: taking it all back is refused."""
    client = finance(funds)
    res = client.post(f"/funds/entries/{funds.sh_entry}/", {"memo": ""}, follow=True)
    assert res.status_code == 200
    assert [m.level_tag for m in res.context["messages"]] == ["error"]
    assert not JournalEntry.objects.filter(reverses_id=funds.sh_entry).exists()


def test_no_reverse_button_without_the_right_and_a_post_changes_nothing(funds):
    client = finance(funds, READER, name="reader")
    url = f"/funds/entries/{funds.sh_entry}/"
    assert 'data-test="reverse"' not in client.get(url).content.decode()
    client.post(url, {"memo": "x"})
    assert not JournalEntry.objects.filter(reverses_id=funds.sh_entry).exists()


def test_entries_are_404_to_a_dealer_and_foreign_entries_to_finance(funds):
    client = dealer(funds)
    assert client.get("/funds/entries/").status_code == 404
    assert client.get("/funds/entries/export/").status_code == 404
    assert client.get(f"/funds/entries/{funds.sh_entry}/").status_code == 404
    assert client.post(f"/funds/entries/{funds.sh_entry}/", {"memo": "x"}).status_code == 404
    fin = finance(funds)
    assert fin.get(f"/funds/entries/{funds.gz_entry}/").status_code == 404
    assert fin.post(f"/funds/entries/{funds.gz_entry}/", {"memo": "x"}).status_code == 404
    assert not JournalEntry.objects.filter(kind="reversal").exists()
    # export needs its own right
    assert finance(funds, READER, name="reader").get("/funds/entries/export/").status_code == 404


# --- online top-ups -----------------------------------------------------------------------------


def test_finance_lists_top_ups_filters_and_exports_them(funds):
    client = finance(funds)
    html = client.get("/funds/top-ups/").content.decode()
    assert 'data-trade="TU-SH-1"' in html and 'data-trade="TU-SH-2"' in html
    assert "TU-GZ-1" not in html
    sh1 = TopUp.objects.get(out_trade_no="TU-SH-1")
    assert f'href="/funds/top-ups/{sh1.pk}/"' in html
    wechat = client.get("/funds/top-ups/?provider=wechatpay").content.decode()
    assert 'data-trade="TU-SH-2"' in wechat and 'data-trade="TU-SH-1"' not in wechat
    paid = client.get("/funds/top-ups/?status=paid&search=TU-SH").content.decode()
    assert 'data-trade="TU-SH-1"' in paid and 'data-trade="TU-SH-2"' not in paid
    values = sheet_values(client.get("/funds/top-ups/export/"))
    assert "TU-SH-1" in values and "TU-GZ-1" not in values


def test_a_dealer_sees_its_own_top_ups_only(funds):
    client = dealer(funds)
    html = client.get("/funds/top-ups/").content.decode()
    assert 'data-trade="TU-SH-1"' in html and "TU-GZ-1" not in html
    assert 'data-test="new-top-up"' in html
    gz = TopUp.objects.get(out_trade_no="TU-GZ-1")
    assert client.get(f"/funds/top-ups/{gz.pk}/").status_code == 404


# --- deposit interest ---------------------------------------------------------------------------


def test_finance_sets_a_rate_and_sees_the_interest_paid(funds):
    world = funds.world
    deposit = open_account(actor=SYSTEM, type_code="deposit", customer_id=world.sh_dealer.pk)
    month = (clock.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    post_entry(
        actor=SYSTEM,
        kind="transfer",
        lines=[(deposit.pk, "100000"), (funds.bank, "-100000")],
        business_date=month,
    )
    client = finance(funds)
    res = client.post(
        "/funds/interest/", {"org": str(world.east.pk), "annual_rate": "3.65", "is_active": "on"}
    )
    assert res.status_code == 302
    policy = InterestPolicy.objects.get()
    assert policy.org_id == world.east.pk and policy.annual_rate == Decimal("3.65")
    post_deposit_interest(actor=SYSTEM, month=month)
    html = client.get("/funds/interest/").content.decode()
    assert f'data-org="{world.east.pk}"' in html and "3.65" in html
    postings = html.split('data-test="interest-postings"')[1]
    assert "上海浦江商贸有限公司" in postings and "/funds/entries/" in postings
    # a bad rate is shown on its field, nothing changes
    res = client.post("/funds/interest/", {"org": str(world.east.pk), "annual_rate": "101"})
    assert res.status_code == 200 and "annual_rate" in res.context["form"].errors
    assert InterestPolicy.objects.get().annual_rate == Decimal("3.65")
    # an organisation outside the scope is not offered
    res = client.post("/funds/interest/", {"org": str(world.south.pk), "annual_rate": "1"})
    assert res.status_code == 200 and "org" in res.context["form"].errors
    assert InterestPolicy.objects.count() == 1


def test_interest_page_without_the_edit_right_has_no_form_and_dealers_get_404(funds):
    InterestPolicy.objects.create(org=funds.world.south, annual_rate=Decimal("2"))
    client = finance(funds, READER, name="reader")
    html = client.get("/funds/interest/").content.decode()
    assert 'data-test="interest-form"' not in html and "华南子公司" not in html
    client.post("/funds/interest/", {"org": str(funds.world.east.pk), "annual_rate": "1"})
    assert InterestPolicy.objects.count() == 1
    assert dealer(funds).get("/funds/interest/").status_code == 404


# --- the sub-navigation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("perms", "portal", "expected"),
    [
        (FINANCE, False, {"accounts", "holds", "entries", "top-ups", "interest"}),
        (READER, False, {"accounts", "holds", "entries", "top-ups", "interest"}),
        (["ledger.hold.view"], False, {"holds"}),
        (["payment.topup.view"], False, {"top-ups"}),
        (DEALER, True, {"accounts", "holds", "transfers", "top-ups", "top-up"}),
    ],
)
def test_the_fund_subnav_links_only_to_pages_that_open(funds, perms, portal, expected):
    client = dealer(funds) if portal else finance(funds, perms, name="u")
    pages = {
        "accounts": "/funds/accounts/",
        "holds": "/funds/holds/",
        "entries": "/funds/entries/",
        "transfers": "/funds/transfers/",
        "top-ups": "/funds/top-ups/",
        "top-up": "/funds/top-up/",
        "interest": "/funds/interest/",
    }
    start = pages[sorted(expected)[0]]
    html = client.get(start).content.decode()
    nav = subnav(html)
    assert set(re.findall(r'data-section="([^"]+)"', nav)) == expected
    for link in re.findall(r'href="([^"]+)"', nav):
        assert client.get(link).status_code == 200, link
    for name, url in pages.items():
        if name not in expected:
            assert client.get(url).status_code == 404, url

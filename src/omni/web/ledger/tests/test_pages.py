"""Fund pool pages as finance and as a dealer: balances, statement, export; nothing of
another customer, no 500."""

from __future__ import annotations

import io

import openpyxl
import pytest

from omni.ledger.services.holds import hold_funds
from omni.ledger.tests.factories import SYSTEM, make_funds, top_up
from omni.party.tests.factories import client_for, user_with

pytestmark = pytest.mark.django_db

FINANCE = ["ledger.account.view", "ledger.account.export", "ledger.hold.view", "ledger.entry.view"]


@pytest.fixture
def funds():
    f = make_funds()
    top_up(f.cash, f.bank, "1234.50")
    top_up(f.gz_cash, f.gz_bank, "99")
    hold_funds(actor=SYSTEM, account_id=f.cash, amount="200", source_type="order", source_id="SO-9")
    return f


def test_finance_lists_accounts_with_balances_and_exports_them(funds):
    client = client_for(user_with("fin", FINANCE, "org", org=funds.world.east))
    res = client.get("/funds/accounts/")
    assert res.status_code == 200
    html = res.content.decode()
    assert "上海浦江商贸有限公司" in html and "1,234.50" in html and "1,034.50" in html
    assert "广州天河饮品批发部" not in html
    res = client.get("/funds/accounts/export/")
    assert res.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(res.streaming_content))).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "上海浦江商贸有限公司" in values and "广州天河饮品批发部" not in values


def test_an_account_page_shows_the_statement_and_holds(funds):
    client = client_for(user_with("fin", FINANCE, "org", org=funds.world.east))
    res = client.get(f"/funds/accounts/{funds.cash}/?date_from=2000-01-01&date_to=2100-01-01")
    assert res.status_code == 200
    html = res.content.decode()
    assert 'data-test="statement"' in html and "SO-9" in html and "1234.50" in html
    res = client.get(
        f"/funds/accounts/{funds.cash}/statement.xlsx?date_from=2000-01-01&date_to=2100-01-01"
    )
    assert res.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(res.streaming_content))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[-1][-1] in ("1234.50", 1234.5)


def test_a_bad_period_is_shown_not_a_500(funds):
    client = client_for(user_with("fin", FINANCE, "org", org=funds.world.east))
    res = client.get(f"/funds/accounts/{funds.cash}/?date_from=2026-13-01&date_to=x")
    assert res.status_code == 200


def test_a_dealer_sees_its_own_funds_only(funds):
    dealer = client_for(
        user_with("dlr", ["ledger.account.view"], "own", customer=funds.world.sh_dealer)
    )
    html = dealer.get("/funds/accounts/").content.decode()
    assert "上海浦江商贸有限公司" in html and "广州天河饮品批发部" not in html
    assert dealer.get(f"/funds/accounts/{funds.gz_cash}/").status_code == 404
    assert dealer.get(f"/funds/accounts/{funds.bank}/").status_code == 404
    assert dealer.get(f"/funds/accounts/{funds.cash}/").status_code == 200
    # no export button or route for a reader
    assert dealer.get("/funds/accounts/export/").status_code == 404


def test_a_user_without_ledger_rights_gets_404():
    make_funds()
    client = client_for(user_with("nobody", ["party.customer.view"], "all"))
    assert client.get("/funds/accounts/").status_code == 404


def test_the_dealer_confirms_a_month_and_finance_resolves_a_dispute_on_the_page(funds):
    import datetime as dt

    from omni.kernel import clock

    dealer = client_for(
        user_with(
            "dlr2",
            ["ledger.account.view", "ledger.statement.confirm"],
            "own",
            customer=funds.world.sh_dealer,
        )
    )
    finance = client_for(
        user_with(
            "fin2", ["ledger.account.view", "ledger.statement.resolve"], "org", org=funds.world.east
        )
    )
    last = (clock.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    url = f"/funds/accounts/{funds.cash}/"
    html = dealer.get(url).content.decode()
    assert f'data-test="confirm-{last}"' in html
    assert f'data-test="confirm-{last}"' not in finance.get(url).content.decode()
    res = dealer.post(url, {"action": "dispute", "month": last, "text": "少了一笔返利"})
    assert res.status_code == 302
    html = finance.get(url).content.decode()
    assert "少了一笔返利" in html and f'data-test="resolve-{last}"' in html
    finance.post(url, {"action": "resolve", "month": last, "text": "返利已于下月发放"})
    dealer.post(url, {"action": "confirm", "month": last})
    html = dealer.get(url).content.decode()
    assert f'data-test="confirm-{last}"' not in html

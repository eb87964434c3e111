"""The statement PDF download (对账单 PDF) from the account page, as finance and as a dealer,
and from the API: the same rights, data scope and period as the Excel export; without a
Chinese font on the server a clear 503 pdf_font_missing, never a 500 or a PDF of boxes."""

from __future__ import annotations

import pytest
from django.test import override_settings

from omni.ledger.services.accounts import counter_account
from omni.ledger.tests import pdftools
from omni.ledger.tests.factories import make_funds, top_up
from omni.party.tests.factories import client_for, user_with

pytestmark = pytest.mark.django_db

PERIOD = "date_from=2000-01-01&date_to=2100-01-01"
NO_FONT = "/nonexistent/NotoSansCJK-Regular.ttc"


@pytest.fixture
def funds():
    f = make_funds()
    top_up(f.cash, f.bank, "1234.50", key="TOP-1")
    top_up(f.cash, f.bank, "1000000", key="TOP-2")
    top_up(f.gz_cash, f.gz_bank, "99")
    return f


@pytest.fixture
def finance(funds):
    return client_for(user_with("fin", ["ledger.account.view"], "org", org=funds.world.east))


@pytest.fixture
def dealer(funds):
    return client_for(
        user_with("dlr", ["ledger.account.view"], "own", customer=funds.world.sh_dealer)
    )


def pdf_of(res) -> bytes:
    assert res.status_code == 200, res.content[:300]
    assert res["Content-Type"] == "application/pdf"
    assert "attachment" in res["Content-Disposition"] and ".pdf" in res["Content-Disposition"]
    return b"".join(res.streaming_content)


def test_finance_downloads_the_statement_pdf_from_the_account_page(funds, finance):
    html = finance.get(f"/funds/accounts/{funds.cash}/?{PERIOD}").content.decode()
    assert f'href="/funds/accounts/{funds.cash}/statement.pdf?{PERIOD}"' in html.replace(
        "&amp;", "&"
    )
    data = pdf_of(finance.get(f"/funds/accounts/{funds.cash}/statement.pdf?{PERIOD}"))
    text = pdftools.text(data)
    assert "对账单" in text and "上海浦江商贸有限公司" in text
    assert "清泉饮品集团" in text  # the brand
    assert "1,001,234.50" in text  # the closing balance, with thousands separators
    assert "广州天河饮品批发部" not in text
    [font] = pdftools.fonts(data)
    assert font["emb"] == "yes" and font["sub"] == "yes"
    assert len(data) < 1_000_000
    title = pdftools.ink(pdftools.page_image(data, 1, dpi=60), (85, 14, 125, 27))
    assert title > 0.05


def test_the_period_of_the_page_is_the_period_of_the_pdf(funds, finance):
    data = pdf_of(
        finance.get(
            f"/funds/accounts/{funds.cash}/statement.pdf?date_from=2001-02-03&date_to=2001-03-04"
        )
    )
    text = pdftools.text(data)
    assert "2001-02-03" in text and "2001-03-04" in text and "1,001,234.50" not in text


def test_a_dealer_downloads_its_own_statement_only(funds, dealer):
    data = pdf_of(dealer.get(f"/funds/accounts/{funds.cash}/statement.pdf?{PERIOD}"))
    assert "上海浦江商贸有限公司" in pdftools.text(data)
    assert dealer.get(f"/funds/accounts/{funds.gz_cash}/statement.pdf").status_code == 404
    assert dealer.get(f"/funds/accounts/{funds.bank}/statement.pdf").status_code == 404


def test_points_are_printed_in_whole_units(funds, dealer):
    top_up(funds.points, _points_issued(funds), "1500")
    text = pdftools.text(
        pdf_of(dealer.get(f"/funds/accounts/{funds.points}/statement.pdf?{PERIOD}"))
    )
    assert "1,500 PTS" in text and "1,500.00" not in text


def _points_issued(funds) -> int:
    return counter_account(funds.world.east_sales.pk, "points_issued", "PTS")


def test_without_a_chinese_font_the_page_answers_503_pdf_font_missing(funds, finance):
    with override_settings(OMNI_PDF_FONT=NO_FONT):
        res = finance.get(f"/funds/accounts/{funds.cash}/statement.pdf?{PERIOD}")
    assert res.status_code == 503
    assert res["Content-Type"].startswith("text/html")
    assert "pdf_font_missing" in res.content.decode()
    # still 404, not 503, outside the actor's scope
    with override_settings(OMNI_PDF_FONT=NO_FONT):
        assert finance.get(f"/funds/accounts/{funds.gz_cash}/statement.pdf").status_code == 404


def test_the_api_serves_the_pdf_in_the_callers_scope(funds, dealer):
    url = f"/api/v1/ledger/accounts/{funds.cash}/statement.pdf?{PERIOD}"
    data = pdf_of(dealer.get(url))
    assert "对账单" in pdftools.text(data)
    res = dealer.get(f"/api/v1/ledger/accounts/{funds.gz_cash}/statement.pdf?{PERIOD}")
    assert res.status_code == 404 and res.json()["code"] == "not_found"
    with override_settings(OMNI_PDF_FONT=NO_FONT):
        res = dealer.get(url)
    assert res.status_code == 503 and res.json()["code"] == "pdf_font_missing"

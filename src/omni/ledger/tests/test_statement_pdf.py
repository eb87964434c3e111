"""The statement PDF (对账单) as a document: Chinese glyphs from an embedded, subset CJK font
(not boxes), the figures of the statement, the table heading on every page, and a clear
refusal (pdf_font_missing) when the server has no Chinese font."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import translation

from omni.ledger import statement_pdf
from omni.ledger.selectors import Statement
from omni.ledger.statement_pdf import PdfFontMissing, StatementInfo, render_statement

from . import pdftools

# the ledger's conftest checks the ledger's books after every test: they need the database
pytestmark = pytest.mark.django_db

INFO = StatementInfo(
    organisation="清泉饮品集团 · 华东销售部",
    customer_name="上海浦江商贸有限公司",
    customer_code="C-SH-001",
    account_type="现金账户",
    currency="CNY",
    places=2,
    generated_at=dt.datetime(2026, 4, 1, 9, 30),
)


def statement(rows: int, *, places: int = 2) -> Statement:
    unit = Decimal(1).scaleb(-places)
    opening = Decimal("1000")
    balance = opening
    debits = credits = Decimal(0)
    lines = []
    for i in range(rows):
        amount = (Decimal("-2500.5") if i % 3 == 0 else Decimal("123456.78")).quantize(unit)
        balance += amount
        if amount < 0:
            debits -= amount
        else:
            credits += amount
        lines.append(
            {
                "date": dt.date(2026, 1, 1) + dt.timedelta(days=i % 28),
                "kind": "capture" if amount < 0 else "top_up",
                "memo": f"第{i}笔 货款"
                if i % 7
                else "一段很长的摘要文字，用于检查表格里的自动换行",
                "source_type": "order",
                "source_id": f"SO-{i:05d}",
                "amount": amount,
                "balance": balance,
            }
        )
    return Statement(
        1,
        "CNY",
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 31),
        opening,
        balance,
        debits,
        credits,
        lines,
    )


def test_the_pdf_prints_the_statement_in_chinese_with_an_embedded_subset_font():
    st = statement(12)
    with translation.override("zh-hans"):
        data = render_statement(st, INFO)
    assert data.startswith(b"%PDF-")
    assert len(data) < 200_000  # subset: the font file itself is 19 MB
    text = pdftools.text(data)
    for expected in (
        "对账单",
        "清泉饮品集团 · 华东销售部",
        "上海浦江商贸有限公司",
        "C-SH-001",
        "现金账户",
        "2026-01-01",
        "2026-03-31",
        "期初余额",
        "1,000.00",
        "期末余额",
        f"{st.closing:,.2f}",
        f"{st.debits:,.2f}",
        f"{st.credits:,.2f}",
        "订单扣款",  # the entry kind's label, not its code
        "SO-00011",
    ):
        assert expected in text, expected
    [font] = pdftools.fonts(data)
    assert (font["emb"], font["sub"], font["uni"]) == ("yes", "yes", "yes")


def test_the_title_is_drawn_in_ink():
    with translation.override("zh-hans"):
        data = render_statement(statement(3), INFO)
    page = pdftools.page_image(data, 1, dpi=60)
    assert page.size[1] == 702  # A4 at 60 dpi
    title = pdftools.ink(page, (85, 14, 125, 27))  # the centred 20 pt title
    beside = pdftools.ink(page, (60, 14, 84, 27))
    margin = pdftools.ink(page, (0, 0, 14, 14))
    assert title > 0.05 and beside == 0 and margin == 0


def test_a_long_statement_runs_over_pages_with_the_heading_repeated():
    st = statement(150)
    with translation.override("en"):
        data = render_statement(st, INFO)
    count = pdftools.pages(data)
    assert count >= 3
    for page in range(1, count + 1):
        text = pdftools.text(data, page)
        assert "Source document" in text and "Balance" in text, page
        assert f"Page {page} of {count}" in text
        assert "Generated at 2026-04-01 09:30" in text
    assert "Statement" in pdftools.text(data, 1)
    last = pdftools.text(data, count)
    assert "Closing balance" in last and f"{st.closing:,.2f}" in last
    assert len(data) < 1_000_000


def test_points_print_in_whole_units():
    st = statement(4, places=0)
    info = dataclasses.replace(INFO, places=0, currency="PTS")
    with translation.override("zh-hans"):
        text = pdftools.text(render_statement(st, info))
    assert f"{int(st.closing):,} PTS" in text and f"{st.closing:,.2f}" not in text


def test_an_empty_period_says_so():
    with translation.override("en"):
        text = pdftools.text(render_statement(statement(0), INFO))
    assert "No movements in this period." in text and "1,000.00" in text


def test_amounts_have_thousands_separators_and_the_units_decimals():
    assert statement_pdf.amount_text(Decimal("1234567.5"), 2) == "1,234,567.50"
    assert statement_pdf.amount_text(Decimal("-2500.5"), 2) == "-2,500.50"
    assert statement_pdf.amount_text(Decimal("1234"), 0) == "1,234"


def test_the_font_is_found_without_configuration_and_the_lookup_is_cached():
    found = statement_pdf.find_font()
    assert found is not None and found.path.endswith((".ttc", ".otf", ".ttf", ".otc"))
    assert statement_pdf.find_font() is found


@pytest.mark.parametrize("path", ["/nonexistent/font.ttf", "/etc/hostname", __file__])
def test_without_a_chinese_font_rendering_refuses(path):
    with override_settings(OMNI_PDF_FONT=path):
        assert statement_pdf.find_font() is None
        with pytest.raises(PdfFontMissing) as caught:
            render_statement(statement(1), INFO)
    assert caught.value.code == "pdf_font_missing" and caught.value.status == 503


def test_a_font_without_chinese_glyphs_is_not_used(tmp_path):
    from fontTools.fontBuilder import FontBuilder

    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "A"])
    fb.setupCharacterMap({ord("A"): "A"})
    fb.setupGlyf({".notdef": _empty_glyph(), "A": _empty_glyph()})
    fb.setupHorizontalMetrics({".notdef": (500, 0), "A": (500, 0)})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Latin Only", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    latin = tmp_path / "latin.ttf"
    fb.save(str(latin))
    with override_settings(OMNI_PDF_FONT=str(latin)):
        assert statement_pdf.find_font() is None


def _empty_glyph():
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    return TTGlyphPen(None).glyph()


def test_fontconfig_is_asked_when_no_known_path_has_the_font(monkeypatch):
    monkeypatch.setattr(statement_pdf, "KNOWN_FONT_PATHS", ())
    found = statement_pdf._find_font.__wrapped__("")  # past the cache
    assert found is not None and found == statement_pdf.find_font()

"""A fund account's statement (对账单) as a PDF: A4, Chinese text in an embedded, subset CJK
font, the movements in a table whose header repeats on every page, "第 x / y 页".

`render_statement(statement, info)` is a pure function of the statement (from
`selectors.get_statement`) and its header facts: no request, no database. Texts follow the
active language (gettext, English msgids).

The font: the setting ``OMNI_PDF_FONT`` (a .ttf/.otf/.ttc path; when set, it is the only
one tried), else the known install paths of Noto Sans CJK, else what fontconfig answers
(``fc-match``). A font counts only if it has the glyphs of Chinese text, so a wrong font
never yields a PDF of empty boxes: without one, rendering raises `PdfFontMissing` (HTTP 503,
code ``pdf_font_missing``). The lookup is cached per configured value.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from fpdf import FPDF

from omni.kernel.errors import DomainError, coded

from .selectors import Statement
from .types import EntryKind

log = logging.getLogger("omni.ledger")

PDF_CONTENT_TYPE = "application/pdf"

PdfFontMissing = coded(
    DomainError,
    "pdf_font_missing",
    gettext_lazy(
        "The PDF cannot be made: no Chinese font is installed on the server. "
        "Ask the administrator to install fonts-noto-cjk or set OMNI_PDF_FONT."
    ),
    status=503,
)

# Where distributions install Noto Sans CJK (Debian/Ubuntu, Fedora, Arch, Alpine) and a few
# other common Chinese fonts; fontconfig is asked after these.
KNOWN_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
FC_PATTERNS = ("Noto Sans CJK SC", ":lang=zh-cn")
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
PROBE = "对账单余额期初"  # a font without these glyphs would print boxes


@dataclass(frozen=True, slots=True)
class FontFile:
    path: str
    index: int = 0  # the face in a .ttc/.otc collection


@dataclass(frozen=True, slots=True)
class StatementInfo:
    """The header facts of a statement, as they are to be printed."""

    organisation: str  # the brand / issuing organisation
    customer_name: str
    customer_code: str
    account_type: str
    currency: str
    places: int  # decimals of the account's unit (0 for points)
    generated_at: dt.datetime


def statement_info(account: Any, *, generated_at: dt.datetime) -> StatementInfo:
    """The header facts of an account (from `selectors.get_account`): the brand (the root
    of the organisation tree) and the account's organisation, the holder, the unit."""
    from omni.tenancy.scope import path_ids
    from omni.tenancy.selectors import organizations

    org = account.org
    root = (path_ids(org.path or "") or [org.pk])[0]
    brand = organizations().filter(pk=root).values_list("name", flat=True).first()
    issuer = f"{brand} · {org.name}" if brand and brand != org.name else str(org.name)
    holder = account.customer if account.customer_id else org
    return StatementInfo(
        organisation=issuer,
        customer_name=holder.name,
        customer_code=holder.code,
        account_type=account.type.name,
        currency=account.currency,
        places=account.type.places,
        generated_at=generated_at,
    )


# --- font lookup ---------------------------------------------------------------------------


def find_font() -> FontFile | None:
    """The CJK font to embed, or None. Cached per value of ``OMNI_PDF_FONT``."""
    return _find_font(str(getattr(settings, "OMNI_PDF_FONT", "") or ""))


@functools.lru_cache(maxsize=8)
def _find_font(configured: str) -> FontFile | None:
    if configured:
        found = _usable(configured)
        if found is None:
            log.warning("OMNI_PDF_FONT=%s is not a usable Chinese font", configured)
        return found
    for path in KNOWN_FONT_PATHS:
        if (found := _usable(path)) is not None:
            return found
    for pattern in FC_PATTERNS:
        if (path := _fc_match(pattern)) and (found := _usable(path)) is not None:
            return found
    log.warning("no Chinese font for PDF documents (install fonts-noto-cjk or set OMNI_PDF_FONT)")
    return None


def _fc_match(pattern: str) -> str | None:
    try:
        done = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            ["fc-match", "-f", "%{file}", pattern],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def _usable(path: str) -> FontFile | None:
    """The face of the font file at `path` that has Chinese glyphs (in a collection, the
    Simplified Chinese face first), or None."""
    if not path.lower().endswith(FONT_SUFFIXES) or not os.path.isfile(path):
        return None
    from fontTools import ttLib

    try:
        if path.lower().endswith((".ttc", ".otc")):
            collection = ttLib.TTCollection(path, lazy=True)
            faces = list(enumerate(collection.fonts))
        else:
            faces = [(0, ttLib.TTFont(path, lazy=True))]
        for index, face in sorted(faces, key=lambda f: _preference(f[1], f[0])):
            cmap = face.getBestCmap() or {}
            if all(ord(ch) in cmap for ch in PROBE):
                return FontFile(path, index)
    except Exception:  # any unreadable file is simply not a usable font
        log.warning("cannot read font %s", path, exc_info=True)
    return None


def _preference(face: Any, index: int) -> tuple[int, int]:
    name = str(face["name"].getDebugName(4) or face["name"].getDebugName(1) or "")
    words = name.replace("-", " ").split()
    rank = 0 if "SC" in words or "GB" in name else 1
    if "Mono" in words:
        rank += 2
    return rank, index


# --- rendering -----------------------------------------------------------------------------

FAMILY = "cjk"
MARGIN = 15  # mm
INK = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (206, 212, 218)
HEAD_FILL = (236, 240, 244)
# the movements table: date, type, memo, source document, amount, balance (mm, 180 in all)
COLUMNS = (20, 20, 54, 32, 27, 27)
ALIGN = ("L", "L", "L", "L", "R", "R")
LINE_H = 4.5  # mm per line of text in a cell
CELL_PAD = 1.2  # mm left and right of a cell's text
ROW_PAD = 1.2  # mm above and below a row's text


def amount_text(value: Decimal | int, places: int) -> str:
    """Thousands separators and the unit's decimals: 1,234.50 (points: 1,234)."""
    return f"{Decimal(value):,.{max(places, 0)}f}"


def kind_label(kind: str) -> str:
    return str(EntryKind(kind).label) if kind in EntryKind.values else kind


def render_statement(
    statement: Statement, info: StatementInfo, *, font: FontFile | None = None
) -> bytes:
    """The statement as PDF bytes. Raises `PdfFontMissing` without a Chinese font."""
    font = font or find_font()
    if font is None:
        raise PdfFontMissing()
    pdf = _StatementPdf(font, info)
    pdf.add_page()
    _heading(pdf, statement, info)
    _movements(pdf, statement, info)
    _totals(pdf, statement, info)
    return bytes(pdf.output())


class _StatementPdf(FPDF):
    def __init__(self, font: FontFile, info: StatementInfo) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.info = info
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 5)
        self.add_font(FAMILY, "", font.path, collection_font_number=font.index)
        self.set_font(FAMILY, size=9)
        self.set_text_color(*INK)
        self.set_title(_("Statement"))
        self.set_author(info.organisation)
        self.set_creator("Omni")
        self.set_creation_date(info.generated_at)
        self.alias_nb_pages("{nb}")

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font(FAMILY, size=8)
        self.set_text_color(*MUTED)
        generated = _("Generated at %(time)s") % {
            "time": f"{self.info.generated_at:%Y-%m-%d %H:%M}"
        }
        self.cell(self.epw / 2, 5, generated, align="L")
        page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(self.epw / 2, 5, page, align="R")
        self.set_text_color(*INK)


def _heading(pdf: _StatementPdf, st: Statement, info: StatementInfo) -> None:
    pdf.set_font(FAMILY, size=20)
    pdf.cell(0, 11, _("Statement"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=11)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 7, info.organisation, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(4)
    customer = info.customer_name
    if info.customer_code:
        customer = f"{customer}（{info.customer_code}）"
    facts = [
        (_("Customer"), customer),
        (_("Account type"), info.account_type),
        (_("Currency"), info.currency),
        (_("Period"), f"{st.date_from:%Y-%m-%d} — {st.date_to:%Y-%m-%d}"),
    ]
    pdf.set_font(FAMILY, size=10)
    for label, value in facts:
        pdf.set_text_color(*MUTED)
        pdf.cell(28, 6, label)
        pdf.set_text_color(*INK)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _amount_line(pdf, _("Opening balance"), amount_text(st.opening, info.places), info)
    pdf.ln(2)


def _amount_line(
    pdf: _StatementPdf, label: str, amount: str, info: StatementInfo, size: int = 10
) -> None:
    pdf.set_font(FAMILY, size=size)
    pdf.cell(pdf.epw - 60, 7, label)
    pdf.cell(60, 7, f"{amount} {info.currency}", align="R", new_x="LMARGIN", new_y="NEXT")


def _movements(pdf: _StatementPdf, st: Statement, info: StatementInfo) -> None:
    """The movements table, drawn row by row (fpdf2's generic table lays a row out several
    times: too slow for a statement of thousands of lines); the heading row repeats at the
    top of every page the table runs onto."""
    headings = [_("Date"), _("Type"), _("Memo"), _("Source document"), _("Amount"), _("Balance")]
    pdf.set_font(FAMILY, size=8.5)
    pdf.set_draw_color(*RULE)
    pdf.set_fill_color(*HEAD_FILL)
    _row(pdf, headings, headings=None)
    if not st.lines:
        pdf.cell(sum(COLUMNS), 8, _("No movements in this period."), align="C")
        pdf.ln(8)
    for line in st.lines:
        cells = [
            f"{line['date']:%Y-%m-%d}",
            kind_label(str(line["kind"])),
            str(line.get("memo") or "—"),
            str(line.get("source_id") or line.get("source_type") or "—"),
            amount_text(line["amount"], info.places),
            amount_text(line["balance"], info.places),
        ]
        _row(pdf, cells, headings=headings)
    pdf.ln(3)


def _row(pdf: _StatementPdf, cells: list[str], *, headings: list[str] | None) -> None:
    """One table row (the heading row when `headings` is None): text wraps inside its
    column; a row that does not fit goes to the next page, under a repeated heading row."""
    inner = [w - 2 * CELL_PAD for w in COLUMNS]
    cells = [" ".join(text.split()) for text in cells]  # tabs and line breaks: one space
    lines = [
        [text]
        if pdf.get_string_width(text) <= width
        else pdf.multi_cell(
            width, LINE_H, text, dry_run=True, output="LINES", wrapmode="WORD", padding=0
        )
        for text, width in zip(cells, inner, strict=True)
    ]
    height = max(len(texts) for texts in lines) * LINE_H + 2 * ROW_PAD
    if headings is not None and pdf.will_page_break(height):
        pdf.add_page()
        _row(pdf, headings, headings=None)
    x0, y0 = pdf.l_margin, pdf.get_y()
    if headings is None:
        pdf.rect(x0, y0, sum(COLUMNS), height, style="F")
    x = x0
    for texts, width, align in zip(lines, COLUMNS, ALIGN, strict=True):
        for n, text in enumerate(texts):
            pdf.set_xy(x + CELL_PAD, y0 + ROW_PAD + n * LINE_H)
            pdf.cell(width - 2 * CELL_PAD, LINE_H, text, align=align)
        x += width
    pdf.line(x0, y0 + height, x0 + sum(COLUMNS), y0 + height)
    pdf.set_xy(x0, y0 + height)


def _totals(pdf: _StatementPdf, st: Statement, info: StatementInfo) -> None:
    if pdf.will_page_break(24):
        pdf.add_page()
    _amount_line(pdf, _("Total debits"), amount_text(st.debits, info.places), info)
    _amount_line(pdf, _("Total credits"), amount_text(st.credits, info.places), info)
    pdf.set_draw_color(*RULE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
    _amount_line(pdf, _("Closing balance"), amount_text(st.closing, info.places), info, size=12)

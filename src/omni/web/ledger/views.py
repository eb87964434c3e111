"""Fund pool pages (资金池): the accounts list (with balances, filters and Excel export) and an
account's page with its statement (对账单) for a period, exportable, and its holds. The same
pages serve finance in the console and a dealer in the portal: the selectors apply the one
scope rule, so a dealer sees only its own (and its lower-level stores') accounts."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from omni.kernel import clock
from omni.kernel.actors import Actor
from omni.ledger import selectors, statement_pdf
from omni.ledger.calculations import from_minor
from omni.ledger.services import statements
from omni.ledger.types import AccountStatus

from ..excel import xlsx_response
from ..forms import DateInput, FilterForm, choice_filter, search_field
from ..outcomes import flash_errors
from ..permissions import needs, needs_all
from ..tables import Column, ListPage, Table, badge, detail_link, filtered_by, narrowed
from .common import fund_page

VIEW = "ledger.account.view"


def _money(row: Any, minor: int | None) -> str:
    return f"{from_minor(minor or 0, row.type.places):,}"


ACCOUNTS = Table(
    "ledger.accounts",
    title=_("Fund accounts"),
    default_sort="customer",
    row_attrs=lambda a: {"data-account": a.pk},
    columns=[
        Column(
            "customer",
            _("Customer"),
            lambda a: a.customer.name if a.customer_id else a.org.name,
            sort=("customer__name", "type__sort_order"),
            link=detail_link("ledger:account-detail"),
        ),
        Column("code", _("Customer code"), "customer.code", format="code", css="nowrap"),
        Column("type", _("Account type"), "type.name", sort=("type__sort_order", "customer__name")),
        Column("currency", _("Currency"), "currency", css="nowrap"),
        Column(
            "balance",
            _("Balance"),
            lambda a: _money(a, a.balance_minor),
            sort=("balance_minor", "pk"),
            export=lambda a: from_minor(a.balance_minor or 0, a.type.places),
            css="num",
        ),
        Column(
            "frozen",
            _("Held"),
            lambda a: _money(a, a.frozen_minor),
            export=lambda a: from_minor(a.frozen_minor or 0, a.type.places),
            css="num",
        ),
        Column(
            "available",
            _("Available"),
            lambda a: _money(a, (a.balance_minor or 0) - (a.frozen_minor or 0)),
            export=lambda a: from_minor(
                (a.balance_minor or 0) - (a.frozen_minor or 0), a.type.places
            ),
            css="num",
        ),
        Column(
            "status",
            _("Status"),
            lambda a: a.get_status_display(),
            html=lambda a: badge(
                "active" if a.status == "active" else "frozen", a.get_status_display()
            ),
        ),
    ],
)


class AccountFilterForm(FilterForm):
    search = search_field()
    type = forms.ChoiceField(label=_("Account type"), required=False)
    status = choice_filter(_("Status"), AccountStatus.choices)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("All"))] + [
            (t.code, t.name) for t in selectors.list_account_types(actor)
        ]


def _page(actor: Actor, **context: Any) -> dict[str, Any]:
    return fund_page(actor, "accounts", **context)


ACCOUNT_LIST = ListPage(
    ACCOUNTS,
    "ledger/account_list.html",
    filtered_by(
        AccountFilterForm,
        narrowed(
            selectors.list_accounts,
            search=("customer__code", "customer__name"),
            exact={"type": "type__code", "status": "status"},
        ),
    ),
    page=_page,
    export=("ledger.account.export", "ledger:account-export"),
)
account_list = needs(VIEW)(ACCOUNT_LIST.view)
account_export = needs_all("ledger.account.export", VIEW)(ACCOUNT_LIST.export_view)


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DateInput())
    date_to = forms.DateField(label=_("To"), widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise forms.ValidationError(_("The end date is before the start date."))
        return data


def _period(request: HttpRequest) -> tuple[PeriodForm, dt.date, dt.date]:
    today = clock.today()
    start = today.replace(day=1) - dt.timedelta(days=60)
    start = start.replace(day=1)
    form = PeriodForm(request.GET or {"date_from": start, "date_to": today})
    if form.is_valid():
        return form, form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    return form, start, today


def _months(actor: Actor, account: Any) -> list[dict[str, Any]]:
    """The last six ended months with the customer's answer, for the confirmation panel."""
    answered = {p.month: p for p in selectors.list_periods(actor, account.pk)[:24]}
    month = statements.month_start(clock.today())
    rows = []
    for _step in range(6):
        month = statements.month_start(month - dt.timedelta(days=1))
        rows.append({"month": month, "key": month.strftime("%Y-%m"), "period": answered.get(month)})
    return rows


def _answer(request: HttpRequest, actor: Actor, pk: int) -> None:
    action = request.POST.get("action")
    month = request.POST.get("month", "")
    text = request.POST.get("text", "")
    with flash_errors(request, _("Saved.")):
        if action == "confirm":
            statements.confirm_statement(actor=actor, account_id=pk, month=month)
        elif action == "dispute":
            statements.dispute_statement(
                actor=actor, account_id=pk, month=month, posting_ids=[], comment=text
            )
        elif action == "resolve":
            statements.resolve_dispute(actor=actor, account_id=pk, month=month, resolution=text)


@needs(VIEW)
def account_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    account = selectors.get_account(actor, pk)
    if request.method == "POST" and account.customer_id:
        _answer(request, actor, pk)
        return redirect(request.get_full_path())
    form, date_from, date_to = _period(request)
    statement = selectors.get_statement(actor, pk, date_from, date_to)
    holds = (
        list(selectors.list_holds(actor).filter(account_id=pk)[:50])
        if actor.can("ledger.hold.view")
        else None
    )
    places = account.type.places
    return render(
        request,
        "ledger/account_detail.html",
        _page(
            actor,
            account=account,
            balance=from_minor(account.balance_minor or 0, places),
            frozen=from_minor(account.frozen_minor or 0, places),
            available=from_minor(
                (account.balance_minor or 0) - (account.frozen_minor or 0), places
            ),
            statement=statement,
            form=form,
            holds=[(h, from_minor(h.amount, places)) for h in holds] if holds is not None else None,
            tabs=[
                ("statement", _("Statement")),
                *([("holds", _("Holds"))] if holds is not None else []),
            ],
            history=None,
            export_url=reverse("ledger:statement-export", args=[pk]),
            pdf_url=reverse("ledger:statement-pdf", args=[pk]),
            months=_months(actor, account) if account.customer_id else [],
            can_confirm=actor.can("ledger.statement.confirm"),
            can_resolve=actor.can("ledger.statement.resolve"),
        ),
    )


@needs(VIEW)
def statement_export(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    account = selectors.get_account(actor, pk)
    _form, date_from, date_to = _period(request)
    st = selectors.get_statement(actor, pk, date_from, date_to)
    who = account.customer.name if account.customer_id else account.org.name
    header = [
        str(_("Date")),
        str(_("Type")),
        str(_("Memo")),
        str(_("Source document")),
        str(_("Amount")),
        str(_("Balance")),
    ]
    rows: list[list[Any]] = [
        [str(_("Opening balance")), "", "", "", "", st.opening],
        *[
            [
                line["date"],
                line["kind"],
                line["memo"],
                f"{line['source_type']} {line['source_id']}".strip(),
                line["amount"],
                line["balance"],
            ]
            for line in st.lines
        ],
        [str(_("Closing balance")), "", "", "", "", st.closing],
    ]
    return xlsx_response(
        filename=f"statement-{pk}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.xlsx",
        sheet_title=f"{who} {account.type.name}"[:31],
        headers=header,
        rows=rows,
    )


@needs(VIEW)
def statement_pdf_download(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    """The statement of the period as a PDF (same rights, scope and period as the Excel)."""
    account = selectors.get_account(actor, pk)
    _form, date_from, date_to = _period(request)
    try:
        content = statement_pdf.render_statement(
            selectors.get_statement(actor, pk, date_from, date_to),
            statement_pdf.statement_info(account, generated_at=clock.local_now()),
        )
    except statement_pdf.PdfFontMissing as err:
        return render(
            request,
            "ledger/statement_pdf_unavailable.html",
            _page(
                actor,
                account=account,
                error=err,
                back_url=reverse("ledger:account-detail", args=[pk]),
            ),
            status=err.status,
        )
    return FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=f"statement-{pk}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.pdf",
        content_type=statement_pdf.PDF_CONTENT_TYPE,
    )

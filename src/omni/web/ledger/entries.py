"""Journal entries (记账凭证): the list (filters, Excel export) and an entry's page with its
postings, what it reverses or is reversed by, and the reversal (冲销) for those who may
approve entries. Console pages: a portal user without `ledger.entry.view` gets 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Max, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.ledger import selectors
from omni.ledger.calculations import from_minor
from omni.ledger.services.posting import reverse_entry
from omni.ledger.types import EntryKind

from ..forms import DateInput, FilterForm, choice_filter, search_field
from ..outcomes import flash_errors
from ..permissions import needs, needs_all
from ..tables import Column, ListPage, Table, detail_link, filtered_by
from .common import fund_page

VIEW = "ledger.entry.view"
EXPORT = "ledger.entry.export"
REVERSE = "ledger.entry.approve"  # what POST /api/v1/ledger/entries/{id}/reverse needs
KINDS = dict(EntryKind.choices)


def kind_label(kind: str) -> str:
    return str(KINDS.get(kind, kind))


def _total(e: Any) -> Any:
    return from_minor(e.total_minor or 0, e.places or 0)


ENTRIES = Table(
    "ledger.entries",
    title=gettext_lazy("Journal entries"),
    default_sort="-id",
    row_attrs=lambda e: {"data-entry": e.pk},
    columns=[
        Column(
            "id",
            gettext_lazy("Entry"),
            lambda e: f"#{e.pk}",
            sort=("id",),
            export=lambda e: e.pk,
            link=detail_link("ledger:entry-detail"),
            css="nowrap",
        ),
        Column(
            "business_date",
            gettext_lazy("Business date"),
            "business_date",
            sort=("business_date", "id"),
            format="date",
            css="nowrap",
        ),
        Column("kind", gettext_lazy("Type"), lambda e: kind_label(e.kind), sort=("kind", "id")),
        Column("memo", gettext_lazy("Memo"), "memo"),
        Column(
            "source",
            gettext_lazy("Source document"),
            lambda e: f"{e.source_type} {e.source_id}".strip(),
            format="code",
        ),
        Column("actor", gettext_lazy("Posted by"), "actor_name"),
        Column(
            "total",
            gettext_lazy("Amount"),
            lambda e: f"{_total(e):,}",
            sort=("total_minor", "id"),
            export=_total,
            css="num",
        ),
    ],
)


class EntryFilterForm(FilterForm):
    search = search_field(gettext_lazy("Memo or source document"))
    kind = choice_filter(gettext_lazy("Type"), EntryKind.choices)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())


def _entries(actor: Actor, form: EntryFilterForm) -> QuerySet[Any]:
    qs = selectors.list_entries(actor).annotate(
        total_minor=Sum("postings__amount", filter=Q(postings__amount__gt=0)),
        places=Max("postings__account__type__places"),
    )
    d = form.valid_data
    if search := (d.get("search") or "").strip():
        qs = qs.filter(Q(memo__icontains=search) | Q(source_id__icontains=search))
    if d.get("kind"):
        qs = qs.filter(kind=d["kind"])
    if d.get("date_from"):
        qs = qs.filter(business_date__gte=d["date_from"])
    if d.get("date_to"):
        qs = qs.filter(business_date__lte=d["date_to"])
    return qs


def _page(actor: Actor, **context: Any) -> dict[str, Any]:
    return fund_page(actor, "entries", **context)


ENTRY_LIST = ListPage(
    ENTRIES,
    "ledger/entry_list.html",
    filtered_by(EntryFilterForm, _entries, with_actor=False),
    page=_page,
    export=(EXPORT, "ledger:entry-export"),
)
entry_list = needs(VIEW)(ENTRY_LIST.view)
entry_export = needs_all(EXPORT, VIEW)(ENTRY_LIST.export_view)


class ReverseForm(forms.Form):
    memo = forms.CharField(label=gettext_lazy("Memo"), max_length=200, required=False)


def _lines(actor: Actor, entry: Any) -> tuple[list[dict[str, Any]], int]:
    """The entry's postings on accounts the actor may read, and how many others it has."""
    postings = list(
        selectors.list_postings(actor, permission=VIEW)
        .filter(entry_id=entry.pk)
        .select_related("account__customer", "account__org")
    )
    linked = actor.can("ledger.account.view")
    lines = []
    for p in postings:
        places = p.account.type.places
        account = p.account
        lines.append(
            {
                "posting": p,
                "account_type": account.type.name,
                "holder": account.customer.name if account.customer_id else account.org.name,
                "amount": from_minor(p.amount, places),
                "balance_after": None
                if p.balance_after is None
                else from_minor(p.balance_after, places),
                "url": reverse("ledger:account-detail", args=[account.pk]) if linked else None,
            }
        )
    return lines, entry.postings.count() - len(lines)


@needs(VIEW)
def entry_detail(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    entry = selectors.get_entry(actor, pk)
    if request.method == "POST" and actor.can(REVERSE):
        form = ReverseForm(request.POST)
        if form.is_valid():
            # a second click (or a stale page) is refused by the service, with its message
            with flash_errors(request, _("Entry reversed.")):
                reverse_entry(actor=actor, entry_id=pk, memo=form.cleaned_data["memo"])
            return redirect("ledger:entry-detail", pk)
    else:
        form = ReverseForm()
    reversed_by = getattr(entry, "reversed_by", None)  # none: the accessor raises
    can_reverse = (
        entry.reverses_id is None
        and reversed_by is None
        and selectors.entry_accounts_writable(actor, pk, permission=REVERSE)
    )
    lines, hidden = _lines(actor, entry)
    return render(
        request,
        "ledger/entry_detail.html",
        _page(
            actor,
            entry=entry,
            kind=kind_label(entry.kind),
            reversed_by=reversed_by,
            lines=lines,
            hidden_lines=hidden,
            can_reverse=can_reverse,
            reverse_form=form,
            tabs=[("postings", _("Postings"))],
            history=audit.history_rows("ledger.journalentry", pk),
        ),
    )

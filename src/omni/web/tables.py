"""Declarative list pages: a list's columns are declared once, and the page's table, its sort
map, pagination, saved filters and the Excel export all come from that one declaration.

    CUSTOMERS = Table(
        "party.customers",
        title=gettext_lazy("Customers"),
        default_sort="code",
        row_attrs=lambda c: {"data-code": c.code},
        columns=[
            Column("code", gettext_lazy("Customer code"), "code", sort=("code",),
                   link=lambda c: reverse("party:customer-detail", args=[c.pk])),
            Column("org", gettext_lazy("Organisation"), "org.name", sort=("org__name", "code")),
            Column("created_at", gettext_lazy("Created at"), "created_at", format="date",
                   sort=("created_at", "pk")),
        ],
    )

    def customer_list(request, actor):
        form, qs = ...filtered...
        return CUSTOMERS.render(
            request, "party/customer_list.html", qs, form=form,
            page=partial(_page, actor, "customers"),   # the app's page context
            export_url=export_url(actor, "party.customer.export", "party:customer-export"),
            can_create=...,                            # more context for the template
        )

    def customer_export(request, actor):
        form, qs = ...filtered...
        return CUSTOMERS.export(request, qs)

A column is shown on the page and exported unless told otherwise (``page=False`` for an
export-only column, ``export=False`` for a page-only one). On the page a cell shows
``html(row)`` when given, else the value (formatted by ``format``, linked by ``link``); the
export writes ``export(row)`` when given, else the raw value. The template extends
``web/components/list_page.html`` and declares no columns: the page renders `table_rows`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django import forms
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render as render_page
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.kernel import clock

from .excel import xlsx_response
from .listing import PER_PAGE_CHOICES, Listing, Sort, paginate, resolve_sort, saved_filters

EMPTY = "—"
EXPORT_CHUNK = 2000
FORMATS = {"date": "Y-m-d", "datetime": "Y-m-d H:i", "seconds": "Y-m-d H:i:s"}

Accessor = str | Callable[[Any], Any]


def resolve(row: Any, accessor: Accessor) -> Any:
    """`accessor` of `row`: a callable, or a dotted path ("org.name"; None part-way gives None;
    a callable attribute such as ``get_status_display`` is called)."""
    if callable(accessor):
        return accessor(row)
    value = row
    for part in accessor.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if callable(value):
            value = value()
    return value


def _local(value: Any) -> Any:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@dataclass(frozen=True)
class Column:
    key: str  # the name in ?sort= and in hide=
    label: Any
    value: Accessor  # the cell's value (page and export)
    sort: Sequence[str] | None = None  # order_by columns; None: not sortable
    export: Callable[[Any], Any] | bool = True  # the export value; False: not exported
    link: Callable[[Any], str] | None = None  # the cell links there
    html: Callable[[Any], Any] | None = None  # a rich cell (badges, tags); safe HTML
    format: str = ""  # "date" | "datetime" | "seconds" | "code"
    css: str = ""  # class of the <td>/<th> ("nowrap", "num")
    page: bool = True  # shown on the page
    title: Callable[[Any], Any] | None = None  # the <td>'s title (a tooltip)

    def cell(self, row: Any, *, linked: bool = True) -> SafeString:
        if self.html is not None:
            return format_html("{}", self.html(row))
        value = _local(resolve(row, self.value))
        if value is None or value == "":
            text: Any = EMPTY
        elif self.format in FORMATS and isinstance(value, dt.date):
            fmt = FORMATS[self.format]
            text = (
                format_html(
                    '<time datetime="{}">{}</time>', value.isoformat(), date_format(value, fmt)
                )
                if self.format == "seconds"
                else date_format(value, fmt)
            )
        else:
            text = value
        if self.format == "code" and text != EMPTY:
            text = format_html("<code>{}</code>", text)
        if linked and self.link is not None and text != EMPTY:
            return format_html('<a href="{}">{}</a>', self.link(row), text)
        return format_html("{}", text)

    def export_value(self, row: Any) -> Any:
        """The cell's value in the export (the kernel writer converts and guards it)."""
        return self.export(row) if callable(self.export) else resolve(row, self.value)


@dataclass(frozen=True)
class BoundRow:
    row: Any
    attrs: SafeString
    cells: list[tuple[Column, SafeString, Any]]


@dataclass(frozen=True)
class Table:
    name: str  # "<area>.<list>": the saved-filters key
    title: Any  # the sheet's title and the export file's name
    columns: Sequence[Column]
    default_sort: str
    row_attrs: Callable[[Any], dict[str, Any]] | None = None
    prepare: Callable[[list[Any]], Any] | None = None  # decorates a page/chunk of rows
    per_page_choices: tuple[int, ...] = PER_PAGE_CHOICES
    headers: Callable[[], Sequence[Any]] | None = None  # an export layout of its own:
    rows: Callable[[Any], Iterable[Sequence[Any]]] | None = None  # (headers, rows of a qs)
    _sorts: dict[str, Sequence[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sorts = {c.key: tuple(c.sort) for c in self.columns if c.sort}
        object.__setattr__(self, "_sorts", sorts)

    @property
    def sorts(self) -> dict[str, Sequence[str]]:
        return self._sorts

    def sort(self, request: HttpRequest) -> Sort:
        return resolve_sort(request, self._sorts, default=self.default_sort)

    def ordered(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.order_by(*self.sort(request).order_by)

    # --- the page ---------------------------------------------------------------------------

    def listing(self, request: HttpRequest, queryset: Any) -> Listing:
        sort = self.sort(request)
        listing = paginate(
            request,
            queryset.order_by(*sort.order_by),
            sort=sort,
            per_page_choices=self.per_page_choices,
        )
        rows = list(listing.page.object_list)
        if self.prepare is not None:
            rows = self.prepare(rows) or rows
        listing.page.object_list = rows
        return listing

    def bind(
        self,
        rows: Iterable[Any],
        *,
        hide: Sequence[str] = (),
        selected: Any = None,
        unlinked: Sequence[str] = (),
    ) -> list[BoundRow]:
        columns = self.visible(hide)
        bound = []
        for row in rows:
            attrs = dict(self.row_attrs(row)) if self.row_attrs else {}
            if selected is not None and getattr(row, "pk", None) == selected:
                attrs["class"] = "selected"
            html = format_html_join("", ' {}="{}"', attrs.items())
            cells = [
                (c, c.cell(row, linked=c.key not in unlinked), c.title(row) if c.title else None)
                for c in columns
            ]
            bound.append(BoundRow(row, html, cells))
        return bound

    def visible(self, hide: Sequence[str] = ()) -> list[Column]:
        return [c for c in self.columns if c.page and c.key not in hide]

    def page(
        self,
        request: HttpRequest,
        queryset: Any,
        *,
        form: forms.Form | None = None,
        export_url: str | None = None,
        hide: Sequence[str] = (),
        selected: Any = None,
        row_actions: str | None = None,
        unlinked: Sequence[str] = (),
    ) -> dict[str, Any]:
        """The list page's context: table, listing, bound rows, filter bar, saved filters,
        export button (when `export_url`), and `row_actions` (a template included in a last
        cell of each row, with the row as `row`). Columns named in `hide` are not shown, those in
        `unlinked` show no link (the actor may not open it)."""
        listing = self.listing(request, queryset)
        context: dict[str, Any] = {
            "table": self,
            "table_columns": self.visible(hide),
            "table_rows": self.bind(listing.rows, hide=hide, selected=selected, unlinked=unlinked),
            "listing": listing,
            "export_url": export_url,
            "row_actions": row_actions,
        }
        if form is not None:
            context["filter_form"] = form
            context.update(saved_filters(request, self.name, form))
        return context

    def render(
        self,
        request: HttpRequest,
        template: str,
        queryset: Any,
        *,
        page: Callable[..., dict[str, Any]],
        form: forms.Form | None = None,
        export_url: str | None = None,
        unlinked: Sequence[str] = (),
        row_actions: str | None = None,
        **context: Any,
    ) -> HttpResponse:
        """The list page: `template` with `page(**context)`, where context is this table's
        `page()` context and the extra `context` (``page`` adds the app's own: active area,
        section, sub-navigation)."""
        listing = self.page(
            request,
            queryset,
            form=form,
            export_url=export_url,
            unlinked=unlinked,
            row_actions=row_actions,
        )
        return render_page(request, template, page(**listing, **context))

    # --- the export -------------------------------------------------------------------------

    def export_columns(self) -> list[Column]:
        return [c for c in self.columns if c.export is not False]

    def export_rows(self, queryset: Any) -> Iterator[list[Any]]:
        """Every row of `queryset` as export values, `prepare`d a chunk at a time."""
        columns = self.export_columns()
        chunk: list[Any] = []
        for row in queryset.iterator(chunk_size=EXPORT_CHUNK):
            chunk.append(row)
            if len(chunk) == EXPORT_CHUNK:
                yield from self._export_chunk(chunk, columns)
                chunk = []
        if chunk:
            yield from self._export_chunk(chunk, columns)

    def _export_chunk(self, chunk: list[Any], columns: list[Column]) -> Iterator[list[Any]]:
        if self.prepare is not None:
            chunk = self.prepare(chunk) or chunk
        for row in chunk:
            yield [c.export_value(row) for c in columns]

    def export(self, request: HttpRequest, queryset: Any) -> FileResponse:
        """The .xlsx of every row that the page's filters and sort select."""
        if self.rows is not None and self.headers is not None:
            headers, rows = list(self.headers()), self.rows(queryset)
        else:
            headers = [c.label for c in self.export_columns()]
            rows = self.export_rows(self.ordered(request, queryset))
        stamp = clock.local_now().strftime("%Y%m%d-%H%M")
        title = str(self.title)
        return xlsx_response(
            filename=f"{title}-{stamp}.xlsx",
            sheet_title=title,
            headers=[str(h) for h in headers],
            rows=rows,
        )


# --- cells used on several lists ------------------------------------------------------------


def badge(css: str, text: Any, *, status: str = "") -> SafeString:
    """A status badge: ``<span class="status st-<css>" data-status="…">text</span>``."""
    if status:
        return format_html(
            '<span class="status st-{}" data-status="{}">{}</span>', css, status, text
        )
    return format_html('<span class="status st-{}">{}</span>', css, text)


def status_badge(row: Any, field_name: str = "status") -> SafeString:
    """The badge of a model's choice field: its value as css and data, its label as text."""
    value = getattr(row, field_name)
    return badge(value, getattr(row, f"get_{field_name}_display")(), status=value)


def tags(names: Iterable[Any]) -> SafeString:
    names = list(names)
    if not names:
        return format_html('<span class="muted">{}</span>', EMPTY)
    return format_html_join(" ", '<span class="tag">{}</span>', ((n,) for n in names))


def yes_no(flag: bool) -> str:
    return _("Yes") if flag else _("No")


def muted(text: Any) -> SafeString:
    return format_html('<span class="muted small">{}</span>', text)


def join(*parts: Any) -> SafeString:
    """Safe pieces (and escaped texts) side by side, separated by a space."""
    return mark_safe(" ".join(str(format_html("{}", p)) for p in parts if p))  # noqa: S308


def link(url: str, text: Any) -> SafeString:
    return format_html('<a href="{}">{}</a>', url, text)


def timestamp(key: str, label: Any, *, format: str = "datetime") -> Column:
    """A column of the row's date or time field `key`, sortable, ties broken by id."""
    return Column(key, label, key, sort=(key, "pk"), format=format, css="nowrap")


def created_at(label: Any = None, *, format: str = "date") -> Column:
    """The usual last column: when the row was created ("Created at" unless `label` says
    otherwise), sortable, ties broken by id."""
    return timestamp("created_at", label or gettext_lazy("Created at"), format=format)


def detail_link(url_name: str) -> Callable[[Any], str]:
    """A cell's link to the row's detail page: the URL `url_name` with the row's id."""
    return lambda row: reverse(url_name, args=[row.pk])


def export_url(actor: Any, permission: str, url_name: str) -> str | None:
    """The URL of a list's export button, for actors who hold `permission` (else no button)."""
    return reverse(url_name) if actor.can(permission) else None


# --- a list page and its export, declared once -----------------------------------------------

Filtered = Callable[[HttpRequest, Any], tuple[forms.Form | None, Any]]


def filtered_by(
    form: Callable[..., forms.Form], rows: Callable[[Any, Any], Any], *, with_actor: bool = True
) -> Filtered:
    """The usual ``(request, actor) -> (filter bar, rows)`` of a list: the filter bar
    (``form(request.GET or None[, actor=actor])``) bound to the query, its invalid fields shown
    on the page and left out of the filter, and ``rows(actor, form)``."""

    def filtered(request: HttpRequest, actor: Any) -> tuple[forms.Form, Any]:
        data = request.GET or None
        bar = form(data, actor=actor) if with_actor else form(data)
        if bar.is_bound:
            bar.is_valid()  # invalid fields are shown on the page and left out of the filter
        return bar, rows(actor, bar)

    return filtered


def narrowed(
    select: Callable[[Any], Any],
    *,
    search: Sequence[str] = (),
    exact: dict[str, str] | None = None,
) -> Callable[[Any, Any], Any]:
    """The ``rows(actor, form)`` of a usual list, declared: the selector's rows
    (``select(actor)``: permission and scope are its business) narrowed by the filter bar's
    valid fields. The ``search`` box matches any of the `search` lookups (icontains); each
    `exact` form field (``{"status": "status", "type": "type__code"}``) equals its value
    when one is chosen."""

    def rows(actor: Any, form: Any) -> Any:
        qs = select(actor)
        data = form.valid_data
        if search and (text := (data.get("search") or "").strip()):
            match = Q()
            for lookup in search:
                match |= Q(**{f"{lookup}__icontains": text})
            qs = qs.filter(match)
        for name, lookup in (exact or {}).items():
            value = data.get(name)
            if value not in (None, ""):
                qs = qs.filter(**{lookup: value})
        return qs

    return rows


@dataclass(frozen=True)
class ListPage:
    """A list page (`view`) and its Excel export (`export_view`): `table` over the rows that
    `filtered` selects, rendered with `template` in the app's page context (``page(actor,
    **context)``). `export` is the (permission, URL name) of the export button, `create` the
    permission that shows the "new" button (``can_create``), `context` more of the page's
    context (``(request, actor, **extra) -> dict``, else the `extra` given to `view`); a key
    ``row_actions`` there is the table's (see `Table.page`)."""

    table: Table
    template: str
    filtered: Filtered
    page: Callable[..., dict[str, Any]]
    export: tuple[str, str] | None = None
    create: str | None = None
    context: Callable[..., dict[str, Any]] | None = None

    def view(self, request: HttpRequest, actor: Any, **extra: Any) -> HttpResponse:
        form, qs = self.filtered(request, actor)
        context = self.context(request, actor, **extra) if self.context is not None else extra
        if self.create is not None:
            context["can_create"] = actor.can(self.create)
        return self.table.render(
            request,
            self.template,
            qs,
            form=form,
            page=partial(self.page, actor),
            export_url=export_url(actor, *self.export) if self.export else None,
            **context,
        )

    def export_view(self, request: HttpRequest, actor: Any) -> HttpResponse:
        _form, qs = self.filtered(request, actor)
        return self.table.export(request, qs)

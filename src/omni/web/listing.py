"""List pages: sorting and pagination done the same way on every page.

A list view does::

    sort = resolve_sort(request, SORTS, default="-at")
    listing = paginate(request, queryset.order_by(*sort.order_by), sort=sort)
    return render(request, "web/....html", {"listing": listing, ...})

and its template extends ``web/components/list_page.html`` (see the comment at its top).
`SORTS` maps the names allowed in ``?sort=`` to the columns they order by; anything else in
the URL falls back to the default, so a hand-edited URL never reaches the database.

A list with a filter bar also passes ``**saved_filters(request, "<area>.<list>", form)`` to
offer saved filters (``web/components/saved_filters.html``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PER_PAGE_CHOICES: tuple[int, ...] = (20, 50, 100)


@dataclass(frozen=True)
class Sort:
    key: str  # as written in the URL: "at" or "-at"
    order_by: tuple[str, ...]

    @property
    def field(self) -> str:
        return self.key.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.key.startswith("-")


def resolve_sort(
    request: HttpRequest, fields: Mapping[str, Sequence[str]], *, default: str
) -> Sort:
    """The sort asked for in ``?sort=name`` / ``?sort=-name``, or `default` if not allowed."""
    key = request.GET.get("sort", "") or default
    if key.removeprefix("-") not in fields:
        key = default
    descending = key.startswith("-")
    columns = fields[key.removeprefix("-")]
    order_by = tuple(
        (col[1:] if col.startswith("-") else f"-{col}") if descending else col for col in columns
    )
    return Sort(key, order_by)


@dataclass(frozen=True)
class Listing:
    """One page of a list, with what the pagination component needs."""

    page: Page
    per_page: int
    per_page_choices: tuple[int, ...]
    page_range: list[Any]  # page numbers, with Paginator.ELLIPSIS where elided
    sort: Sort | None = None

    @property
    def rows(self) -> list[Any]:
        return list(self.page.object_list)

    @property
    def total(self) -> int:
        return self.page.paginator.count


def paginate(
    request: HttpRequest,
    queryset: Any,
    *,
    sort: Sort | None = None,
    per_page_choices: tuple[int, ...] = PER_PAGE_CHOICES,
) -> Listing:
    """``?page=`` and ``?per_page=`` from the request; out-of-range pages show the last page."""
    try:
        per_page = int(request.GET.get("per_page", per_page_choices[0]))
    except ValueError:
        per_page = per_page_choices[0]
    if per_page not in per_page_choices:
        per_page = per_page_choices[0]
    paginator = Paginator(queryset, per_page)
    page = paginator.get_page(request.GET.get("page"))
    page_range = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return Listing(page, per_page, per_page_choices, page_range, sort)


# what a saved filter keeps besides the filter bar's own fields
SAVED_WITH_FILTERS = ("sort", "per_page")


def saved_filters(request: HttpRequest, name: str, form: forms.Form) -> dict[str, str]:
    """Context for web/components/saved_filters.html on the list `name` (e.g. "party.customers")
    whose filter bar is `form`: the localStorage key of this list and user, and the query a
    "save" keeps: the form's non-empty fields, the sort and the page size (not the page
    number, nor other forms' fields on the same page)."""
    keep = {form[field].html_name for field in form.fields} | set(SAVED_WITH_FILTERS)
    query = request.GET.copy()
    for key in list(query):
        values = [v for v in query.getlist(key) if v.strip()]
        if key in keep and values:
            query.setlist(key, values)
        else:
            del query[key]
    return {
        "saved_filters_key": f"omni.{name}.filters.{request.user.pk}",
        "saved_query": query.urlencode(),
    }

"""Each list's filters are declared once, in its domain (`omni.kernel.filters`): the API's
query schema offers exactly those filters, besides paging and ordering, so the page, the
export and the endpoint cannot drift apart."""

from __future__ import annotations

import pytest

from omni.access.filters import UserFilter
from omni.api.routers.access import UserFilter as UserQuery
from omni.api.routers.catalog.schemas import ProductFilter as ProductQuery
from omni.api.routers.exports import CustomerExportFilter, ProductExportFilter
from omni.api.routers.party.schemas import CustomerFilter as CustomerQuery
from omni.catalog.filters import ProductFilter
from omni.kernel.filters import build, names
from omni.party.filters import CustomerFilter

PAGING = {"page", "page_size", "ordering"}


@pytest.mark.parametrize(
    ("query", "description", "left_out"),
    [
        (CustomerQuery, CustomerFilter, set()),
        (CustomerExportFilter, CustomerFilter, {"province_code"}),
        (ProductQuery, ProductFilter, set()),
        (ProductExportFilter, ProductFilter, set()),
        (UserQuery, UserFilter, {"portal"}),  # the portal home's filter, not the API's
    ],
)
def test_api_query_offers_exactly_the_domain_filters(query, description, left_out):
    # given a list endpoint's query schema and its domain's filter description
    offered = set(query.model_fields) - PAGING
    # then the endpoint offers the declared filters and nothing else
    assert offered == set(names(description)) - left_out


def test_build_keeps_defaults_for_missing_values_and_ignores_other_keys():
    # given a query with an empty filter and keys that are not filters
    query = {"search": "C-1", "status": None, "page": 2, "ordering": "-code"}
    # when the filter is built
    built = build(CustomerFilter, query)
    # then only the given filters are set
    assert built == CustomerFilter(search="C-1")

"""Editing one product or SKU meets the rules of a bulk row (`services.product_rules`):
the page, the API and an Excel row get the same error code and details."""

from dataclasses import replace

import pytest

from omni.catalog.services import products
from omni.catalog.services.product_batch import check_products
from omni.catalog.types import ProductRow
from omni.kernel.errors import Conflict, InvalidInput

from .factories import ADMIN, UnitFactory, make_org, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    group = make_org("GRP")
    UnitFactory(code="bottle", name="瓶")
    make_product(group, "OTHER")
    return make_product(group, "MINE")


def bulk_issue(**fields):
    """The one issue of a bulk row (an Excel row) of a new product with `fields`."""
    row = ProductRow(
        product_code="NEW", product_name="新品", base_unit="bottle", sku_code="NEW-1", org="GRP"
    )
    (issue,) = check_products(actor=ADMIN, rows=[replace(row, **fields)]).issues
    return issue


@pytest.mark.parametrize("days", [0, -1, 36501, True])
def test_a_shelf_life_out_of_range_is_refused_alike(product, days):
    issue = bulk_issue(track_expiry=True, shelf_life_days=days)

    with pytest.raises(InvalidInput) as info:
        products.update_product(
            actor=ADMIN, product_id=product.pk, track_expiry=True, shelf_life_days=days
        )

    assert info.value.code == issue.code == "shelf_life_required"
    assert info.value.details["value"] == issue.detail["value"]


def test_an_unknown_status_is_refused_alike(product):
    issue = bulk_issue(status="在售")

    with pytest.raises(InvalidInput) as info:
        products.set_product_status(actor=ADMIN, product_id=product.pk, status="在售")

    assert (info.value.details["field"], info.value.details["allowed"]) == (
        issue.field,
        issue.detail["allowed"],
    )


def test_a_code_taken_but_for_letter_case_is_a_duplicate(product):
    with pytest.raises(Conflict) as info:
        products.update_product(actor=ADMIN, product_id=product.pk, code="other")
    assert info.value.code == "duplicate_code"
    # its own code in other letter case is no duplicate
    renamed = products.update_product(actor=ADMIN, product_id=product.pk, code="mine")
    assert renamed.code == "mine"

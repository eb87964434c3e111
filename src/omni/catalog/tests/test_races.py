"""Concurrent creations of the same code: one wins, the other gets a clean Conflict
(never an IntegrityError or a 500). Real threads, real transactions, on PostgreSQL."""

import pytest

from omni.catalog.models import Barcode, Product
from omni.catalog.services import barcodes, products
from omni.kernel.errors import Conflict
from omni.kernel.testing import race

from .factories import ADMIN, UnitFactory, ean13, make_org, make_product

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _outcome(result):
    assert len(result.ok) == 1, result.results
    [error] = result.errors
    assert isinstance(error, Conflict), repr(error)
    return error


@pytest.mark.parametrize("same_sku", [False, True], ids=["two-skus", "one-sku"])
def test_two_concurrent_creations_of_one_barcode(same_sku):
    org = make_org("RACE")
    product = make_product(org, "R", spec={"规格": ["S", "L"]})
    first, second = product.skus.order_by("id")
    targets = [first, first if same_sku else second]
    code = ean13(424242)

    def add(sku):
        return lambda: barcodes.add_barcode(actor=ADMIN, sku_id=sku.pk, code=code)

    error = _outcome(race([add(targets[0]), add(targets[1])]))
    assert error.code == "duplicate_barcode"
    assert Barcode.objects.filter(code=code).count() == 1


def test_two_concurrent_creations_of_one_product_code():
    org = make_org("RACE")
    unit = UnitFactory(code="bottle", name="瓶")

    def create():
        return products.create_product(
            actor=ADMIN,
            org_id=org.pk,
            code="SAME",
            name="同码商品",
            base_unit_id=unit.pk,
            spec_attributes={"规格": ["S", "L"]},
        )

    error = _outcome(race(create, 2))
    assert error.code == "duplicate_code"
    assert Product.objects.filter(code="SAME").count() == 1
    assert Product.objects.get(code="SAME").skus.count() == 2

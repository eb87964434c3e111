"""Fixtures for the catalog pages' tests: an admin client, a small catalogue (`data`),
clients of users with chosen permissions (`client_with`)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from omni.catalog.services import barcodes
from omni.catalog.tests.factories import (
    ADMIN,
    BrandFactory,
    CategoryFactory,
    UnitFactory,
    ean13,
    make_org,
    make_product,
)


def html(res) -> str:
    assert res.status_code == 200, res.status_code
    return res.content.decode()


@pytest.fixture
def admin() -> Client:
    user = get_user_model().objects.create_superuser("catadmin", password="pw-123456789")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_with(db):
    """client_with(*permissions, scope="all", org=None): a logged-in client whose user holds
    exactly these permissions with that data scope."""
    from omni.party.tests.factories import user_with

    made = []

    def make(*permissions: str, scope: str = "all", org=None) -> Client:
        user = user_with(f"u{len(made)}-{scope}", list(permissions), scope, org=org)
        made.append(user)
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def data():
    org = make_org("GRP", name="饮料集团")
    bottle = UnitFactory(code="bottle", name="瓶")
    case = UnitFactory(code="case", name="箱")
    brand = BrandFactory(org=org, code="QQ", name="清泉")
    drink = CategoryFactory(org=org, code="DRINK", name="饮料")
    water = CategoryFactory(org=org, code="WATER", name="饮用水", parent=drink)
    water_product = make_product(
        org,
        "QQ-W",
        name="清泉矿泉水",
        spec={"规格": ["500ml", "1.5L"]},
        brand=brand,
        category=water,
        unit=bottle,
    )
    sku = water_product.skus.order_by("id").first()
    barcodes.set_unit_conversion(actor=ADMIN, sku_id=sku.pk, unit_id=case.pk, factor=24)
    barcodes.add_barcode(actor=ADMIN, sku_id=sku.pk, code=ean13(1))
    barcodes.add_barcode(actor=ADMIN, sku_id=sku.pk, code=ean13(2), unit_id=case.pk)
    juice = make_product(org, "GY-J", name="果园鲜橙汁", unit=bottle)
    box = make_product(org, "BOX", name="清泉礼盒", unit=bottle, is_bundle=True)
    barcodes.set_bundle_items(actor=ADMIN, bundle_sku_id=box.skus.get().pk, items=[(sku.pk, 6)])
    return {"org": org, "water": water_product, "juice": juice, "box": box, "brand": brand,
            "drink": drink, "water_cat": water, "bottle": bottle, "case": case}  # fmt: skip

"""Fixtures for the catalog pages' tests: the zh-Hans strings of catalog/TRANSLATIONS.txt are
put into the active catalog for the test when the compiled .mo does not have them yet (a
no-op once the lead has compiled them), so the pages can be checked in Chinese; an admin
client; a small catalogue (`data`); clients of users with chosen permissions (`client_with`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils.translation import trans_real

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

TRANSLATIONS = Path(__file__).resolve().parents[3] / "catalog" / "TRANSLATIONS.txt"


def _pairs() -> list[tuple[Any, str]]:
    """(msgid, msgstr) pairs; "singular | plural" lines give ((singular, 0), zh) and
    ((singular, 1), zh) as gettext's plural lookup keys (zh has one form)."""
    pairs: list[tuple[Any, str]] = []
    for line in TRANSLATIONS.read_text(encoding="utf-8").splitlines():
        if "\t" not in line or line.startswith("#"):
            continue
        en, zh = line.split("\t", 1)
        if " | " in en:
            singular = en.split(" | ", 1)[0]
            pairs += [((singular, 0), zh), ((singular, 1), zh)]
        else:
            pairs.append((en, zh))
    return pairs


@pytest.fixture(autouse=True)
def catalog_translations():
    catalog = trans_real.translation("zh-hans")._catalog
    added = []
    for en, zh in _pairs():
        if en not in catalog:
            catalog[en] = zh
            added.append(en)
    yield
    for en in added:
        for cat in getattr(catalog, "_catalogs", [catalog]):
            cat.pop(en, None)


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

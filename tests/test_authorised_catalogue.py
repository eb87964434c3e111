"""Journey: the brand authorises products by customer class; dealers see their catalogue."""

import pytest
from django.test import Client

from omni.access.models import User
from omni.catalog.services.authorisation import create_authorisation_rule
from omni.catalog.services.products import create_product
from omni.catalog.services.units import create_unit
from omni.party.tests.factories import SYSTEM, make_world, user_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = make_world()
    bottle = create_unit(actor=SYSTEM, code="PING", name="瓶")
    create_product(
        actor=SYSTEM,
        org_id=w.group.pk,
        code="W500",
        name="清泉矿泉水",
        base_unit_id=bottle.pk,
        spec_attributes={"规格": ["500ml", "1.5L"]},
    )
    create_product(
        actor=SYSTEM,
        org_id=w.group.pk,
        code="TEA",
        name="茶语乌龙茶",
        base_unit_id=bottle.pk,
        spec_attributes={"规格": ["500ml"]},
    )
    # the group lets L1 distributors order everything, but not tea in the south
    create_authorisation_rule(
        actor=SYSTEM,
        org_id=w.group.pk,
        effect="include",
        subject_kind="customer_class",
        subject_id=w.cls_l1.pk,
        target_kind="all",
    )
    return w


def codes(res):
    assert res.status_code == 200, res.content
    return sorted(item["code"] for item in res.json()["items"])


def test_dealer_user_sees_its_own_authorised_catalogue_only(world):
    dealer = user_with("dealer", ["catalog.product.view"], "own", customer=world.sh_dealer)
    client = Client()
    client.force_login(dealer)
    assert codes(client.get("/api/v1/catalog/authorised-skus")) == ["TEA-1", "W500-1", "W500-2"]
    # asking for another customer's catalogue: that customer does not exist for them
    other = client.get("/api/v1/catalog/authorised-skus", {"customer_id": world.gz_dealer.pk})
    assert other.status_code == 404


def test_store_class_is_not_authorised(world):
    store = user_with("store", ["catalog.product.view"], "own", customer=world.sh_store)
    client = Client()
    client.force_login(store)
    assert codes(client.get("/api/v1/catalog/authorised-skus")) == []


def test_staff_ask_for_customers_in_their_scope(world):
    rep = user_with("rep", ["catalog.product.view", "party.customer.view"], "org", org=world.east)
    client = Client()
    client.force_login(rep)
    res = client.get(
        "/api/v1/catalog/authorised-skus", {"customer_id": world.sh_dealer.pk, "search": "W500"}
    )
    assert codes(res) == ["W500-1", "W500-2"]
    assert (
        client.get(
            "/api/v1/catalog/authorised-skus", {"customer_id": world.gz_dealer.pk}
        ).status_code
        == 404
    )
    assert client.get("/api/v1/catalog/authorised-skus").status_code == 404  # no customer given


def test_needs_the_product_view_permission(world):
    nobody = User.objects.create_user("nobody", password="pass-12345678", customer=world.sh_dealer)
    client = Client()
    client.force_login(nobody)
    assert client.get("/api/v1/catalog/authorised-skus").status_code == 403


# --- portal users see only their authorised catalogue, everywhere ----------------------------


@pytest.fixture
def shop(world):
    """The demo's rules: dealers everything, stores everything but gift boxes (礼盒)."""
    from omni.catalog.services.barcodes import add_barcode
    from omni.catalog.services.brands import create_brand
    from omni.catalog.services.categories import create_category
    from omni.catalog.tests.factories import ean13

    bottle_id = create_unit(actor=SYSTEM, code="HE", name="盒").pk
    drinks = create_category(actor=SYSTEM, org_id=world.group.pk, code="DRINK", name="饮料")
    gift = create_category(actor=SYSTEM, org_id=world.group.pk, code="GIFT", name="礼盒")
    gift_brand = create_brand(actor=SYSTEM, org_id=world.group.pk, code="GB", name="礼品牌")
    juice = create_product(
        actor=SYSTEM,
        org_id=world.group.pk,
        code="JUICE",
        name="橙汁",
        base_unit_id=bottle_id,
        category_id=drinks.pk,
    )
    box = create_product(
        actor=SYSTEM,
        org_id=world.group.pk,
        code="BOX",
        name="新春礼盒",
        base_unit_id=bottle_id,
        category_id=gift.pk,
        brand_id=gift_brand.pk,
    )
    juice_code, box_code = ean13(11), ean13(12)
    add_barcode(actor=SYSTEM, sku_id=juice.skus.get().pk, code=juice_code)
    add_barcode(actor=SYSTEM, sku_id=box.skus.get().pk, code=box_code)
    create_authorisation_rule(
        actor=SYSTEM,
        org_id=world.group.pk,
        effect="include",
        subject_kind="customer_class",
        subject_id=world.cls_store.pk,
        target_kind="all",
    )
    create_authorisation_rule(
        actor=SYSTEM,
        org_id=world.group.pk,
        effect="exclude",
        subject_kind="customer_class",
        subject_id=world.cls_store.pk,
        target_kind="category",
        target_id=gift.pk,
    )
    return {
        "juice": juice,
        "box": box,
        "gift": gift,
        "gift_brand": gift_brand,
        "juice_code": juice_code,
        "box_code": box_code,
    }


CATALOGUE_PERMS = ["catalog.product.view", "catalog.brand.view", "catalog.category.view"]


def portal_client(username, customer):
    # the portal user's own record carries no organisation: their customer decides
    user = user_with(username, CATALOGUE_PERMS, "own", customer=customer)
    client = Client()
    client.force_login(user)
    return client


def test_a_store_sees_everything_but_gift_boxes_in_every_list(world, shop):
    # given a store user under the demo's rules
    client = portal_client("store", world.sh_store)
    authorised = codes(client.get("/api/v1/catalog/authorised-skus"))
    # then the authorised catalogue is every SKU but the gift box
    assert authorised == ["JUICE-1", "TEA-1", "W500-1", "W500-2"]
    # and every other list shows exactly that, not the whole catalogue
    assert codes(client.get("/api/v1/catalog/skus")) == authorised
    assert codes(client.get("/api/v1/catalog/products")) == ["JUICE", "TEA", "W500"]
    brands = client.get("/api/v1/catalog/brands").json()["items"]
    assert "GB" not in [b["code"] for b in brands]
    categories = codes(client.get("/api/v1/catalog/categories"))
    assert "GIFT" not in categories and "DRINK" in categories


def test_unauthorised_catalogue_rows_answer_404_to_a_store(world, shop):
    client = portal_client("store", world.sh_store)
    box = shop["box"]
    box_sku = box.skus.get()
    assert client.get(f"/api/v1/catalog/products/{box.pk}").status_code == 404
    assert client.get(f"/api/v1/catalog/skus/{box_sku.pk}").status_code == 404
    assert client.get(f"/api/v1/catalog/brands/{shop['gift_brand'].pk}").status_code == 404
    assert client.get(f"/api/v1/catalog/categories/{shop['gift'].pk}").status_code == 404
    lookup = client.get("/api/v1/catalog/barcode-lookup", {"code": shop["box_code"]})
    assert lookup.status_code == 404
    ok = client.get("/api/v1/catalog/barcode-lookup", {"code": shop["juice_code"]})
    assert ok.status_code == 200
    juice = client.get(f"/api/v1/catalog/products/{shop['juice'].pk}")
    assert juice.status_code == 200
    # a product's detail lists only the SKUs the customer may order
    w500 = client.get("/api/v1/catalog/products", {"search": "W500"}).json()["items"][0]
    assert w500["sku_count"] == 2
    # the rules themselves are the brand's business
    assert client.get("/api/v1/catalog/authorisation-rules").status_code in (200, 403)
    if client.get("/api/v1/catalog/authorisation-rules").status_code == 200:
        assert client.get("/api/v1/catalog/authorisation-rules").json()["total"] == 0


def test_a_dealer_sees_the_gift_boxes_a_store_does_not(world, shop):
    # given the world's rule: L1 distributors may order everything (a second, identical
    # rule would be a duplicate_rule)
    dealer = portal_client("dealer", world.sh_dealer)
    assert "BOX-1" in codes(dealer.get("/api/v1/catalog/skus"))
    assert dealer.get(f"/api/v1/catalog/products/{shop['box'].pk}").status_code == 200


def test_a_customer_without_rules_sees_no_catalogue(world, shop):
    from omni.catalog.models import AuthorisationRule

    AuthorisationRule.objects.filter(customer_class=world.cls_l1).delete()
    client = portal_client("gz", world.gz_dealer)
    assert codes(client.get("/api/v1/catalog/skus")) == []
    assert codes(client.get("/api/v1/catalog/products")) == []
    assert client.get(f"/api/v1/catalog/products/{shop['juice'].pk}").status_code == 404


def test_brand_staff_still_see_the_whole_catalogue(world, shop):
    rep = user_with("rep2", CATALOGUE_PERMS, "org", org=world.group)
    client = Client()
    client.force_login(rep)
    assert "BOX-1" in codes(client.get("/api/v1/catalog/skus"))


def test_a_store_changing_an_unauthorised_product_with_a_bad_body_gets_404(world, shop):
    client = portal_client("store", world.sh_store)
    res = client.patch(
        f"/api/v1/catalog/products/{shop['box'].pk}",
        {"no_such_field": 1},
        content_type="application/json",
    )
    assert res.status_code == 404 and res.json()["code"] == "not_found"


def test_the_catalogue_pages_show_a_store_only_its_authorised_products(world, shop):
    client = portal_client("store", world.sh_store)
    page = client.get("/catalog/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "橙汁" in text and "新春礼盒" not in text
    assert client.get(f"/catalog/products/{shop['box'].pk}/").status_code == 404
    assert client.get(f"/catalog/products/{shop['juice'].pk}/").status_code == 200

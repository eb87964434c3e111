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

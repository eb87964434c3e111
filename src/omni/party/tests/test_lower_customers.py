"""A customer that lower-level customers buy from can neither move to another organisation
nor become a store or key account: refused by the service, so the page, the API and an
Excel row all meet the same rule (issue 12 §2)."""

import pytest
from django.test import Client

from omni.party.models import Customer
from omni.party.services.customers import CustomerData, update_customer
from omni.party.tests.factories import SYSTEM, make_world

pytestmark = pytest.mark.django_db


def _data(c: Customer, **changes) -> CustomerData:
    values = {
        "name": c.name,
        "kind": c.kind,
        "org_id": c.org_id,
        "class_id": c.customer_class_id,
        "level_id": c.level_id,
        "sales_region_id": c.sales_region_id,
        "region_code": c.region_id or "",
        "upper_id": c.upper_id,
    }
    values.update(changes)
    return CustomerData(**values)


def test_a_distributor_with_stores_cannot_move_to_another_organisation():
    w = make_world()
    # given sh_dealer (east) supplies sh_store (east)
    # when it is moved to the south organisation under gz_dealer as a store
    with pytest.raises(Exception) as refused:
        update_customer(
            actor=SYSTEM,
            customer_id=w.sh_dealer.pk,
            data=_data(
                w.sh_dealer,
                kind="store",
                org_id=w.south_sales.pk,
                sales_region_id=w.area_south.pk,
                upper_id=w.gz_dealer.pk,
            ),
        )
    # then it is refused and nothing changed
    assert refused.value.code == "lower_customers_in_organisation"
    assert refused.value.details["lower_customers"] == ["C-SH-S01"]
    w.sh_dealer.refresh_from_db()
    assert (w.sh_dealer.kind, w.sh_dealer.org_id) == ("distributor", w.east_sales.pk)


def test_a_distributor_with_stores_cannot_become_a_store():
    w = make_world()
    with pytest.raises(Exception) as refused:
        update_customer(
            actor=SYSTEM, customer_id=w.sh_dealer.pk, data=_data(w.sh_dealer, kind="store")
        )
    assert refused.value.code == "lower_customers_need_supplier"
    # a dealer still supplies: allowed
    update_customer(
        actor=SYSTEM, customer_id=w.sh_dealer.pk, data=_data(w.sh_dealer, kind="dealer")
    )
    # and without lower customers a distributor may move and become a store
    update_customer(
        actor=SYSTEM,
        customer_id=w.gz_dealer.pk,
        data=_data(w.gz_dealer, kind="store", org_id=w.east_sales.pk, sales_region_id=None),
    )


def test_the_api_refuses_the_same_way(staff_user):
    w = make_world()
    client = Client()
    client.force_login(staff_user)
    d = _data(w.sh_dealer, kind="store", org_id=w.south_sales.pk, sales_region_id=None)
    body = {
        "name": d.name,
        "kind": d.kind,
        "org_id": d.org_id,
        "class_id": d.class_id,
        "level_id": d.level_id,
        "region_code": d.region_code,
        "upper_id": w.gz_dealer.pk,
    }
    res = client.put(
        f"/api/v1/party/customers/{w.sh_dealer.pk}", body, content_type="application/json"
    )
    assert res.status_code == 422, res.content
    assert res.json()["code"] == "lower_customers_in_organisation"
    assert Customer.objects.get(pk=w.sh_dealer.pk).org_id == w.east_sales.pk

"""Credit limit pages: staff set and list limits with the ledger's numbers; a bad or too low
limit is shown on the form; others see nothing of other customers."""

from __future__ import annotations

import pytest

from omni.credit.models import CreditLimit
from omni.party.tests.factories import client_for, make_world, user_with

pytestmark = pytest.mark.django_db
ADMIN = ["credit.limit.view", "credit.limit.edit", "credit.limit.export"]


def test_set_list_and_export_limits():
    world = make_world()
    admin = client_for(user_with("sa", ADMIN, "org", org=world.east))
    form = {"customer": str(world.sh_dealer.pk), "limit": "200000", "term_days": "45"}
    res = admin.post("/credit/limits/set/", {**form, "policy": "warn", "warn_ratio": "80"})
    assert res.status_code == 302, res.content.decode()[:1500]
    html = admin.get("/credit/limits/").content.decode()
    assert "上海浦江商贸有限公司" in html and "200,000.00" in html
    assert admin.get("/credit/limits/export/").status_code == 200
    row = CreditLimit.objects.get()
    assert row.term_days == 45 and row.policy == "warn"


def test_bad_input_is_shown_on_the_form():
    world = make_world()
    admin = client_for(user_with("sa", ADMIN, "org", org=world.east))
    res = admin.post(
        "/credit/limits/set/",
        {
            "customer": str(world.gz_dealer.pk),
            "limit": "-1",
            "term_days": "30",
            "policy": "block",
            "warn_ratio": "80",
        },
    )
    assert res.status_code == 200 and res.context["form"].errors
    assert not CreditLimit.objects.exists()


def test_a_reader_sees_no_set_button_and_a_dealer_only_its_own_limit():
    world = make_world()
    admin = client_for(user_with("sa", ADMIN, "org", org=world.east))
    for c in (world.sh_dealer, world.sh_store):
        admin.post(
            "/credit/limits/set/",
            {
                "customer": str(c.pk),
                "limit": "1000",
                "term_days": "30",
                "policy": "block",
                "warn_ratio": "80",
            },
        )
    store = client_for(user_with("st", ["credit.limit.view"], "own", customer=world.sh_store))
    html = store.get("/credit/limits/").content.decode()
    assert "徐汇便利店" in html and "上海浦江商贸有限公司" not in html
    assert 'data-test="set-limit"' not in html
    assert store.get("/credit/limits/set/").status_code == 404

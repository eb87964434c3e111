"""Auto-pay rule pages: finance lists the rules (the group's too, read-only), sets a rule with
its steps, sees a bad step on the form, deletes a rule, and previews how an order would be
paid; a viewer sees no edit buttons; another subsidiary's rules and customers stay hidden."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omni.access.demo import ROLES
from omni.ledger.services.accounts import counter_account, open_account
from omni.ledger.services.posting import post_entry
from omni.ledger.tests.factories import SYSTEM
from omni.party.tests.factories import client_for, make_world, user_with
from omni.payment.models import AutoPayRule
from omni.payment.services.autopay import set_autopay_rule

pytestmark = pytest.mark.django_db
FINANCE = ROLES["finance"][1]  # the demo finance role's permissions
SALES_ADMIN = ROLES["sales_admin"][1]


def form(org, **steps):
    data = {"org": str(org.pk), "customer_class": ""}
    for i, (kind, ratio, amount) in enumerate(steps.get("rows", []), start=1):
        data[f"step{i}_type"] = kind
        data[f"step{i}_ratio"] = ratio
        data[f"step{i}_amount"] = amount
    return data


@pytest.fixture
def world():
    w = make_world()
    cash = open_account(actor=SYSTEM, type_code="cash", customer_id=w.sh_dealer.pk).pk
    rebate = open_account(actor=SYSTEM, type_code="rebate", customer_id=w.sh_dealer.pk).pk
    for account, amount, counter in ((cash, "5000", "bank"), (rebate, "2000", "marketing")):
        value = Decimal(amount)
        post_entry(
            actor=SYSTEM,
            kind="grant",
            lines=[(account, value), (counter_account(w.east_sales.pk, counter), -value)],
        )
    set_autopay_rule(
        actor=SYSTEM,
        org_id=w.group.pk,
        steps=[{"account_type": "rebate", "max_ratio": 30}, {"account_type": "cash"}],
    )
    set_autopay_rule(
        actor=SYSTEM, org_id=w.south_sales.pk, steps=[{"account_type": "credit"}]
    )  # another subsidiary's
    return w


def test_finance_sets_lists_previews_and_deletes_rules(world):
    fin = client_for(user_with("fin", FINANCE, "org", org=world.east))
    html = fin.get("/payment/autopay/").content.decode()
    assert "清泉饮品集团" in html and "返利（≤30%） → 现金/预付款" in html
    assert "华南销售部" not in html  # another subsidiary's rule
    assert 'data-test="inherited"' in html and 'data-test="set-rule"' in html
    assert 'href="/payment/autopay/"' in fin.get("/").content.decode()  # in the menu

    page = fin.get("/payment/autopay/set/").content.decode()
    assert 'name="step1_type"' in page and "华南销售部" not in page
    res = fin.post(
        "/payment/autopay/set/",
        {
            **form(world.east_sales, rows=[("cash", "", "1000"), ("credit", "", "")]),
            "customer_class": "L1",
        },
    )
    assert res.status_code == 302, res.content.decode()[:2000]
    rule = AutoPayRule.objects.get(org=world.east_sales)
    assert rule.customer_class.code == "L1" and rule.updated_by == "fin"
    html = fin.get("/payment/autopay/").content.decode()
    assert "现金/预付款（≤¥1,000.00） → 授信" in html
    assert f"?rule={rule.pk}" in html  # its edit link
    edit = fin.get(f"/payment/autopay/set/?rule={rule.pk}").content.decode()
    assert 'value="1000.00"' in edit

    preview = fin.get("/payment/autopay/plan/", {"customer": world.sh_dealer.pk, "amount": "3000"})
    text = preview.content.decode()
    assert preview.status_code == 200 and 'data-test="plan"' in text
    assert 'data-test="shortfall">2000.00' in text  # 1,000 from cash, no credit account

    res = fin.post("/payment/autopay/delete/", {"rule": rule.pk})
    assert res.status_code == 302 and not AutoPayRule.objects.filter(pk=rule.pk).exists()
    # the group's rule cannot be deleted from the subsidiary; the south rule does not exist
    group_rule = AutoPayRule.objects.get(org=world.group)
    fin.post("/payment/autopay/delete/", {"rule": group_rule.pk})
    assert AutoPayRule.objects.filter(pk=group_rule.pk).exists()
    south = AutoPayRule.objects.get(org=world.south_sales)
    assert fin.post("/payment/autopay/delete/", {"rule": south.pk}).status_code == 404
    assert fin.get(f"/payment/autopay/set/?rule={south.pk}").status_code == 404


def test_a_bad_step_is_shown_on_its_row(world):
    fin = client_for(user_with("fin", FINANCE, "org", org=world.east))
    res = fin.post(
        "/payment/autopay/set/",
        form(world.east_sales, rows=[("cash", "", ""), ("rebate", "", ""), ("cash", "5", "")]),
    )
    assert res.status_code == 200
    assert res.context["form"].errors["step3_type"]
    assert not AutoPayRule.objects.filter(org=world.east_sales).exists()
    res = fin.post("/payment/autopay/set/", form(world.east_sales, rows=[("cash", "0", "")]))
    assert res.status_code == 200 and res.context["form"].errors["step1_ratio"]


def test_a_preview_for_another_subsidiarys_customer_is_refused(world):
    fin = client_for(user_with("fin", FINANCE, "org", org=world.east))
    res = fin.get("/payment/autopay/plan/", {"customer": world.gz_dealer.pk, "amount": "1"})
    assert res.status_code == 200 and res.context["form"].errors["customer"]
    assert 'data-test="plan"' not in res.content.decode()


def test_sales_admin_views_without_edit_buttons(world):
    viewer = client_for(user_with("sa", SALES_ADMIN, "org", org=world.east))
    html = viewer.get("/payment/autopay/").content.decode()
    assert "返利（≤30%）" in html
    assert 'data-test="set-rule"' not in html and 'data-test="delete-rule"' not in html
    assert viewer.get("/payment/autopay/set/").status_code == 404
    assert viewer.get("/payment/autopay/plan/").status_code == 200
    nobody = client_for(user_with("wh", ROLES["warehouse"][1], "org", org=world.east))
    assert nobody.get("/payment/autopay/").status_code == 404

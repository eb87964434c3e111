"""Demo auto-pay rules (自动支付): the brand's default for every customer of the group pays
from rebates up to 30 % of the order, then prepaid, then credit; terminal stores (终端门店)
pay up to 10 % (at most 500 yuan) from rebates, then prepaid only. Through the service, so
a second run changes nothing."""

from __future__ import annotations

from omni.kernel.actors import Actor
from omni.tenancy.selectors import organizations

from .models import AutoPayRule
from .services.autopay import set_autopay_rule

RULES = [
    (
        None,
        [
            {"account_type": "rebate", "max_ratio": 30},
            {"account_type": "cash"},
            {"account_type": "credit"},
        ],
    ),
    (
        "STORE",
        [
            {"account_type": "rebate", "max_ratio": 10, "max_amount": "500"},
            {"account_type": "cash"},
        ],
    ),
]


def load_payment_demo(*, actor: Actor, group_code: str = "QQ") -> int:
    """Returns how many rules were created."""
    group = organizations().filter(code=group_code).values_list("pk", flat=True).first()
    if group is None:
        return 0
    made = 0
    for customer_class, steps in RULES:
        rules = AutoPayRule.objects.filter(org_id=group)
        if customer_class is None:
            rules = rules.filter(customer_class__isnull=True)
        else:
            rules = rules.filter(customer_class__code=customer_class)
        if rules.exists():  # set already (maybe changed by finance since): left as it is
            continue
        set_autopay_rule(actor=actor, org_id=group, customer_class=customer_class, steps=steps)
        made += 1
    return made

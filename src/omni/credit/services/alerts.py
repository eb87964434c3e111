"""Credit alerts (信用预警): the customer's account manager gets a notice when its credit
usage reaches the warning threshold, when something becomes overdue, and three days before
a temporary credit expires. Run by the worker's housekeeping (and `omni credit_alerts`).

Each alert is sent once per episode: a flag on the row is set by a conditional UPDATE
(only the sweep that flips it sends the notice, however many workers run), and cleared
when the condition no longer holds, so the next crossing alerts again."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_noop

from omni.kernel import clock, notices
from omni.kernel.actors import Actor
from omni.ledger.calculations import from_minor
from omni.tenancy import directory

from ..models import CreditLimit, TemporaryCredit, TemporaryCreditStatus
from .overview import credit_overview

log = logging.getLogger("omni.credit")
EXPIRY_NOTICE_DAYS = 3

USAGE_TITLE = gettext_noop("Credit warning: %(customer)s has used %(percent)s%% of its credit")
USAGE_BODY = gettext_noop(
    "Used and held %(exposure)s of %(granted)s (limit and temporary credit); the warning "
    "threshold is %(threshold)s%%."
)
OVERDUE_TITLE = gettext_noop("Overdue: %(customer)s owes %(overdue)s past its payment term")
OVERDUE_BODY = gettext_noop("The oldest unpaid amount is %(days)s days overdue.")
EXPIRY_TITLE = gettext_noop("Temporary credit of %(customer)s expires on %(date)s")
EXPIRY_BODY = gettext_noop(
    "%(amount)s of temporary credit ends after that day; what is unused is taken back."
)


def _flip(model, pk: int, field: str, value: bool) -> bool:
    """Set the flag if it is not already; True for the one caller that changed it."""
    return bool(model.objects.filter(pk=pk, **{field: not value}).update(**{field: value}))


def send_credit_alerts(*, today: dt.date | None = None) -> dict[str, int]:
    day = today or clock.today()
    system = Actor.system("credit.alerts")
    data = credit_overview(system, today=day)
    managers = dict(directory.customers(system).values_list("pk", "account_manager_id"))
    limits = dict(CreditLimit.objects.values_list("customer_id", "pk"))
    link = reverse("credit:dashboard")
    sent = {"usage": 0, "overdue": 0, "expiry": 0}
    for c in data.customers:
        pk = limits[c.customer_id]
        over = bool(c.exposure) and c.usage_percent >= c.warn_ratio
        with transaction.atomic():
            if over and _flip(CreditLimit, pk, "usage_alerted", True):
                sent["usage"] += notices.notify(
                    [managers.get(c.customer_id)],
                    kind="credit.usage",
                    title=USAGE_TITLE,
                    body=USAGE_BODY,
                    params={
                        "customer": c.name,
                        "percent": c.usage_percent,
                        "exposure": f"{from_minor(c.exposure, 2):,}",
                        "granted": f"{from_minor(c.limit + c.temporary, 2):,}",
                        "threshold": c.warn_ratio,
                    },
                    link=link,
                )
            elif not over:
                _flip(CreditLimit, pk, "usage_alerted", False)
        with transaction.atomic():
            if c.overdue and _flip(CreditLimit, pk, "overdue_alerted", True):
                sent["overdue"] += notices.notify(
                    [managers.get(c.customer_id)],
                    kind="credit.overdue",
                    title=OVERDUE_TITLE,
                    body=OVERDUE_BODY,
                    params={
                        "customer": c.name,
                        "overdue": f"{from_minor(c.overdue, 2):,}",
                        "days": c.overdue_days,
                    },
                    link=link,
                )
            elif not c.overdue:
                _flip(CreditLimit, pk, "overdue_alerted", False)
    expiring = TemporaryCredit.objects.filter(
        status=TemporaryCreditStatus.ACTIVE,
        expiry_alerted=False,
        expires_on__lte=day + dt.timedelta(days=EXPIRY_NOTICE_DAYS),
    ).select_related("customer")
    for credit in expiring:
        with transaction.atomic():
            if not _flip(TemporaryCredit, credit.pk, "expiry_alerted", True):
                continue
            sent["expiry"] += notices.notify(
                [credit.manager_id or managers.get(credit.customer_id)],
                kind="credit.temporary_expiry",
                title=EXPIRY_TITLE,
                body=EXPIRY_BODY,
                params={
                    "customer": credit.customer.name,
                    "date": credit.expires_on.isoformat(),
                    "amount": f"{from_minor(credit.amount, 2):,}",
                },
                link=reverse("credit:temporary-detail", args=[credit.pk]),
            )
    return sent

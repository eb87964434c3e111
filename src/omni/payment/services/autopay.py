"""Auto-pay rules (自动支付): which of a customer's fund accounts pay an order, in what order
and how much of it each may pay, as data per organisation and customer class.

A rule belongs to an organisation and either one customer class or none (the
organisation's default). The rule for a customer is, nearest first:

1. its organisation's rule for its customer class, else its organisation's default;
2. the same for each ancestor organisation, nearest first (the tree's materialized path, as
   deposit interest finds the nearest ancestor's rate);
3. the built-in default `BUILTIN`: cash/prepaid (现金/预付款), then credit (授信), both
   uncapped; rebates and expense money pay only where a rule says so, since they are the
   brand's money and their share of an order is a policy decision.

Each step pays min(what the account has available, its cap, what remains of the order);
the cap is `max_ratio` percent of the order (rounded down to the fen) and/or `max_amount`.
What no step covers is the plan's shortfall (paid otherwise, e.g. online with the order).

`plan_payment` only reads: it holds nothing. The order service, when an order is
submitted, asks for the plan and holds each line's amount on its account
(`ledger.services.holds.hold_funds`) inside its own transaction; balances may change
between the plan and the holds, so it must treat a refused hold (insufficient funds) as the
plan being stale and plan again (or fail the submission), never assume the plan still holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound
from omni.ledger import selectors as ledger
from omni.ledger.calculations import from_minor, positive_minor
from omni.ledger.errors import InvalidAmount as LedgerInvalidAmount
from omni.tenancy import directory
from omni.tenancy.scope import path_ids, require_in_scope
from omni.tenancy.selectors import get_organization

from .. import calculations, errors
from ..models import AutoPayRule, AutoPayStep
from ..selectors import get_autopay_rule
from ..types import AccountFunds, PaymentPlan, PlanLine, RuleRef, StepSnapshot, StepSpec

VIEW = "payment.autopay.view"
EDIT = "payment.autopay.edit"
ORDER_PAYMENT = "goods"  # what an order pays for: AccountType.funds must name it
CURRENCY = "CNY"
MAX_STEPS = 10
BUILTIN = (StepSnapshot("cash"), StepSnapshot("credit"))


# --- validation -------------------------------------------------------------------------------


def _chart(codes: Iterable[str]) -> dict[str, dict]:
    return {
        row["code"]: row
        for row in ledger.list_account_types()
        .filter(code__in=set(codes))
        .values("pk", "code", "name", "funds", "currency")
    }


def payable_account_types() -> list[tuple[str, str]]:
    """(code, name) of the chart's active account types that may pay for goods in yuan, in
    the chart's order: what a rule's step may name."""
    rows = ledger.list_account_types().values_list("code", "name", "funds", "currency")
    return [
        (code, name)
        for code, name, funds, currency in rows
        if ORDER_PAYMENT in (funds or []) and currency == CURRENCY
    ]


def _spec(raw: StepSpec | Mapping) -> StepSpec:
    if isinstance(raw, StepSpec):
        return raw
    return StepSpec(raw["account_type"], raw.get("max_ratio"), raw.get("max_amount"))


def validate_steps(steps: Sequence[StepSpec | Mapping]) -> tuple[list[StepSnapshot], dict]:
    """The steps in fen, checked: 1 to MAX_STEPS steps, each an active account type of the
    chart that may pay for goods in yuan, named once; ratio a whole percent from 1 to 100;
    max amount positive with at most 2 decimals. Also returns the chart rows by code."""
    specs = [_spec(s) for s in steps]
    if not 1 <= len(specs) <= MAX_STEPS:
        raise errors.InvalidSteps(details={"field": "steps", "max": MAX_STEPS})
    chart = _chart(s.account_type for s in specs)
    seen: set[str] = set()
    out = []
    for i, spec in enumerate(specs):
        code = spec.account_type
        row = chart.get(code)
        if row is None:
            raise errors.UnknownAccountType(details={"step": i, "account_type": code})
        if ORDER_PAYMENT not in (row["funds"] or []) or row["currency"] != CURRENCY:
            raise errors.AccountTypeCannotPay(details={"step": i, "account_type": code})
        if code in seen:
            raise errors.DuplicateAccountType(details={"step": i, "account_type": code})
        seen.add(code)
        ratio = spec.max_ratio
        if ratio is not None and (
            isinstance(ratio, bool) or not isinstance(ratio, int) or not 1 <= ratio <= 100
        ):
            raise errors.InvalidRatio(details={"step": i, "field": "max_ratio"})
        cap = None
        if spec.max_amount not in (None, ""):
            try:
                cap = positive_minor(spec.max_amount, 2, field="max_amount")
            except LedgerInvalidAmount as exc:
                raise errors.InvalidAmount(details={"step": i, **exc.details}) from None
        out.append(StepSnapshot(code, ratio, cap))
    return out, chart


# --- rules ------------------------------------------------------------------------------------


def _class_id(code: str | None) -> int | None:
    if code in (None, ""):
        return None
    found = directory.customer_classes().filter(code=code).values_list("pk", flat=True).first()
    if found is None:
        raise errors.UnknownCustomerClass(details={"customer_class": code})
    return found


def describe_steps(steps: Iterable[StepSnapshot], names: Mapping[str, str]) -> str:
    """A rule's steps in words, for the audit trail and pages: 返利（≤30%）→ 现金/预付款."""
    parts = []
    for step in steps:
        limits = []
        if step.max_ratio is not None:
            limits.append(f"≤{step.max_ratio}%")
        if step.max_amount is not None:
            limits.append(f"≤¥{from_minor(step.max_amount, 2):,}")
        name = names.get(step.account_type, step.account_type)
        parts.append(f"{name}（{'，'.join(limits)}）" if limits else name)
    return " → ".join(parts)


def rule_steps(rule: AutoPayRule) -> list[StepSnapshot]:
    """The rule's steps in order (uses the prefetched steps when there are)."""
    prefetched = "steps" in getattr(rule, "_prefetched_objects_cache", {})
    rows = rule.steps.all() if prefetched else rule.steps.select_related("account_type")
    steps = sorted(rows, key=lambda s: s.position)
    return [StepSnapshot(s.account_type.code, s.max_ratio, s.max_amount) for s in steps]


def _audited(rule: AutoPayRule, steps: Iterable[StepSnapshot], names: Mapping[str, str]) -> dict:
    return {
        "org": rule.org_id,
        "customer_class": rule.customer_class_id,
        "steps": describe_steps(steps, names),
    }


def _names() -> dict[str, str]:
    return dict(ledger.list_account_types().values_list("code", "name"))


@transaction.atomic(durable=True)
def set_autopay_rule(
    *,
    actor: Actor,
    org_id: int,
    customer_class: str | None = None,
    steps: Sequence[StepSpec | Mapping],
) -> AutoPayRule:
    """Create or replace the rule of an organisation for a customer class (its code; None
    for the organisation's default). The organisation must be one the actor may change."""
    actor.require(EDIT)
    try:
        get_organization(actor, org_id, mode="write")
    except NotFound:
        raise errors.UnknownOrganization(details={"org_id": org_id}) from None
    class_id = _class_id(customer_class)
    snapshots, chart = validate_steps(steps)
    names = _names()
    existing = AutoPayRule.objects.select_for_update().filter(
        org_id=org_id, customer_class_id=class_id
    )
    rule = existing.first()
    created = False
    if rule is None:
        try:
            with transaction.atomic():
                rule = AutoPayRule.objects.create(
                    org_id=org_id, customer_class_id=class_id, updated_by=actor.name
                )
            created = True
        except IntegrityError:  # created by a concurrent request: replace its steps
            rule = existing.get()
    before = None if created else _audited(rule, rule_steps(rule), names)
    after = _audited(rule, snapshots, names)
    if before == after:
        return rule
    rule.steps.all().delete()
    AutoPayStep.objects.bulk_create(
        [
            AutoPayStep(
                rule=rule,
                position=i + 1,
                account_type_id=chart[s.account_type]["pk"],
                max_ratio=s.max_ratio,
                max_amount=s.max_amount,
            )
            for i, s in enumerate(snapshots)
        ]
    )
    rule.updated_by = actor.name
    rule.save(update_fields=["updated_by", "updated_at"])
    audit.record_change(actor, "payment.autopay_rule_set", rule, before=before, after=after)
    return rule


@transaction.atomic(durable=True)
def delete_autopay_rule(*, actor: Actor, rule_id: int) -> None:
    """Delete a rule: its customers follow the next rule up (or the built-in default)."""
    actor.require(EDIT)
    get_autopay_rule(actor, rule_id)  # outside the read scope: NotFound
    rule = AutoPayRule.objects.select_for_update().get(pk=rule_id)
    require_in_scope(actor, rule, None, "write", org="org")
    before = _audited(rule, rule_steps(rule), _names())
    audit.record(
        actor=actor,
        action="payment.autopay_rule_deleted",
        object_type="payment.autopayrule",
        object_id=rule.pk,
        before=before,
        after=None,
        org_id=rule.org_id,
    )
    rule.delete()


# --- resolution and the plan -----------------------------------------------------------------


def _customer(actor: Actor, customer_id: int) -> tuple[int, int, str, int | None]:
    row = (
        directory.customers(actor)
        .filter(pk=customer_id)
        .values_list("pk", "org_id", "org__path", "customer_class_id")
        .first()
    )
    if row is None:
        raise errors.UnknownCustomer(details={"customer_id": customer_id})
    return row


def resolve_rule(
    org_path: str, class_id: int | None
) -> tuple[AutoPayRule | None, list[StepSnapshot]]:
    """The rule for a customer of the organisation at `org_path` in class `class_id`: the
    nearest organisation (its own, then its ancestors) with a rule for the class or a
    default; within one organisation the class's rule wins. None and `BUILTIN` when no
    organisation up the tree has one."""
    chain = list(reversed(path_ids(org_path)))  # nearest first
    wanted = Q(customer_class__isnull=True)
    if class_id is not None:
        wanted |= Q(customer_class_id=class_id)
    rules = {
        (r.org_id, r.customer_class_id): r
        for r in AutoPayRule.objects.filter(wanted, org_id__in=chain)
        .select_related("org", "customer_class")
        .prefetch_related(
            Prefetch("steps", queryset=AutoPayStep.objects.select_related("account_type"))
        )
    }
    for org_id in chain:
        for key in ((org_id, class_id), (org_id, None)):
            if key in rules:
                return rules[key], rule_steps(rules[key])
    return None, list(BUILTIN)


def _funds(customer_id: int, codes: Iterable[str]) -> dict[str, AccountFunds]:
    """The customer's accounts of these types with what each may pay now (balance − held;
    for credit: the unused limit − held). A frozen account pays nothing."""
    rows = (
        ledger.list_accounts(Actor.system("payment.autopay"))
        .filter(customer_id=customer_id, type__code__in=set(codes), currency=CURRENCY)
        .values_list("pk", "type__code", "status", "balance_minor", "frozen_minor")
    )
    funds = {}
    for pk, code, status, balance, frozen in rows:
        available = (balance or 0) - (frozen or 0) if status == "active" else 0
        funds[code] = AccountFunds(pk, max(available, 0))
    return funds


def _rule_ref(
    rule: AutoPayRule | None, org_id: int, steps: list[StepSnapshot], names: Mapping[str, str]
) -> RuleRef:
    description = describe_steps(steps, names)
    if rule is None:
        return RuleRef(None, None, "", None, "", False, description)
    cls = rule.customer_class
    return RuleRef(
        rule.pk,
        rule.org_id,
        rule.org.name,
        cls.code if cls else None,
        cls.name if cls else "",
        rule.org_id != org_id,
        description,
    )


def plan_payment(
    *, actor: Actor, customer_id: int, amount: Decimal | str, permission: str | None = VIEW
) -> PaymentPlan:
    """How an order of `amount` yuan (a decimal string or Decimal, more than 0, at most 2
    decimals) of this customer would be paid from its accounts now, by the customer's rule.
    `permission` is what the caller must hold (the order service passes its own); the
    customer must be in the actor's scope (unknown_customer otherwise). Reads only."""
    if permission:
        actor.require(permission)
    customer, org_id, org_path, class_id = _customer(actor, customer_id)
    try:
        want = positive_minor(amount, 2, field="amount")
    except LedgerInvalidAmount as exc:
        raise errors.InvalidAmount(details={"field": "amount", **exc.details}) from None
    rule, steps = resolve_rule(org_path, class_id)
    funds = _funds(customer, [s.account_type for s in steps])
    planned, shortfall = calculations.plan(want, steps, funds)
    names = _names()
    lines = tuple(
        PlanLine(
            account_type=p.account_type,
            account_type_name=names.get(p.account_type, p.account_type),
            account_id=p.account_id,
            available=from_minor(p.available, 2),
            cap=None if p.cap is None else from_minor(p.cap, 2),
            amount=from_minor(p.amount, 2),
            limited_by=p.limited_by,
        )
        for p in planned
    )
    return PaymentPlan(
        customer_id=customer,
        amount=from_minor(want, 2),
        currency=CURRENCY,
        lines=lines,
        paid=from_minor(want - shortfall, 2),
        shortfall=from_minor(shortfall, 2),
        rule=_rule_ref(rule, org_id, steps, names),
    )

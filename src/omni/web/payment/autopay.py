"""Auto-pay rule pages (自动支付规则): the rules with their steps (the rules of the
organisations above the user's are shown too, read-only: they apply unless overridden), a
form to set the rule of an organisation and customer class, and a payment preview (试算):
pick a customer and an amount, see which accounts would pay how much."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.kernel.actors import Actor
from omni.kernel.errors import DomainError
from omni.ledger.calculations import from_minor
from omni.payment import selectors
from omni.payment.services import autopay
from omni.tenancy import directory
from omni.tenancy.scope import path_ids
from omni.tenancy.selectors import list_organizations

from ..forms import ErrorPlacement, FilterForm, add_domain_error
from ..ledger.common import customer_choices
from ..outcomes import flash_errors, form_errors
from ..permissions import needs
from ..tables import EMPTY, Column, ListPage, Table, filtered_by, timestamp

VIEW, EDIT = autopay.VIEW, autopay.EDIT
DEFAULT_CLASS = gettext_lazy("All classes (default)")
LIMITED_BY = {
    "order": gettext_lazy("Rest of the order"),
    "balance": gettext_lazy("Available balance"),
    "ratio": gettext_lazy("Share of the order"),
    "max_amount": gettext_lazy("Maximum amount"),
    "no_account": gettext_lazy("No such account"),
}


def _class_label(rule: Any) -> Any:
    return rule.customer_class.name if rule.customer_class_id else DEFAULT_CLASS


def _steps(rule: Any) -> str:
    steps = sorted(rule.steps.all(), key=lambda s: s.position)
    names = {s.account_type.code: s.account_type.name for s in steps}
    return autopay.describe_steps(autopay.rule_steps(rule), names)


RULES = Table(
    "payment.autopay",
    title=gettext_lazy("Auto-pay rules"),
    default_sort="org",
    row_attrs=lambda r: {"data-rule": r.pk},
    columns=[
        Column("org", gettext_lazy("Organisation"), "org.name", sort=("org__path", "pk")),
        Column(
            "customer_class",
            gettext_lazy("Customer class"),
            _class_label,
            sort=("customer_class__code", "pk"),
        ),
        Column("steps", gettext_lazy("Pays in this order"), _steps),
        Column("updated_by", gettext_lazy("Changed by"), "updated_by"),
        timestamp("updated_at", gettext_lazy("Changed at")),
    ],
)


class RuleFilterForm(FilterForm):
    customer_class = forms.ChoiceField(label=gettext_lazy("Customer class"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer_class"].choices = [("", gettext_lazy("All")), *_class_choices()]


def _class_choices() -> list[tuple[str, str]]:
    return list(directory.customer_classes().order_by("code").values_list("code", "name"))


def _rules(actor: Actor, form: RuleFilterForm) -> QuerySet[Any]:
    qs = selectors.list_autopay_rules(actor)
    if code := form.valid_data.get("customer_class"):
        qs = qs.filter(customer_class__code=code)
    return qs


def _page(actor: Actor, section: str = "rules", **context: Any) -> dict[str, Any]:
    return {"active": "autopay", "section": section, "can_edit": actor.can(EDIT), **context}


def _list_context(request: HttpRequest, actor: Actor, **extra: Any) -> dict[str, Any]:
    writable = set(
        selectors.list_autopay_rules(actor, permission=None, mode="write").values_list(
            "pk", flat=True
        )
        if actor.can(EDIT)
        else ()
    )
    return {
        "writable": writable,
        "row_actions": "autopay/_rule_actions.html" if actor.can(EDIT) else None,
        **extra,
    }


RULE_LIST = ListPage(
    RULES,
    "autopay/rule_list.html",
    filtered_by(RuleFilterForm, _rules, with_actor=False),
    page=_page,
    create=EDIT,
    context=_list_context,
)
rule_list = needs(VIEW)(RULE_LIST.view)


# --- setting a rule ---------------------------------------------------------------------------


class RuleForm(forms.Form):
    """An organisation, a customer class (or none: the default) and up to one step per
    account type that may pay: a row without an account type is left out."""

    org = forms.ChoiceField(label=gettext_lazy("Organisation"))
    customer_class = forms.ChoiceField(
        label=gettext_lazy("Customer class"),
        required=False,
        help_text=gettext_lazy("Empty: every class without a rule of its own."),
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = list_organizations(actor, mode="write").order_by("path")
        self.fields["org"].choices = [
            (str(o.pk), "\u3000" * (len(path_ids(o.path)) - 1) + o.name) for o in orgs
        ]
        self.fields["customer_class"].choices = [("", DEFAULT_CLASS), *_class_choices()]
        types = autopay.payable_account_types()
        self.rows = []
        for i in range(1, max(len(types), 1) + 1):
            self.fields[f"step{i}_type"] = forms.ChoiceField(
                label=gettext_lazy("Account type"),
                required=False,
                choices=[("", EMPTY), *types],
            )
            self.fields[f"step{i}_ratio"] = forms.IntegerField(
                label=gettext_lazy("At most (percent of the order)"),
                required=False,
                min_value=1,
                max_value=100,
            )
            self.fields[f"step{i}_amount"] = forms.DecimalField(
                label=gettext_lazy("At most (CNY)"),
                required=False,
                min_value=Decimal("0.01"),
                max_digits=15,
                decimal_places=2,
            )
            self.rows.append(
                (i, self[f"step{i}_type"], self[f"step{i}_ratio"], self[f"step{i}_amount"])
            )

    def steps(self) -> list[tuple[int, dict[str, Any]]]:
        """(row number, step) of the rows that name an account type, in row order."""
        d = self.cleaned_data
        out = []
        for i, *_fields in self.rows:
            if d.get(f"step{i}_type"):
                out.append(
                    (
                        i,
                        {
                            "account_type": d[f"step{i}_type"],
                            "max_ratio": d.get(f"step{i}_ratio"),
                            "max_amount": d.get(f"step{i}_amount"),
                        },
                    )
                )
        return out


PLACEMENT = ErrorPlacement(
    code_fields={
        "unknown_organization": "org",
        "not_found": "org",
        "unknown_customer_class": "customer_class",
    },
    detail_keys="field_only",
)
STEP_FIELD = {"invalid_ratio": "ratio", "invalid_amount": "amount"}


def _initial(actor: Actor, rule_id: str) -> dict[str, Any]:
    if not rule_id.isdigit():
        return {}
    rule = selectors.get_autopay_rule(actor, int(rule_id))
    initial: dict[str, Any] = {
        "org": str(rule.org_id),
        "customer_class": rule.customer_class.code if rule.customer_class_id else "",
    }
    for step in sorted(rule.steps.all(), key=lambda s: s.position):
        i = step.position
        initial[f"step{i}_type"] = step.account_type.code
        initial[f"step{i}_ratio"] = step.max_ratio
        if step.max_amount is not None:
            initial[f"step{i}_amount"] = from_minor(step.max_amount, 2)
    return initial


@needs(EDIT)
def rule_set(request: HttpRequest, actor: Actor) -> HttpResponse:
    initial = _initial(actor, request.GET.get("rule", ""))
    form = RuleForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        rows = form.steps()
        try:
            autopay.set_autopay_rule(
                actor=actor,
                org_id=int(d["org"]),
                customer_class=d["customer_class"] or None,
                steps=[step for _i, step in rows],
            )
        except DomainError as err:
            step = err.details.get("step")
            if isinstance(step, int) and 0 <= step < len(rows):
                row = rows[step][0]
                form.add_error(f"step{row}_{STEP_FIELD.get(err.code, 'type')}", err.message)
            else:
                add_domain_error(form, err, placement=PLACEMENT)
        else:
            messages.success(request, _("Auto-pay rule saved."))
            return redirect("payment:autopay-rules")
    return render(request, "autopay/rule_form.html", _page(actor, form=form))


@needs(EDIT)
def rule_delete(request: HttpRequest, actor: Actor) -> HttpResponse:
    rule_id = request.POST.get("rule", "")
    if request.method != "POST" or not rule_id.isdigit():
        raise Http404
    with flash_errors(request, _("Auto-pay rule deleted."), not_found_is_404=True):
        autopay.delete_autopay_rule(actor=actor, rule_id=int(rule_id))
    return redirect("payment:autopay-rules")


# --- payment preview (试算) --------------------------------------------------------------------


class PlanForm(forms.Form):
    customer = forms.ChoiceField(label=gettext_lazy("Customer"))
    amount = forms.DecimalField(
        label=gettext_lazy("Order amount (CNY)"),
        min_value=Decimal("0.01"),
        max_digits=15,
        decimal_places=2,
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices, initial = customer_choices(actor)
        if initial:
            self.fields["customer"].initial = initial


PLAN_PLACEMENT = ErrorPlacement(
    code_fields={"unknown_customer": "customer", "invalid_amount": "amount"}
)


@needs(VIEW)
def plan_preview(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = PlanForm(request.GET or None, actor=actor)
    plan = None
    if form.is_bound and form.is_valid():
        with form_errors(form, placement=PLAN_PLACEMENT):
            plan = autopay.plan_payment(
                actor=actor,
                customer_id=int(form.cleaned_data["customer"]),
                amount=form.cleaned_data["amount"],
            )
    lines = [
        {"line": line, "limited_by": LIMITED_BY.get(line.limited_by, line.limited_by)}
        for line in (plan.lines if plan else ())
    ]
    return render(
        request,
        "autopay/plan.html",
        _page(actor, "plan", form=form, plan=plan, lines=lines),
    )

import itertools

import pytest
from django.db import transaction

from omni.kernel.actors import Actor
from omni.kernel.errors import InvalidTransition
from omni.kernel.states import Transition, TransitionTable, apply_transition, state_history
from omni.kernel.testing import race
from omni.kernel.tests.testapp.models import WIDGET_FLOW, Widget, WidgetStatus

ACTOR = Actor.system("test")


@pytest.mark.parametrize(
    ("action", "status"),
    list(itertools.product(WIDGET_FLOW.actions, WidgetStatus.values)),
)
@pytest.mark.django_db
def test_every_rule_of_the_table(action, status):
    """Each action moves exactly its sources to its target and refuses everything else."""
    widget = Widget.objects.create(name="w", status=status)
    rule = WIDGET_FLOW.actions[action]
    if status in rule.sources:
        with transaction.atomic():
            previous = apply_transition(Widget, widget.pk, WIDGET_FLOW, action, actor=ACTOR)
        widget.refresh_from_db()
        assert previous == status
        assert widget.status == rule.target
        [entry] = state_history(Widget, widget.pk)
        assert (entry.action, entry.from_status, entry.to_status) == (action, status, rule.target)
        assert entry.actor_name == "test"
    else:
        with pytest.raises(InvalidTransition) as info, transaction.atomic():
            apply_transition(Widget, widget.pk, WIDGET_FLOW, action, actor=ACTOR)
        assert info.value.details["current_status"] == status
        widget.refresh_from_db()
        assert widget.status == status
        assert not state_history(Widget, widget.pk).exists()


@pytest.mark.django_db
def test_unknown_action_and_missing_row_are_invalid_transitions():
    widget = Widget.objects.create(name="w")
    with pytest.raises(InvalidTransition), transaction.atomic():
        apply_transition(Widget, widget.pk, WIDGET_FLOW, "teleport", actor=ACTOR)
    with pytest.raises(InvalidTransition), transaction.atomic():
        apply_transition(Widget, 999_999, WIDGET_FLOW, "submit", actor=ACTOR)


@pytest.mark.django_db
def test_history_rolls_back_with_the_callers_transaction():
    widget = Widget.objects.create(name="w")
    with pytest.raises(RuntimeError), transaction.atomic():
        apply_transition(Widget, widget.pk, WIDGET_FLOW, "submit", actor=ACTOR)
        raise RuntimeError("caller fails after the transition")
    widget.refresh_from_db()
    assert widget.status == "draft"
    assert not state_history(Widget, widget.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_transition_outside_a_transaction_is_refused():
    widget = Widget.objects.create(name="w")
    with pytest.raises(RuntimeError):
        apply_transition(Widget, widget.pk, WIDGET_FLOW, "submit", actor=ACTOR)
    widget.refresh_from_db()
    assert widget.status == "draft"


def test_table_helpers():
    assert WIDGET_FLOW.allowed_actions("draft") == ["submit", "cancel"]
    assert WIDGET_FLOW.can("approve", "submitted")
    assert not WIDGET_FLOW.can("approve", "draft")
    assert not WIDGET_FLOW.can("teleport", "draft")


def test_table_rejects_unknown_statuses():
    with pytest.raises(ValueError):
        TransitionTable(WidgetStatus, {"x": Transition({"nope"}, "draft")})
    with pytest.raises(ValueError):
        TransitionTable(WidgetStatus, {"x": Transition(set(), "draft")})


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_only_one_wins():
    """Eight approvers and eight rejecters race on one submitted widget: one wins."""
    widget = Widget.objects.create(name="w", status="submitted")

    def act(action):
        def run():
            with transaction.atomic():
                return apply_transition(Widget, widget.pk, WIDGET_FLOW, action, actor=ACTOR)

        return run

    outcome = race([act("approve")] * 8 + [act("reject")] * 8)
    assert len(outcome.ok) == 1
    assert all(isinstance(e, InvalidTransition) for e in outcome.errors)
    widget.refresh_from_db()
    assert widget.status in ("approved", "rejected")
    assert state_history(Widget, widget.pk).count() == 1

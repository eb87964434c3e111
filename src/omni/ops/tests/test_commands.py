import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import transaction

from omni.access.demo import DEMO_PASSWORD
from omni.access.models import User
from omni.cli import COMMANDS, usage
from omni.kernel.integrity import register_state_model
from omni.kernel.models import AuditEntry, OutboxEvent
from omni.kernel.states import apply_transition
from omni.kernel.tests.testapp.models import WIDGET_FLOW, Widget


def test_omni_help_lists_the_commands():
    out = subprocess.run(
        [sys.executable, "-m", "omni.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for name in ("serve", "worker", "migrate", "demo", "createuser", "bench", "check", "up"):
        assert f"  {name}" in out
    assert usage().splitlines()[0] == out.splitlines()[0]
    assert COMMANDS["check"][0] == "integrity_check"


@pytest.mark.django_db
def test_demo_is_idempotent(capsys):
    call_command("demo")
    first = capsys.readouterr().out
    counts = (User.objects.count(), AuditEntry.objects.count())
    call_command("demo")
    second = capsys.readouterr().out
    assert (User.objects.count(), AuditEntry.objects.count()) == counts
    assert "admin" in first and DEMO_PASSWORD in first
    assert "users +0" in second
    assert User.objects.get(username="admin").check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_createuser(capsys):
    call_command("createuser", "zhangwei", password="long-enough-pw", display_name="张伟")
    assert User.objects.get(username="zhangwei").display_name == "张伟"
    with pytest.raises(Exception, match="username_taken"):
        call_command("createuser", "zhangwei", password="long-enough-pw")
    with pytest.raises(Exception, match="invalid_input"):
        call_command("createuser", "short", password="x")


@pytest.mark.django_db
def test_check_passes_on_a_clean_database_and_fails_on_a_finding(capsys):
    from django.utils import timezone

    register_state_model(Widget)
    widget = Widget.objects.create(name="w")
    with transaction.atomic():
        apply_transition(Widget, widget.pk, WIDGET_FLOW, "submit", actor=_actor())
    call_command("integrity_check")
    assert "0 findings" in capsys.readouterr().out

    Widget.objects.filter(pk=widget.pk).update(status="approved")  # bypasses the state machine
    OutboxEvent.objects.create(
        event_type="x",
        payload={},
        status="failed",
        next_attempt_at=timezone.now(),
        last_error="boom",
    )
    with pytest.raises(SystemExit) as exit_info:
        call_command("integrity_check")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "kernel.state_matches_history" in out and "kernel.outbox_no_failed_events" in out


def _actor():
    from omni.kernel.actors import Actor

    return Actor.system("test")

import pytest
from django.db import transaction

from omni.kernel import audit
from omni.kernel.actors import Actor
from omni.kernel.tests.testapp.models import Widget

ACTOR = Actor.system("finance-bot", request_id="req-12345678")


@pytest.mark.django_db
def test_record_and_history_rows():
    widget = Widget.objects.create(name="旧名")
    before = audit.snapshot(widget, ["name", "status"])
    widget.name = "新名"
    with transaction.atomic():
        widget.save()
        audit.record(
            actor=ACTOR,
            action="widget.renamed",
            object_type="testapp.widget",
            object_id=widget.pk,
            before=before,
            after=audit.snapshot(widget, ["name", "status"]),
            org_id=3,
        )
    [row] = audit.history_rows("testapp.widget", widget.pk)
    assert row["actor"] == "finance-bot"
    assert row["changes"] == [{"field": "name", "before": "旧名", "after": "新名"}]
    assert row["request_id"] == "req-12345678"
    assert audit.list_entries(org_ids=[3]).count() == 1
    assert audit.list_entries(org_ids=[4]).count() == 0


@pytest.mark.django_db
def test_audit_rolls_back_with_the_change():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=ACTOR, action="x", object_type="t", object_id=1)
        raise RuntimeError
    assert not audit.list_entries().exists()


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit.record(actor=ACTOR, action="x", object_type="t", object_id=1)


def test_changed_fields():
    assert audit.changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == ["b", "c"]
    assert audit.changed_fields(None, {"a": 1}) == ["a"]

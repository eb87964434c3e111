"""Kernel tables. Private to the kernel: other code uses the functions in the kernel modules."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StateHistory(models.Model):
    """One row per applied transition, written by `states.apply_transition`."""

    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    action = models.CharField(max_length=64)
    from_status = models.CharField(max_length=32)
    to_status = models.CharField(max_length=32)
    actor_kind = models.CharField(max_length=16)
    actor_id = models.BigIntegerField(null=True)
    actor_name = models.CharField(max_length=150)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id", "id"])]


class AuditEntry(models.Model):
    actor_kind = models.CharField(max_length=16)
    actor_id = models.BigIntegerField(null=True)
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    org_id = models.BigIntegerField(null=True)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    at = models.DateTimeField(auto_now_add=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"]),
            models.Index(fields=["at"]),
        ]


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "待投递"
    DELIVERED = "delivered", "已投递"
    FAILED = "failed", "投递失败"


class OutboxEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=100)
    payload = models.JSONField()
    org_id = models.BigIntegerField(null=True)
    status = models.CharField(
        max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]


class ProcessedEvent(models.Model):
    """What each handler has processed: the unique pair makes redelivery harmless."""

    handler = models.CharField(max_length=200)
    event_id = models.UUIDField()
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["handler", "event_id"], name="uniq_processed_event")
        ]


class IdempotencyState(models.TextChoices):
    PROCESSING = "processing"
    COMPLETED = "completed"


class IdempotencyRecord(models.Model):
    scope = models.CharField(max_length=128)  # who: a hash of the caller's credentials
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=IdempotencyState.choices)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    response_body = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="uniq_idempotency_key")
        ]


class DocumentSequence(models.Model):
    org_id = models.BigIntegerField()
    doc_type = models.CharField(max_length=16)
    day = models.DateField()
    last_value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org_id", "doc_type", "day"], name="uniq_doc_sequence")
        ]


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField()
    started_at = models.DateTimeField()


# --- imports (kernel.imports) -------------------------------------------------------------------


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Queued")
    VALIDATING = "validating", _("Validating")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
    VALID_ONLY = "valid_only", _("Import the valid rows")


class ImportJob(models.Model):
    """One uploaded file being imported by a registered importer (`kernel.imports`).

    `processed` counts the rows done in the current phase (validating, then importing) and is
    committed as the job runs, so other connections see the progress. The uploaded file and
    the error file live in `ImportJobFile`, so progress updates never rewrite them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org_id = models.BigIntegerField(null=True)
    importer_key = models.CharField(max_length=64)
    filename = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64)
    mode = models.CharField(max_length=16, choices=ImportMode.choices)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    error_sample = models.JSONField(default=list)  # the first row errors, for pages and the API
    has_error_file = models.BooleanField(default=False)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_message = models.TextField(blank=True)
    created_by_kind = models.CharField(max_length=16)
    created_by_id = models.BigIntegerField(null=True)
    created_by_name = models.CharField(max_length=150)
    actor = models.JSONField(default=dict)  # who uploaded, with their rights at that time
    request_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # also the running job's heartbeat
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_by_id", "created_at"]),
            models.Index(fields=["status", "updated_at"]),
        ]


class ImportJobFile(models.Model):
    """The bytes of an import's uploaded file ("upload") or its error file ("errors")."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=16)
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "kind"], name="uniq_import_job_file")]


class ThrottleHit(models.Model):
    """One counted request for `kernel.throttle` (public forms and the like)."""

    key = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["key", "at"])]


class BusinessClock(models.Model):
    """The one row (pk 1) that moves business time on a demo or test instance
    (`kernel.clock`). No row: business time is wall time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    business_at = models.DateTimeField()  # the business time that was set ...
    wall_at = models.DateTimeField()  # ... at this wall time
    frozen = models.BooleanField(default=False)  # stays at business_at instead of running on
    set_by = models.CharField(max_length=150, blank=True)


class Notice(models.Model):
    """站内消息: a message to one user (a credit warning, a decision on their request, a
    price change notice). `title` and `body` are English msgids with `params`, translated
    when shown, so each reader sees their own language."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    params = models.JSONField(default=dict)
    link = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=150, blank=True)  # one notice per recipient and key
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~models.Q(key=""),
                name="kernel_notice_one_per_key",
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "id"])]

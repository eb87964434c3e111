from django.db import models

from omni.kernel.states import Transition, TransitionTable


class WidgetStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    APPROVED = "approved", "已审核"
    REJECTED = "rejected", "已驳回"
    CANCELLED = "cancelled", "已取消"


WIDGET_FLOW = TransitionTable(
    WidgetStatus,
    {
        "submit": Transition({"draft", "rejected"}, "submitted"),
        "approve": Transition({"submitted"}, "approved"),
        "reject": Transition({"submitted"}, "rejected"),
        "cancel": Transition({"draft", "submitted", "rejected"}, "cancelled"),
    },
)


class Widget(models.Model):
    name = models.CharField(max_length=50)
    org_id = models.BigIntegerField(default=1)
    status = models.CharField(max_length=16, choices=WidgetStatus.choices, default="draft")
    counter = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "kernel_testapp"

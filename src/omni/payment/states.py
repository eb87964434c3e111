from django.db import models
from django.utils.translation import gettext_lazy as _

from omni.kernel.states import Transition, TransitionTable


class TransferStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting confirmation")  # 待确认
    CONFIRMED = "confirmed", _("Confirmed")  # 已确认入账
    REJECTED = "rejected", _("Rejected")  # 已驳回


TRANSFER_FLOW = TransitionTable(
    TransferStatus,
    {
        "confirm": Transition({"submitted"}, "confirmed"),
        "reject": Transition({"submitted"}, "rejected"),
    },
)


class TopUpStatus(models.TextChoices):
    CREATED = "created", _("Awaiting payment")  # 待支付
    PAID = "paid", _("Paid")  # 已支付
    FAILED = "failed", _("Failed")  # 下单失败
    CLOSED = "closed", _("Closed")  # 已关闭


TOP_UP_FLOW = TransitionTable(
    TopUpStatus,
    {
        "pay": Transition({"created", "closed"}, "paid"),  # a late payment still counts
        "fail": Transition({"created"}, "failed"),
        "close": Transition({"created"}, "closed"),
    },
)


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Refund pending")  # 退款处理中
    ACCEPTED = "accepted", _("Refunded")  # 已退款
    FAILED = "failed", _("Refund failed")  # 退款失败


REFUND_FLOW = TransitionTable(
    RefundStatus,
    {
        "accept": Transition({"pending"}, "accepted"),
        "fail": Transition({"pending"}, "failed"),
    },
)

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

from django.db import models
from django.utils.translation import gettext_lazy as _

from omni.kernel.states import Transition, TransitionTable


class ProductStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


# Products and SKUs share the same two-state flow (上架 / 下架).
STATUS_FLOW = TransitionTable(
    ProductStatus,
    {
        "activate": Transition({"inactive"}, "active"),
        "deactivate": Transition({"active"}, "inactive"),
    },
)

ACTION_FOR_STATUS = {"active": "activate", "inactive": "deactivate"}

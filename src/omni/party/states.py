from django.db import models
from django.utils.translation import gettext_lazy as _

from omni.kernel.states import Transition, TransitionTable


class CustomerStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    FROZEN = "frozen", _("Frozen")
    EXITED = "exited", _("Exited")


CUSTOMER_FLOW = TransitionTable(
    CustomerStatus,
    {
        "activate": Transition({"prospect"}, "active"),
        "freeze": Transition({"active"}, "frozen"),
        "unfreeze": Transition({"frozen"}, "active"),
        "exit": Transition({"prospect", "active", "frozen"}, "exited"),
    },
)
# Actions that need a reason (for the history and the customer's account manager).
REASON_REQUIRED = frozenset({"freeze", "exit"})


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    MORE_INFO = "more_info", _("More information requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


APPLICATION_FLOW = TransitionTable(
    ApplicationStatus,
    {
        "request_info": Transition({"submitted"}, "more_info"),
        "resubmit": Transition({"more_info"}, "submitted"),
        "approve": Transition({"submitted"}, "approved"),
        "reject": Transition({"submitted", "more_info"}, "rejected"),
    },
)

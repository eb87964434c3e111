from omni.kernel.states import Transition, TransitionTable

from .models import TemporaryCreditStatus

TEMPORARY_FLOW = TransitionTable(
    TemporaryCreditStatus,
    {
        "approve": Transition({"requested"}, "active"),
        "reject": Transition({"requested"}, "rejected"),
        "cancel": Transition({"requested"}, "cancelled"),
        "expire": Transition({"active"}, "expired"),
        "revoke": Transition({"active"}, "revoked"),
    },
)

from django.utils.translation import gettext_lazy as _

from omni.kernel.permissions import register_module

register_module("ledger.account", _("Fund accounts"), ["view", "create", "edit", "export"])
register_module("ledger.entry", _("Journal entries"), ["view", "create", "approve", "export"])
register_module("ledger.hold", _("Fund holds"), ["view", "edit"])
register_module("ledger.statement", _("Statements"), ["view", "confirm", "resolve"])

from django.utils.translation import gettext_lazy as _

from omni.kernel.permissions import register_module

register_module("party.organization", _("Organisations"), ["view", "create", "edit"])
register_module("party.region", _("Sales regions"), ["view", "create", "edit"])
register_module(
    "party.customer",
    _("Customers"),
    ["view", "create", "edit", "approve", "export", "import", "delete"],
)
register_module("party.application", _("Dealer applications"), ["view", "approve"])
register_module("party.supplier", _("Suppliers"), ["view", "create", "edit", "export"])
register_module("party.classification", _("Customer classes and levels"), ["view", "edit"])

from django.utils.translation import gettext_lazy as _

from omni.kernel.permissions import register_module

register_module("inventory.warehouse", _("Warehouses"), ["view", "create", "edit", "export"])
register_module(
    "inventory.stock", _("Stock"), ["view", "receive", "issue", "adjust", "count", "export"]
)
register_module("inventory.reservation", _("Stock reservations"), ["view", "create", "release"])
register_module("inventory.flash", _("Flash sales"), ["view", "edit", "reserve"])

from django.utils.translation import gettext_lazy as _

from omni.kernel.permissions import register_module

register_module("payment.transfer", _("Offline transfers"), ["view", "create", "approve", "export"])
register_module("payment.topup", _("Online top-ups"), ["view", "create", "refund"])
register_module("payment.autopay", _("Auto-pay rules"), ["view", "edit"])

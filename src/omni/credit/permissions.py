from django.utils.translation import gettext_lazy as _

from omni.kernel.permissions import register_module

register_module("credit.limit", _("Credit limits"), ["view", "edit", "export"])
register_module("credit.temporary", _("Temporary credit"), ["view", "request", "approve", "export"])

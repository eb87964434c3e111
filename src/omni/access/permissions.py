from django.utils.translation import gettext_lazy as _

from omni.kernel.permissions import register_module

register_module("access.user", _("Users"), ["view", "create", "edit", "export"])
register_module("access.role", _("Roles and permissions"), ["view", "create", "edit"])
register_module("system.audit", _("Audit log"), ["view", "export"])
register_module("system.outbox", _("Event outbox"), ["view", "edit"])

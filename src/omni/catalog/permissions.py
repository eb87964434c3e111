from django.utils.translation import gettext_lazy as _

from omni.kernel.permissions import register_module

register_module(
    "catalog.product",
    _("Products"),
    ["view", "create", "edit", "delete", "export", "import"],
)
register_module("catalog.brand", _("Brands"), ["view", "create", "edit"])
register_module("catalog.category", _("Product categories"), ["view", "create", "edit"])
register_module("catalog.unit", _("Units of measure"), ["view", "create", "edit"])
register_module(
    "catalog.authorisation", _("Product authorisation"), ["view", "edit", "export", "import"]
)

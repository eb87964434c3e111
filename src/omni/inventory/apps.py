from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "omni.inventory"
    label = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        from . import integrity  # noqa: F401  (registers the stock checks)

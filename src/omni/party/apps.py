from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "omni.party"
    label = "party"
    verbose_name = "Parties"

    def ready(self) -> None:
        from omni.tenancy import directory

        from . import selectors

        directory.register("customers", selectors.list_customers_in_scope)
        directory.register("customer_classes", selectors.list_classes)
        directory.register("customer_levels", selectors.list_levels)

from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "omni.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from omni.kernel import imports

        from .selectors import list_scope_org_ids

        # import jobs are visible by permission and data scope (kernel sits below tenancy)
        imports.set_scope_org_ids(list_scope_org_ids)

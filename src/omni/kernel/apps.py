from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class KernelConfig(AppConfig):
    name = "omni.kernel"
    label = "kernel"
    verbose_name = "Kernel"

    def ready(self) -> None:
        # Each app registers its outbox handlers in handlers.py and its integrity
        # checks in checks.py; importing them here fills the registries.
        autodiscover_modules("permissions")
        autodiscover_modules("handlers")
        autodiscover_modules("integrity")
        autodiscover_modules("importers")

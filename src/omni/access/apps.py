from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "omni.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from . import handlers  # noqa: F401  (registers the outbox handlers)

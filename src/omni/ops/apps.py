from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "omni.ops"
    label = "ops"
    verbose_name = "Operations"

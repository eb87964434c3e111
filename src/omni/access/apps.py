from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "omni.access"
    label = "access"
    verbose_name = "Access"

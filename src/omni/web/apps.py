from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "omni.web"
    label = "web"
    verbose_name = "Web console"

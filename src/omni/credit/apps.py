from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "omni.credit"
    label = "credit"
    verbose_name = "Credit"

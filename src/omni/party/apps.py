from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "omni.party"
    label = "party"
    verbose_name = "Parties"

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "omni.catalog"
    label = "catalog"
    verbose_name = "Catalog"

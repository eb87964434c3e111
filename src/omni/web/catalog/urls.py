from django.urls import path

from . import authorisation, lists, reference, views

app_name = "catalog"

urlpatterns = [
    path("", lists.product_list, name="products"),
    path("products/export/", lists.product_export, name="product-export"),
    path("products/new/", views.product_create, name="product-create"),
    path("products/<int:pk>/", views.product_detail, name="product-detail"),
    path("products/<int:pk>/edit/", views.product_edit, name="product-edit"),
    path("products/<int:pk>/status/", views.product_status, name="product-status"),
    path("brands/", reference.brand_list, name="brands"),
    path("brands/new/", reference.brand_create, name="brand-create"),
    path("brands/<int:pk>/edit/", reference.brand_edit, name="brand-edit"),
    path("categories/", reference.category_list, name="categories"),
    path("categories/new/", reference.category_create, name="category-create"),
    path("categories/<int:pk>/edit/", reference.category_edit, name="category-edit"),
    path("units/", reference.unit_list, name="units"),
    path("units/new/", reference.unit_create, name="unit-create"),
    path("units/<int:pk>/edit/", reference.unit_edit, name="unit-edit"),
    path("authorisation/", authorisation.rule_list, name="authorisation"),
    path("authorisation/export/", authorisation.rule_export, name="authorisation-export"),
    path("authorisation/new/", authorisation.rule_create, name="authorisation-create"),
    path("authorisation/<int:pk>/delete/", authorisation.rule_delete, name="authorisation-delete"),
]

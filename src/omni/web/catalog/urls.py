from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.product_list, name="products"),
    path("products/export/", views.product_export, name="product-export"),
    path("products/new/", views.product_create, name="product-create"),
    path("products/<int:pk>/", views.product_detail, name="product-detail"),
    path("products/<int:pk>/edit/", views.product_edit, name="product-edit"),
    path("products/<int:pk>/status/", views.product_status, name="product-status"),
    path("brands/", views.brand_list, name="brands"),
    path("categories/", views.category_list, name="categories"),
]

from django.urls import path

from . import views

app_name = "party"

urlpatterns = [
    path("customers/", views.customer_list, name="customers"),
    path("customers/export/", views.customer_export, name="customer-export"),
    path("customers/new/", views.customer_create, name="customer-create"),
    path("customers/<int:pk>/", views.customer_detail, name="customer-detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer-edit"),
    path("regions/options/", views.region_options, name="region-options"),
    path("apply/", views.apply, name="apply"),
    path("apply/done/", views.apply_done, name="apply-done"),
    path("apply/status/<str:status_token>/", views.apply_status, name="apply-status"),
    path("apply/<str:token>/", views.apply, name="apply-invited"),
    path("applications/", views.application_list, name="applications"),
    path("applications/invite/", views.application_invite, name="application-invite"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("organizations/", views.organization_tree, name="organizations"),
    path("sales-regions/", views.sales_regions, name="sales-regions"),
    path("classification/", views.classification, name="classification"),
    path("suppliers/", views.supplier_list, name="suppliers"),
    path("suppliers/export/", views.supplier_export, name="supplier-export"),
    path("suppliers/new/", views.supplier_create, name="supplier-create"),
    path("suppliers/<int:pk>/edit/", views.supplier_edit, name="supplier-edit"),
]

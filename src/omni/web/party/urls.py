from django.urls import path

from . import applications, common, customers, lists, structure, suppliers

app_name = "party"

urlpatterns = [
    path("customers/", lists.customer_list, name="customers"),
    path("customers/export/", lists.customer_export, name="customer-export"),
    path("customers/new/", customers.customer_create, name="customer-create"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer-detail"),
    path("customers/<int:pk>/edit/", customers.customer_edit, name="customer-edit"),
    path("regions/options/", common.region_options, name="region-options"),
    path("apply/", applications.apply, name="apply"),
    path("apply/done/", applications.apply_done, name="apply-done"),
    path("apply/status/<str:status_token>/", applications.apply_status, name="apply-status"),
    path("apply/<str:token>/", applications.apply, name="apply-invited"),
    path("applications/", lists.application_list, name="applications"),
    path("applications/invite/", applications.application_invite, name="application-invite"),
    path("applications/<int:pk>/", applications.application_detail, name="application-detail"),
    path("organizations/", structure.organization_tree, name="organizations"),
    path("sales-regions/", structure.sales_regions, name="sales-regions"),
    path("classification/", structure.classification, name="classification"),
    path("suppliers/", lists.supplier_list, name="suppliers"),
    path("suppliers/export/", lists.supplier_export, name="supplier-export"),
    path("suppliers/new/", suppliers.supplier_create, name="supplier-create"),
    path("suppliers/<int:pk>/", suppliers.supplier_detail, name="supplier-detail"),
    path("suppliers/<int:pk>/edit/", suppliers.supplier_edit, name="supplier-edit"),
]

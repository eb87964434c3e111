from django.urls import path

from . import topups, transfers, views

app_name = "ledger"

urlpatterns = [
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/export/", views.account_export, name="account-export"),
    path("accounts/<int:pk>/", views.account_detail, name="account-detail"),
    path("accounts/<int:pk>/statement.xlsx", views.statement_export, name="statement-export"),
    path("accounts/<int:pk>/statement.pdf", views.statement_pdf_download, name="statement-pdf"),
    path("transfers/", transfers.transfer_list, name="transfers"),
    path("transfers/export/", transfers.transfer_export, name="transfer-export"),
    path("transfers/new/", transfers.transfer_create, name="transfer-create"),
    path("transfers/<int:pk>/", transfers.transfer_detail, name="transfer-detail"),
    path("transfers/<int:pk>/voucher/", transfers.transfer_voucher, name="transfer-voucher"),
    path("top-up/", topups.top_up_create, name="top-up"),
    path("top-ups/<int:pk>/", topups.top_up_detail, name="top-up-detail"),
]

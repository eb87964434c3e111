from django.urls import path

from . import entries, holds, interest, topups, transfers, views

app_name = "ledger"

urlpatterns = [
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/export/", views.account_export, name="account-export"),
    path("accounts/<int:pk>/", views.account_detail, name="account-detail"),
    path("accounts/<int:pk>/statement.xlsx", views.statement_export, name="statement-export"),
    path("accounts/<int:pk>/statement.pdf", views.statement_pdf_download, name="statement-pdf"),
    path("holds/", holds.hold_list, name="holds"),
    path("holds/export/", holds.hold_export, name="hold-export"),
    path("entries/", entries.entry_list, name="entries"),
    path("entries/export/", entries.entry_export, name="entry-export"),
    path("entries/<int:pk>/", entries.entry_detail, name="entry-detail"),
    path("interest/", interest.interest_policies, name="interest"),
    path("transfers/", transfers.transfer_list, name="transfers"),
    path("transfers/export/", transfers.transfer_export, name="transfer-export"),
    path("transfers/new/", transfers.transfer_create, name="transfer-create"),
    path("transfers/<int:pk>/", transfers.transfer_detail, name="transfer-detail"),
    path("transfers/<int:pk>/voucher/", transfers.transfer_voucher, name="transfer-voucher"),
    path("top-up/", topups.top_up_create, name="top-up"),
    path("top-ups/", topups.top_up_list, name="top-ups"),
    path("top-ups/export/", topups.top_up_export, name="top-up-export"),
    path("top-ups/<int:pk>/", topups.top_up_detail, name="top-up-detail"),
]

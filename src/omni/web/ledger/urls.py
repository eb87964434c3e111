from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/export/", views.account_export, name="account-export"),
    path("accounts/<int:pk>/", views.account_detail, name="account-detail"),
    path("accounts/<int:pk>/statement.xlsx", views.statement_export, name="statement-export"),
]

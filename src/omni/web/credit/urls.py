from django.urls import path

from . import temporary, views

app_name = "credit"

urlpatterns = [
    path("", views.credit_home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("limits/", views.limit_list, name="limits"),
    path("limits/export/", views.limit_export, name="limit-export"),
    path("limits/set/", views.limit_edit, name="limit-set"),
    path("temporary/", temporary.temporary_list, name="temporary"),
    path("temporary/export/", temporary.temporary_export, name="temporary-export"),
    path("temporary/new/", temporary.temporary_create, name="temporary-create"),
    path("temporary/<int:pk>/", temporary.temporary_detail, name="temporary-detail"),
]

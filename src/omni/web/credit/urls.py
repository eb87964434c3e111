from django.urls import path

from . import views

app_name = "credit"

urlpatterns = [
    path("limits/", views.limit_list, name="limits"),
    path("limits/export/", views.limit_export, name="limit-export"),
    path("limits/set/", views.limit_edit, name="limit-set"),
]

from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("system/health/", views.health, name="health"),
    path("system/audit/", views.audit_list, name="audit"),
    path("system/audit/export/", views.audit_export, name="audit-export"),
    path("system/audit/<int:pk>/", views.audit_detail, name="audit-detail"),
]

from django.urls import path

from . import notices, portal, views
from .access import welcome

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("welcome/<str:uidb64>/<str:token>/", welcome.welcome, name="welcome"),
    path("system/health/", views.health, name="health"),
    path("notices/", notices.notice_list, name="notices"),
    path("notices/<int:pk>/", notices.notice_open, name="notice-open"),
    path("my/company/", portal.company, name="portal-company"),
    path("my/account/", portal.account, name="portal-account"),
    path("system/audit/", views.audit_list, name="audit"),
    path("system/audit/export/", views.audit_export, name="audit-export"),
    path("system/audit/<int:pk>/", views.audit_detail, name="audit-detail"),
]

from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.job_list, name="jobs"),
    path("new/<str:key>/", views.upload, name="upload"),
    path("templates/<str:key>/", views.template, name="template"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("jobs/<uuid:job_id>/status/", views.job_status, name="status"),
    path("jobs/<uuid:job_id>/errors/", views.job_errors, name="errors"),
]

from django.urls import path

from . import lists, tokens, views

app_name = "access"

urlpatterns = [
    path("users/", lists.user_list, name="users"),
    path("users/export/", lists.user_export, name="user-export"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user-edit"),
    path("users/<int:pk>/assign/", views.user_assign, name="user-assign"),
    path("roles/", lists.role_list, name="roles"),
    path("roles/new/", views.role_create, name="role-create"),
    path("roles/<int:pk>/", views.role_detail, name="role-detail"),
    path("tokens/", tokens.my_tokens, name="tokens"),
]

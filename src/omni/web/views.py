from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from omni.kernel.health import check_health


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"active": "home"})


@login_required
def health(request: HttpRequest) -> HttpResponse:
    return render(request, "web/health.html", {"active": "health", "health": check_health()})

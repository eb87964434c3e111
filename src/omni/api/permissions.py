"""Functional permission gates for API routes (grows into roles and data scopes in access)."""

from __future__ import annotations

from django.http import HttpRequest

from omni.kernel.errors import PermissionDenied


def require_staff(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_authenticated and (user.is_staff or user.is_superuser)):
        raise PermissionDenied()

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .nav import NAV


def console(request: HttpRequest) -> dict[str, Any]:
    return {"nav": NAV}

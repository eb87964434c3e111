from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from omni.kernel import notices

from .nav import NAV, is_portal, visible_nav
from .permissions import actor_for


def console(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": NAV}
    actor = actor_for(request)
    return {
        "nav": visible_nav(actor, is_staff=bool(user.is_staff)),
        "portal": is_portal(actor),
        # read only when the page shows the bell
        "unread_notices": SimpleLazyObject(lambda: notices.unread_count(user.pk)),
    }

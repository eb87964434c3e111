"""Page access: the actor of a request and the `needs(...)` decorator every page uses.

A page the user may not open does not exist for them: 404, never 403 (the same rule as
objects outside their data scope).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from omni.access.services.actors import actor_for_request
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound

View = Callable[..., HttpResponse]


def actor_for(request: HttpRequest) -> Actor:
    return actor_for_request(request)


def needs(*permissions: str) -> Callable[[View], View]:
    """Logged-in users holding any of `permissions`; others get 404. The view gets the actor,
    and a NotFound raised by a selector or service becomes the 404 page."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor = actor_for(request)
            if not any(actor.can(p) for p in permissions):
                raise Http404
            try:
                return view(request, actor, *args, **kwargs)
            except NotFound:  # outside the actor's data scope: the page does not exist
                raise Http404 from None

        return wrapped

    return decorate

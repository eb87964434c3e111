"""Page access: the actor of a request and the `needs(...)` decorator every page uses.

A page the user may not open does not exist for them: 404, never 403 (the same rule as
objects outside their data scope). A kernel `PermissionDenied` or `NotFound` raised by a
selector or service while a page is built is that same 404, never a 500; pages still hide
what the actor may not open (`omni.web.nav`, the `can` template filter), so a user never
follows a link to such a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from omni.access.services.actors import actor_for_request
from omni.kernel.actors import Actor
from omni.kernel.errors import NotFound, PermissionDenied

View = Callable[..., HttpResponse]


def actor_for(request: HttpRequest) -> Actor:
    return actor_for_request(request)


def _guarded(allowed: Callable[[Actor], bool]) -> Callable[[View], View]:
    """Logged-in users the actor of whom is `allowed`; others get 404. The view gets the
    actor, and a NotFound or PermissionDenied raised by a selector or service becomes the 404
    page."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor = actor_for(request)
            if not allowed(actor):
                raise Http404
            try:
                return view(request, actor, *args, **kwargs)
            except (NotFound, PermissionDenied):  # outside the actor's rights or data scope
                raise Http404 from None

        return wrapped

    return decorate


def needs(*permissions: str) -> Callable[[View], View]:
    """Logged-in users holding any of `permissions`; others get 404 (see `_guarded`)."""
    return _guarded(lambda actor: any(actor.can(p) for p in permissions))


def needs_all(*permissions: str) -> Callable[[View], View]:
    """Logged-in users holding every one of `permissions`; others get 404."""
    return _guarded(lambda actor: all(actor.can(p) for p in permissions))


# Pages for every logged-in user (the actor decides what they show). The view gets the actor;
# a NotFound or PermissionDenied raised while building the page is a 404.
signed_in: Callable[[View], View] = _guarded(lambda actor: True)

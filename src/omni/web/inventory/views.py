"""The inventory area's entry: the first page this user may open."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from omni.kernel.actors import Actor

from ..permissions import needs

PAGES = (
    ("inventory.stock.view", "inventory:stock"),
    ("inventory.warehouse.view", "inventory:warehouses"),
    ("inventory.reservation.view", "inventory:reservations"),
    ("inventory.stock.count", "inventory:counts"),
    ("inventory.flash.view", "inventory:flash-sales"),
    ("inventory.flash.reserve", "inventory:flash-buy"),
)


@needs(*(permission for permission, _url in PAGES))
def inventory_home(request: HttpRequest, actor: Actor) -> HttpResponse:
    return redirect(next(url for permission, url in PAGES if actor.can(permission)))

"""Notices (站内消息): the user's messages, newest first; opening one marks it read and goes
to what it is about."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from omni.kernel import notices
from omni.kernel.actors import Actor

from .permissions import signed_in

PAGE_SIZE = 50


def _rows(user_id: int, unread_only: bool) -> list[dict[str, Any]]:
    qs = notices.for_user(user_id)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return [
        {
            "notice": n,
            "title": notices.title_of(n),
            "body": notices.body_of(n),
        }
        for n in qs[:PAGE_SIZE]
    ]


@signed_in
def notice_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method == "POST":
        notices.mark_read(actor.id)
        return redirect("web:notices")
    unread_only = request.GET.get("unread") == "1"
    return render(
        request,
        "web/notices.html",
        {
            "active": "notices",
            "rows": _rows(actor.id, unread_only),
            "unread_only": unread_only,
            "unread": notices.unread_count(actor.id),
        },
    )


@signed_in
def notice_open(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    """Mark it read (POST) and go to its link, or back to the list."""
    notice = notices.get(actor.id, pk)
    if request.method == "POST":
        notices.mark_read(actor.id, pk)
    link = notice.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("web:notices")

"""Notices (站内消息) of the calling user: list, mark one or all read. A user's own
messages only; another user's notice answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from omni.kernel import notices

from ..auth import request_actor
from ..pagination import Page, PageIn, paginate
from ..schemas import ERRORS, QueryBool, QueryId

router = Router()


class NoticeOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    params: dict[str, Any]
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NoticeFilter(PageIn):
    unread: QueryBool | None = None


class ReadOut(Schema):
    marked: int
    unread: int


def notice_out(n) -> dict:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": notices.title_of(n),
        "body": notices.body_of(n),
        "params": n.params,
        "link": n.link,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@router.get("", response={200: Page[NoticeOut], **ERRORS}, summary="My notices (站内消息)")
def list_notices(request: HttpRequest, filters: Query[NoticeFilter]):
    actor = request_actor(request)
    qs = notices.for_user(actor.id)
    if filters.unread is not None:
        qs = qs.filter(read_at__isnull=filters.unread)
    return paginate(qs, filters, item=notice_out)


@router.post("/read", response={200: ReadOut, **ERRORS}, summary="Mark all my notices read")
def read_all(request: HttpRequest):
    actor = request_actor(request)
    marked = notices.mark_read(actor.id)
    return {"marked": marked, "unread": notices.unread_count(actor.id)}


@router.post("/{notice_id}/read", response={200: ReadOut, **ERRORS}, summary="Mark one notice read")
def read_one(request: HttpRequest, notice_id: QueryId):
    actor = request_actor(request)
    marked = notices.mark_read(actor.id, notice_id)
    return {"marked": marked, "unread": notices.unread_count(actor.id)}

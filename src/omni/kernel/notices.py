"""Notices (站内消息): messages to users, shown under the bell in the top bar and at
`/notices/`, and read through `GET /api/v1/notices`.

    notices.notify([user_id], kind="credit.warning",
                   title=gettext_noop("%(customer)s has used %(percent)s%% of its credit"),
                   params={"customer": "上海浦江商贸", "percent": 86},
                   link="/credit/dashboard/", key="credit.warning:42:3")

`title` and `body` are English msgids (mark them with `gettext_noop` so `makemessages`
finds them) formatted with `params` when shown, in the reader's language. A non-empty
`key` makes the notice once-only per recipient: repeating `notify` with the same key (a
retried task, two workers) adds nothing. Notices are written in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext

from . import clock
from .errors import NotFound
from .models import Notice


def notify(
    user_ids: Iterable[int | None],
    *,
    kind: str,
    title: str,
    body: str = "",
    params: dict[str, Any] | None = None,
    link: str = "",
    key: str = "",
) -> int:
    """Send the notice to each user (None and repeats skipped); returns how many were new."""
    if link and not (link.startswith("/") and not link.startswith("//")):
        raise ValueError("a notice links inside Omni only (a path starting with /)")
    recipients = sorted({u for u in user_ids if u is not None})
    if not recipients:
        return 0
    rows = [
        Notice(
            recipient_id=u,
            kind=kind[:64],
            title=title[:200],
            body=body,
            params=params or {},
            link=link[:300],
            key=key[:150],
        )
        for u in recipients
    ]
    if key:
        have = set(
            Notice.objects.filter(recipient_id__in=recipients, key=key[:150]).values_list(
                "recipient_id", flat=True
            )
        )
        rows = [r for r in rows if r.recipient_id not in have]
    Notice.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def for_user(user_id: int) -> QuerySet[Notice]:
    return Notice.objects.filter(recipient_id=user_id).order_by("-id")


def unread_count(user_id: int) -> int:
    return Notice.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def get(user_id: int, notice_id: int) -> Notice:
    notice = for_user(user_id).filter(pk=notice_id).first()
    if notice is None:
        raise NotFound(details={"object": "notice", "id": notice_id})
    return notice


def mark_read(user_id: int, notice_id: int | None = None) -> int:
    """Mark one notice (None: all of them) of this user read; returns how many changed."""
    qs = Notice.objects.filter(recipient_id=user_id, read_at__isnull=True)
    if notice_id is not None:
        get(user_id, notice_id)
        qs = qs.filter(pk=notice_id)
    return qs.update(read_at=clock.now())


def _format(text: str, params: dict[str, Any]) -> str:
    if not text:
        return ""
    translated = gettext(text)
    try:
        return translated % params if params else translated
    except (KeyError, TypeError, ValueError):
        return translated


def title_of(notice: Notice) -> str:
    """The title in the active language."""
    return _format(notice.title, notice.params)


def body_of(notice: Notice) -> str:
    return _format(notice.body, notice.params)

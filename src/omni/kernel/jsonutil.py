"""JSON stored as readable text.

Django's JSONField writes ``json.dumps(value)`` with ``ensure_ascii=True``, so on SQLite a
tag 重点 is stored as ``"\\u91cd\\u70b9"`` and a text search for 重点 finds nothing.
`UnicodeJSONEncoder` keeps characters as they are, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


class UnicodeJSONEncoder(DjangoJSONEncoder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)

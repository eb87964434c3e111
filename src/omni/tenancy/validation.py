"""Pure validators for tenancy data. No ORM."""

from __future__ import annotations

import re

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")  # organisation and sales-region codes


def is_valid_code(code: str) -> bool:
    return bool(CODE.match(code or ""))

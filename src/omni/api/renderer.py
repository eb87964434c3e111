"""JSON rendering: times in the server zone (Asia/Shanghai) with offset, Decimal as string."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder


class OmniJSONEncoder(NinjaJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime):
            if timezone.is_aware(o):
                o = timezone.localtime(o)
            return o.isoformat()
        if isinstance(o, Decimal):
            return str(o)
        return super().default(o)


class OmniRenderer(JSONRenderer):
    encoder_class = OmniJSONEncoder
    json_dumps_params = {"ensure_ascii": False}

"""Language: zh-Hans unless the user chose English with the switch (a cookie).

Django's LocaleMiddleware would follow the browser's Accept-Language, so a cashier's
English-configured tablet would show English. The product's users work in Chinese; the
choice is theirs to make explicitly, and it sticks.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.allowed = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if lang not in self.allowed:
            lang = settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", lang)
        return response

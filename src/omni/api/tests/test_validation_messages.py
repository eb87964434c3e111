"""API validation messages speak the request's language: zh-Hans by default, English on
request; never English inside a Chinese envelope."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def _refused(staff_user, language):
    client = Client()
    client.force_login(staff_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # the language switch
    res = client.post(
        "/api/v1/access/roles",
        {"name": "名" * 61, "permissions": "x", "is_portal": "maybe"},
        content_type="application/json",
    )
    assert res.status_code == 422, res.content
    body = res.json()
    return body["message"], {e["field"]: e["message"] for e in body["details"]["errors"]}


def test_validation_messages_are_chinese_in_a_chinese_envelope(staff_user):
    envelope, messages = _refused(staff_user, "zh-hans")
    assert envelope == "部分字段填写有误。"
    assert messages["code"] == "必填。"
    assert messages["name"] == "最多 60 个字符。"
    assert messages["permissions"] == "必须是列表。"
    assert messages["is_portal"] == "必须是 true 或 false。"


def test_validation_messages_stay_english_in_english(staff_user):
    _envelope, messages = _refused(staff_user, "en")
    assert messages["code"] == "Field required"
    assert "60 characters" in messages["name"]

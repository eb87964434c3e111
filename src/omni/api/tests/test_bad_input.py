"""Bad input gets a 4xx with {code, message, details} and changes nothing."""

import pytest

from omni.access.models import ApiToken

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/tokens"


def shape(res):
    body = res.json()
    assert set(body) == {"code", "message", "details"}, body
    return body


def test_malformed_json(staff_api):
    before = ApiToken.objects.count()
    res = staff_api.post(URL, "{not json", content_type="application/json")
    assert res.status_code == 400
    assert shape(res)["code"] == "malformed_body"
    assert ApiToken.objects.count() == before


@pytest.mark.parametrize(
    "body",
    [{}, {"name": 123}, {"name": ""}, {"name": "x" * 101}, {"name": "ok", "extra": 1}, [], '"str"'],
)
def test_wrong_types_missing_and_unknown_fields(staff_api, body):
    before = ApiToken.objects.count()
    res = staff_api.post(URL, body, content_type="application/json")
    assert res.status_code == 422, res.content
    err = shape(res)
    assert err["code"] == "invalid_input"
    assert isinstance(err["details"]["errors"], list) and err["details"]["errors"]
    assert ApiToken.objects.count() == before


def test_oversized_body_is_413(staff_api):
    before = ApiToken.objects.count()
    big = '{"name": "' + "x" * (2 * 1024 * 1024) + '"}'
    res = staff_api.post(URL, big, content_type="application/json")
    assert res.status_code == 413
    assert shape(res)["code"] == "payload_too_large"
    assert ApiToken.objects.count() == before


def test_bad_path_and_query_params(staff_api):
    assert staff_api.delete("/api/v1/auth/tokens/abc").status_code == 422
    res = staff_api.get("/api/v1/audit", {"page": "0"})
    assert res.status_code == 422 and shape(res)["code"] == "invalid_input"
    res = staff_api.get("/api/v1/outbox", {"status": "nonsense"})
    assert res.status_code == 422


def test_unknown_route_and_method(staff_api):
    assert staff_api.get("/api/v1/nope").status_code == 404
    res = staff_api.put(URL, {}, content_type="application/json")
    assert res.status_code == 405


def test_unexpected_error_is_500_with_request_id_and_no_traceback(staff_api, monkeypatch):
    from omni.access.services import tokens

    def boom(**kwargs):
        raise ZeroDivisionError("secret internals")

    monkeypatch.setattr(tokens, "list_tokens", boom)
    res = staff_api.get(URL, headers={"X-Request-ID": "trace-0123456789"})
    assert res.status_code == 500
    body = shape(res)
    assert body["code"] == "internal_error"
    assert body["details"] == {"request_id": "trace-0123456789"}
    assert b"secret internals" not in res.content and b"Traceback" not in res.content
    assert res["X-Request-ID"] == "trace-0123456789"


def test_nul_characters_are_refused_everywhere(staff_api):
    before = ApiToken.objects.count()
    res = staff_api.post(URL, '{"name": "a\\u0000b"}', content_type="application/json")
    assert res.status_code == 400 and shape(res)["code"] == "invalid_characters"
    res = staff_api.get("/api/v1/audit", {"object_type": "a\x00b"})
    assert res.status_code == 400
    assert ApiToken.objects.count() == before

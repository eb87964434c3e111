import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_login_page_and_login_flow(staff_user):
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200
    assert "登录" in page.content.decode()  # zh-Hans by default
    bad = client.post("/login/", {"username": "staff", "password": "wrong"})
    assert bad.status_code == 200 and "用户名或密码错误" in bad.content.decode()
    ok = client.post("/login/", {"username": "staff", "password": "staff-pass-123"})
    assert ok.status_code == 302 and ok["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200


def test_console_needs_login():
    res = Client().get("/")
    assert res.status_code == 302 and res["Location"].startswith("/login/")
    assert Client().get("/system/health/").status_code == 302


def test_navigation_shows_every_area_and_marks_unbuilt_ones(staff_user):
    client = Client()
    client.force_login(staff_user)
    html = client.get("/").content.decode()
    for label in ("订单池", "资金池", "会员", "智慧客服"):
        assert label in html
    assert "unavailable" in html


def test_health_page(staff_user):
    client = Client()
    client.force_login(staff_user)
    res = client.get("/system/health/")
    assert res.status_code == 200
    assert "degraded" in res.content.decode()


def test_language_switch_to_english(staff_user):
    client = Client()
    client.force_login(staff_user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Log out" in client.get("/").content.decode()


def test_chinese_by_default_whatever_the_browser_says():
    res = Client(headers={"Accept-Language": "en-US,en;q=0.9"}).get("/login/")
    assert "登录" in res.content.decode()
    assert res["Content-Language"] == "zh-hans"


def test_an_id_beyond_64_bits_is_404_not_500(staff_user):
    client = Client()
    client.force_login(staff_user)
    assert client.get("/party/customers/99999999999999999999999/").status_code == 404
    res = client.get("/api/v1/party/customers/99999999999999999999999")
    assert res.status_code in (404, 422)


def test_area_entry_pages_send_users_to_what_they_may_open():
    from omni.party.tests.factories import make_world, user_with

    world = make_world()
    reviewer = user_with("reviewer", ["party.application.view"], "org", org=world.east)
    client = Client()
    client.force_login(reviewer)
    home = client.get("/").content.decode()
    assert "客户与组织" in home and "/catalog/" not in home
    res = client.get("/party/customers/")
    assert res.status_code == 302 and res["Location"] == "/party/applications/"
    rules_only = user_with("rules", ["catalog.authorisation.view"], "all")
    client.force_login(rules_only)
    res = client.get("/catalog/")
    assert res.status_code == 302 and res["Location"] == "/catalog/authorisation/"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/party/customers/", "party.customers"),
        ("/party/suppliers/", "party.suppliers"),
        ("/catalog/", "catalog.products"),
        ("/catalog/authorisation/", "catalog.authorisation"),
        ("/access/users/", "access.users"),
        ("/system/audit/", "system.audit"),
        ("/party/applications/", "party.applications"),
        ("/access/roles/", "access.roles"),
    ],
)
def test_list_pages_with_a_filter_bar_offer_saved_filters_once(staff_user, url, name):
    client = Client()
    client.force_login(staff_user)
    html = client.get(url, {"page": "1"}).content.decode()
    assert html.count('data-test="saved-filters"') == 1
    assert f'data-key="omni.{name}.filters.{staff_user.pk}"' in html
    assert 'data-query=""' in html  # nothing filtered, nothing to save

"""Every demo role, through the Django test client on the demo data: every page in their
navigation and every link on those pages opens (no 500, no 404 behind a visible link), and
what each role may not do is hidden rather than refused (issue 13, "Access and pages")."""

from __future__ import annotations

import pytest
from django.test import Client

from omni.access.models import User
from omni.kernel.models import AuditEntry
from omni.party.models import Customer

from .demo_walk import DEMO_ROLES, PORTAL_ROLES, SKIPPED_URL_NAMES, links_of, load_demo, url_name

PAGES_PER_ROLE = 120  # the walk stops there; each kind of page is opened at most twice


@pytest.fixture(scope="module")
def demo_db(django_db_setup, django_db_blocker):
    """The demo data, loaded once for the module (each test still runs in a rolled-back
    transaction), flushed afterwards so the other modules find an empty database."""
    with django_db_blocker.unblock():
        load_demo()
        yield
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def login(demo_db, db):
    def login_as(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return login_as


def walk(client: Client) -> tuple[int, list[str]]:
    """Open the home page, every page its navigation leads to and every link on those pages
    (two levels deep); returns how many pages were opened and what went wrong."""
    problems: list[str] = []
    seen: set[str] = set()
    per_name: dict[str, int] = {}
    queue: list[tuple[str, int, str]] = [("/", 0, "start")]
    opened = 0
    while queue and opened < PAGES_PER_ROLE:
        url, depth, found_on = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        name = url_name(url)
        if name is None:
            problems.append(f"{url} (linked from {found_on}): no such route")
            continue
        if name in SKIPPED_URL_NAMES or per_name.get(name, 0) >= 2:
            continue
        per_name[name] = per_name.get(name, 0) + 1
        res = client.get(url)
        opened += 1
        if res.status_code >= 400:
            problems.append(f"{url} (linked from {found_on}): {res.status_code}")
            continue
        if res.status_code != 200 or "html" not in res.get("Content-Type", "") or depth >= 2:
            continue
        links, _nav = links_of(res.content.decode())
        queue.extend((link, depth + 1, url) for link in links if link not in seen)
    return opened, problems


@pytest.mark.parametrize("username", DEMO_ROLES)
def test_every_link_a_demo_role_sees_opens(login, username):
    opened, problems = walk(login(username))
    assert not problems, f"{username}: " + "; ".join(problems)
    assert opened >= 3


@pytest.mark.parametrize("username", [u for u in DEMO_ROLES if u not in ("admin", "finance")])
def test_the_catalogue_opens_for_roles_without_brand_rights(login, username):
    """It answered 500 (PermissionDenied from list_brands) for every role but admin."""
    res = login(username).get("/catalog/")
    assert res.status_code == 200
    assert 'name="brand"' in res.content.decode()  # the filter offers the brands in use


def test_a_kernel_permission_error_is_a_404_not_a_500(login):
    client = login("cashier")  # may see products and brands, not units of measure
    assert client.get("/catalog/units/").status_code == 404


def test_audit_export_button_only_for_who_may_export(login):
    for username, may in (("admin", True), ("sales_admin", True), ("finance", False)):
        html = login(username).get("/system/audit/").content.decode()
        assert ("/system/audit/export/" in html) is may, username
    assert login("finance").get("/system/audit/export/").status_code == 404


def test_audit_export_survives_control_characters(login):
    """A hostile login name (ESC, vertical tab) made the export a 500 for admins."""
    Client().post("/login/", {"username": "adm\x1bin\x0b", "password": "wrong"})
    assert AuditEntry.objects.filter(after__username__startswith="adm\x1b").exists()
    for username in ("admin", "sales_admin"):
        res = login(username).get("/system/audit/export/")
        assert res.status_code == 200
        assert res["Content-Type"].startswith("application/vnd.openxmlformats")
        b"".join(res.streaming_content)


def test_audit_log_speaks_in_labels_and_names(login):
    html = login("admin").get("/system/audit/?per_page=100").content.decode()
    assert "party.customer_activate" not in html.replace('title="party.customer_activate"', "")
    assert "channel, ip, username" not in html
    assert "prospect→active" not in html
    entry = AuditEntry.objects.filter(action="party.customer_created").first()
    detail = login("admin").get(f"/system/audit/{entry.pk}/").content.decode()
    org = Customer.objects.get(pk=entry.object_id).org
    assert org.name in detail  # the organisation by name, not "3"
    assert "<code>org</code>" not in detail


def test_store_owner_sees_upper_customer_without_a_link_it_cannot_open(login):
    client = login("store_owner")
    store = User.objects.get(username="store_owner").customer
    assert store.upper_id is not None
    html = client.get(f"/party/customers/{store.pk}/").content.decode()
    assert store.upper.name in html
    assert f'href="/party/customers/{store.upper_id}/"' not in html
    assert client.get(f"/party/customers/{store.upper_id}/").status_code == 404


def test_sales_rep_can_save_a_customer_in_their_region(login):
    client = login("sales_rep")
    page = client.get("/party/customers/new/").content.decode()
    assert 'name="org"' in page
    from omni.web.party.forms import CustomerForm, writable_org_choices

    rep = User.objects.get(username="sales_rep")
    from omni.access.services.actors import build_actor

    actor = build_actor(rep)
    orgs = writable_org_choices(actor)
    assert orgs, "the organisation list is empty"
    region = CustomerForm(actor=actor).fields["sales_region"].choices[1][0]
    res = client.post(
        "/party/customers/new/",
        {
            "code": "REP-NEW-1",
            "name": "业务员新建客户",
            "kind": "store",
            "org": orgs[0][0],
            "sales_region": region,
        },
    )
    assert res.status_code == 302, res.content.decode()[:3000]
    created = Customer.objects.get(code="REP-NEW-1")
    assert str(created.sales_region_id) == region
    assert client.get(f"/party/customers/{created.pk}/").status_code == 200


def test_sales_rep_must_choose_one_of_their_regions(login):
    client = login("sales_rep")
    from omni.access.services.actors import build_actor
    from omni.web.party.forms import writable_org_choices

    org = writable_org_choices(build_actor(User.objects.get(username="sales_rep")))[0][0]
    res = client.post(
        "/party/customers/new/",
        {"code": "REP-NEW-2", "name": "无区域", "kind": "store", "org": org},
    )
    assert res.status_code == 200
    assert not Customer.objects.filter(code="REP-NEW-2").exists()


@pytest.mark.parametrize("username", PORTAL_ROLES)
def test_portal_users_get_their_own_home_never_the_staff_console(login, username):
    client = login(username)
    html = client.get("/").content.decode()
    assert 'data-test="portal-company"' in html
    assert 'data-test="portal-tabbar"' in html
    for staff_only in ('data-tile="outbox-pending"', 'data-tile="worker"', "/api/v1/docs"):
        assert staff_only not in html
    assert 'data-coming="ordering"' in html  # ordering is shown, greyed out
    assert client.get("/system/health/").status_code == 404
    company = client.get("/my/company/")
    assert company.status_code == 302
    assert client.get(company["Location"]).status_code == 200
    assert client.get("/my/account/").status_code == 200


def test_api_docs_only_in_the_menu_of_staff_with_system_access(login):
    assert "/api/v1/docs" in login("admin").get("/").content.decode()
    for username in ("finance", "warehouse", "cashier", "dealer"):
        assert "/api/v1/docs" not in login(username).get("/").content.decode(), username


def test_home_and_health_say_the_database_state_in_words(login):
    client = login("admin")
    for url in ("/", "/system/health/"):
        html = client.get(url).content.decode()
        assert "ok (sqlite)" not in html and "(sqlite)" not in html
        assert "SQLite" in html or "PostgreSQL" in html


def test_imports_page_is_titled_imports_not_importing(login):
    html = login("admin").get("/imports/").content.decode()
    assert "导入中" not in html
    assert "导出 Excel" not in html


def test_sales_region_form_has_a_searchable_province_picker(login):
    html = login("admin").get("/party/sales-regions/").content.decode()
    assert 'data-picker="provinces"' in html
    assert 'type="checkbox" name="provinces"' in html
    assert '<select name="provinces"' not in html

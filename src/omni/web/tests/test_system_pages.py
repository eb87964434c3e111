"""Workbench, audit log list / detail / export (Django test client; the browser side is in
test_browser_shell.py)."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from omni.kernel.testing import assert_max_queries
from omni.web.tests.factories import (
    AUDIT_EXPORT_HEADER,
    audit_entry,
    days_ago,
    three_audit_entries,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.fixture
def entries():
    return three_audit_entries()


def test_audit_log_needs_the_audit_permission(plain_user):
    assert Client().get("/system/audit/").status_code == 302  # anonymous: to the login page
    client = Client()
    client.force_login(plain_user)
    for url in ("/system/audit/", "/system/audit/export/", "/system/audit/1/"):
        assert client.get(url).status_code == 404
    assert "审计日志" not in client.get("/").content.decode()  # not in their sidebar either


def test_audit_log_lists_filters_and_sorts(staff, entries):
    html = staff.get("/system/audit/").content.decode()
    assert "共 3 条" in html and "credit.limit_changed" in html
    assert html.index('catalog.price <span class="muted">#2') < html.index(
        "#1</span>"
    )  # newest first

    html = staff.get("/system/audit/", {"object_type": "catalog.price"}).content.decode()
    assert "共 2 条" in html and "credit.limit_changed" not in html

    html = staff.get("/system/audit/", {"action": "LIMIT", "actor": "李"}).content.decode()
    assert "共 1 条" in html and "credit.limit_changed" in html

    html = staff.get(
        "/system/audit/", {"date_from": days_ago(1).date().isoformat()}
    ).content.decode()
    assert "共 2 条" in html

    html = staff.get("/system/audit/", {"sort": "at"}).content.decode()
    assert html.index("#1</span>") < html.index("#2</span>")  # oldest first


def test_audit_log_reports_bad_filters_in_zh_hans(staff, entries):
    html = staff.get("/system/audit/", {"date_from": "2026-13-45"}).content.decode()
    assert "输入一个有效的日期。" in html and "共 3 条" in html  # the bad filter is left out
    html = staff.get(
        "/system/audit/", {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    ).content.decode()
    assert "结束日期早于开始日期。" in html


def test_audit_log_pages(staff):
    for i in range(25):
        audit_entry(object_id=i)
    html = staff.get("/system/audit/", {"page": "2"}).content.decode()
    assert "共 25 条" in html and html.count("<tr>") == 1 + 5  # header + the last 5 rows
    html = staff.get("/system/audit/", {"per_page": "50"}).content.decode()
    assert html.count("<tr>") == 1 + 25


def test_audit_log_query_budget(staff):
    for i in range(30):
        audit_entry(object_id=i)
    with assert_max_queries(6):  # session, user, object types, count, rows, unread notices
        assert staff.get("/system/audit/", {"per_page": "100"}).status_code == 200


def test_audit_export_has_chinese_headers_and_only_the_filtered_rows(staff, entries):
    res = staff.get("/system/audit/export/", {"object_type": "catalog.price", "page": "2"})
    assert res.status_code == 200
    assert res["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in res["Content-Disposition"]
    ws = load_workbook(io.BytesIO(b"".join(res.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == AUDIT_EXPORT_HEADER
    assert [r[5] for r in rows[1:]] == ["2", "1"]  # newest first, credit entry filtered out
    # an action, object type and field without a label read as words, never as raw codes
    assert rows[1][1] == "王芳" and rows[1][2] == "系统" and rows[1][7] == "price"


def test_audit_detail_has_summary_and_change_history(staff, entries):
    first, _, _ = entries
    again = audit_entry(
        object_type="catalog.price",
        object_id=1,
        before={"price": "12.00"},
        after={"price": "15.00"},
    )
    html = staff.get(f"/system/audit/{first.pk}/").content.decode()
    assert f"审计记录 #{first.pk}" in html
    assert 'data-tab="summary"' in html and 'data-tab="history"' in html and "变更记录" in html
    assert '<span class="count">2</span>' in html  # both entries of catalog.price #1
    assert "15.00" in html and "10.00" in html
    assert staff.get(f"/system/audit/{again.pk + 100}/").status_code == 404


def test_workbench_tiles_and_chart_use_real_numbers(staff, entries):
    html = staff.get("/").content.decode()
    assert 'data-tile="status"' in html and 'data-tile="outbox-pending"' in html
    assert "降级运行" in html  # no worker heartbeat in tests
    assert "近 14 天每日审计记录数" in html
    res = staff.get("/")
    chart = res.context["audit_chart"]
    assert len(chart["days"]) == 14 and chart["total"] == 3
    assert chart["counts"][-1] == 1 and chart["counts"][-2] == 1 and chart["counts"][-4] == 1
    assert "echarts.min.js" in html


def test_workbench_without_audit_entries_shows_no_chart(staff):
    html = staff.get("/").content.decode()
    assert "这段时间没有审计记录。" in html and "echarts.min.js" not in html


def test_workbench_hides_audit_chart_from_non_staff(plain_user):
    client = Client()
    client.force_login(plain_user)
    html = client.get("/").content.decode()
    assert 'data-tile="status"' in html and "审计记录数" not in html


def test_audit_log_shows_only_the_organisations_in_scope():
    from omni.kernel.models import AuditEntry
    from omni.party.tests.factories import make_world, user_with

    world = make_world()  # creates customers in both subsidiaries, each audited with its org
    auditor = user_with("auditor", ["system.audit.view"], "org", org=world.east)
    client = Client()
    client.force_login(auditor)
    html = client.get("/system/audit/", {"per_page": 100}).content.decode()
    assert (
        f"/system/audit/{AuditEntry.objects.filter(org_id=world.south_sales.pk).first().pk}/"
        not in html
    )
    south_entry = AuditEntry.objects.filter(org_id=world.south_sales.pk).first()
    east_entry = AuditEntry.objects.filter(org_id=world.east_sales.pk).first()
    assert client.get(f"/system/audit/{south_entry.pk}/").status_code == 404
    assert client.get(f"/system/audit/{east_entry.pk}/").status_code == 200
    assert "审计日志" in client.get("/").content.decode()  # in their sidebar

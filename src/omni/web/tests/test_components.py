"""The reusable console building blocks: query strings, sorting, pagination, export, progress,
change history, form fields and flash messages."""

import io

import pytest
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.http import QueryDict
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from openpyxl import load_workbook

from omni.kernel import audit
from omni.web.audit_display import history_rows
from omni.web.excel import xlsx_response
from omni.web.listing import paginate, resolve_sort, saved_filters
from omni.web.tests.factories import audit_entry

SORTS = {"at": ("at", "id"), "actor": ("actor_name", "id")}


def render(source: str, request, **context) -> str:
    return Template("{% load omni_ui %}" + source).render(Context({"request": request, **context}))


def test_query_string_keeps_other_parameters_and_drops_none():
    request = RequestFactory().get("/x/", {"status": "open", "q": "王", "page": "3"})
    out = render('{% query_string page=None sort="-at" %}', request)
    assert out.startswith("?")
    assert "status=open" in out and "q=%E7%8E%8B" in out and "sort=-at" in out
    assert "page=" not in out
    assert (
        render("{% query_string page=None q=None status=None %}", RequestFactory().get("/")) == "?"
    )


def test_sort_header_toggles_direction_keeps_filters_and_resets_page():
    # given the list sorted by time, newest first, on page 2 of a filtered list
    request = RequestFactory().get("/x/", {"actor": "王", "sort": "-at", "page": "2"})
    listing = paginate(request, [], sort=resolve_sort(request, SORTS, default="-at"))
    # when the time and actor headers are rendered
    at = render('{% sort_header "at" "时间" %}', request, listing=listing)
    actor = render('{% sort_header "actor" "操作人" %}', request, listing=listing)
    # then time shows descending and links to ascending; actor links to ascending actor
    assert 'aria-sort="descending"' in at and "sort=at" in at and "actor=%E7%8E%8B" in at
    assert "page=" not in at
    assert 'aria-sort="none"' in actor and "sort=actor" in actor


def test_resolve_sort_refuses_unknown_fields():
    rf = RequestFactory()
    assert resolve_sort(rf.get("/", {"sort": "-actor"}), SORTS, default="-at").order_by == (
        "-actor_name",
        "-id",
    )
    assert resolve_sort(rf.get("/", {"sort": "password"}), SORTS, default="-at").key == "-at"
    assert resolve_sort(rf.get("/", {"sort": "at"}), SORTS, default="-at").order_by == ("at", "id")


def test_paginate_bad_input_falls_back():
    rf = RequestFactory()
    rows = list(range(45))
    listing = paginate(rf.get("/", {"per_page": "7", "page": "99"}), rows)
    assert (
        listing.per_page == 20 and listing.page.number == 3 and listing.rows == [40, 41, 42, 43, 44]
    )
    assert paginate(rf.get("/", {"per_page": "x"}), rows).per_page == 20
    assert paginate(rf.get("/", {"per_page": "50"}), rows).page.paginator.num_pages == 1


def test_pagination_component_shows_total_pages_and_page_size():
    request = RequestFactory().get("/x/", {"actor": "王", "page": "2"})
    listing = paginate(request, list(range(45)))
    html = render_to_string(
        "web/components/pagination.html", {"listing": listing, "request": request}
    )
    assert "共 45 条" in html
    assert 'aria-current="page">2<' in html
    assert "?actor=%E7%8E%8B&amp;page=3" in html
    assert '<input type="hidden" name="actor" value="王">' in html
    assert '<option value="20" selected>' in html


def test_xlsx_response_streams_a_workbook_and_keeps_formulas_as_text():
    response = xlsx_response(
        filename="导出.xlsx",
        sheet_title="测试",
        headers=["名称", "数量"],
        rows=[('=HYPERLINK("http://x")', 3), ({"a": 1}, None)],
    )
    assert response.streaming
    assert "attachment" in response["Content-Disposition"]
    assert "%E5%AF%BC%E5%87%BA.xlsx" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("名称", "数量")
    assert rows[1] == ('\'=HYPERLINK("http://x")', 3)  # OWASP: a quote before = + - @
    assert ws["A2"].data_type == "s"  # text, not a formula
    assert rows[2] == ('{"a": 1}', None)


def test_xlsx_response_caps_rows_and_says_so():
    response = xlsx_response(
        filename="x.xlsx", sheet_title="x", headers=["n"], rows=([i] for i in range(10)), max_rows=3
    )
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1:4] == [(0,), (1,), (2,)]
    assert rows[4] == ("仅导出了前 3 行。",)


def test_progress_polls_until_done():
    running = render_to_string(
        "web/components/progress.html",
        {
            "progress": {
                "url": "/jobs/7/progress/",
                "percent": 40,
                "label": "导入客户",
                "done": False,
            }
        },
    )
    assert 'hx-get="/jobs/7/progress/"' in running and 'hx-trigger="every 1s"' in running
    assert 'aria-valuenow="40"' in running and "40%" in running
    done = render_to_string(
        "web/components/progress.html",
        {
            "progress": {
                "url": "/jobs/7/progress/",
                "percent": 100,
                "label": "导入客户",
                "done": True,
            }
        },
    )
    assert "hx-get" not in done and "已完成" in done


@pytest.mark.django_db
def test_history_component_renders_rows_from_the_audit_trail():
    audit_entry(
        object_id=9, before={"price": "10.00", "name": "甲"}, after={"price": "12.50", "name": "甲"}
    )
    html = render_to_string(
        "web/components/history.html", {"history": audit.history_rows("catalog.price", 9)}
    )
    assert "王芳" in html and "price.updated" in html
    assert "<td>price</td>" in html and "10.00" in html and "12.50" in html
    assert "<td>name</td>" not in html  # unchanged fields are not listed
    # the pages pass the rows in people's words: field labels instead of names
    audit_entry(object_id=9, before={"status": "draft"}, after={"status": "active"})
    worded = render_to_string(
        "web/components/history.html", {"history": history_rows("catalog.price", 9)}
    )
    assert "状态" in worded and "<code>status</code>" not in worded
    empty = render_to_string("web/components/history.html", {"history": []})
    assert "暂无变更记录" in empty


def test_field_component_shows_zh_hans_validation_message():
    form = AuthenticationForm(data={"username": "", "password": ""})
    form.is_valid()
    html = render_to_string("web/components/field.html", {"field": form["username"]})
    assert "这个字段是必填项。" in html
    assert 'aria-invalid="true"' in html and "has-error" in html
    assert '<span class="req" aria-hidden="true">*</span>' in html


@pytest.mark.django_db
def test_logout_flashes_a_message_on_the_login_page(staff_user):
    client = Client()
    client.force_login(staff_user)
    res = client.post("/logout/", follow=True)
    html = res.content.decode()
    assert res.redirect_chain[-1][0].startswith("/login/")
    assert "您已退出登录。" in html and "message-info" in html


@pytest.mark.django_db
def test_saved_filters_keep_the_filter_sort_and_page_size_per_list_and_user(staff_user):
    class Filters(forms.Form):
        status = forms.CharField(required=False)
        search = forms.CharField(required=False)

    # given a filtered, sorted page 3 that also carries another form's field
    request = RequestFactory().get(
        "/x/",
        {
            "status": "open",
            "search": " ",
            "sort": "-at",
            "per_page": "50",
            "page": "3",
            "preview-customer": "C1",
        },
    )
    request.user = staff_user
    # when the saved-filters context is made
    ctx = saved_filters(request, "party.customers", Filters(request.GET))
    # then the key is per list and user, and "save" keeps the non-empty filter, sort and size
    assert ctx["saved_filters_key"] == f"omni.party.customers.filters.{staff_user.pk}"
    assert dict(QueryDict(ctx["saved_query"]).lists()) == {
        "status": ["open"],
        "sort": ["-at"],
        "per_page": ["50"],
    }
    request = RequestFactory().get("/x/", {"page": "2", "search": ""})
    request.user = staff_user
    assert saved_filters(request, "party.customers", Filters(request.GET))["saved_query"] == ""

"""The imports API (/api/v1/imports) and pages (/imports/), with the test widget importer."""

import io
import zipfile

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils.html import escape
from openpyxl import load_workbook

from omni.kernel import excel, imports
from omni.kernel.actors import Actor
from omni.kernel.models import ImportJob, ImportStatus
from omni.kernel.tests.test_imports import GOOD, MIXED, PERMISSION, widget_file
from omni.kernel.tests.testapp.models import Widget

API = "/api/v1/imports"


def make_user(username, *, permissions=(), scope="own", **flags):
    user = get_user_model().objects.create_user(username, password=f"{username}-pass-123", **flags)
    if permissions:
        role = apps.get_model("access", "Role").objects.create(
            code=f"r-{username}", name=username, permissions=list(permissions)
        )
        apps.get_model("access", "RoleAssignment").objects.create(
            user=user, role=role, scope_kind=scope
        )
    return user


def token_client(username) -> Client:
    res = Client().post(
        "/api/v1/auth/token",
        {"username": username, "password": f"{username}-pass-123"},
        content_type="application/json",
    )
    assert res.status_code == 200, res.content
    return Client(headers={"Authorization": f"Bearer {res.json()['token']}"})


@pytest.fixture
def alice(db):
    make_user("alice", permissions=[PERMISSION])
    return token_client("alice")


@pytest.fixture
def bob(db):
    make_user("bob", permissions=[PERMISSION])
    return token_client("bob")


@pytest.fixture
def boss(db):
    """Holds the importer's permission over the whole enterprise."""
    make_user("boss", permissions=[PERMISSION], scope="all")
    return token_client("boss")


@pytest.fixture
def staffer(db):
    """Django's `is_staff` without the importer's permission: decides nothing."""
    make_user("staffer", is_staff=True)
    return token_client("staffer")


def _rewrite(data: bytes, name: str, body: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, body if info.filename == name else zin.read(info.filename))
    return out.getvalue()


def _doctype_sheet():
    data = widget_file(GOOD)
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    start = sheet.index(b"<worksheet")
    body = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaa">]>' + sheet[start:]
    return _rewrite(data, "xl/worksheets/sheet1.xml", body), "xml_doctype"


def _truncated_sheet():
    data = widget_file(GOOD)
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    return _rewrite(data, "xl/worksheets/sheet1.xml", sheet[:-30]), "malformed_part"


def _ole(*names):
    body = b"".join(n.encode("utf-16-le").ljust(64, b"\0") for n in names)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + body


HOSTILE = {
    "doctype": _doctype_sheet,
    "truncated": _truncated_sheet,
    "encrypted": lambda: (_ole("EncryptionInfo", "EncryptedPackage"), "password_protected"),
    "xls": lambda: (_ole("Workbook"), "legacy_xls"),
}


def upload(client, data, mode="all_or_nothing", name="部件.xlsx"):
    fields = {"file": SimpleUploadedFile(name, data)}
    if mode is not None:
        fields["mode"] = mode
    return client.post(f"{API}/test.widgets", fields)


def error(res, status, code):
    assert res.status_code == status, res.content
    body = res.json()
    assert body["code"] == code and set(body) == {"code", "message", "details"}
    return body


@pytest.mark.django_db
class TestApi:
    def test_importers_are_listed_with_their_columns(self, alice, plain_api):
        res = alice.get(f"{API}/importers")
        assert res.status_code == 200
        (item,) = [i for i in res.json() if i["key"] == "test.widgets"]
        assert [c["header"] for c in item["columns"]] == ["名称", "计数", "组织"]
        assert item["columns"][0]["required"] and item["sheet_name"] == "部件"
        assert item["template_url"] == f"{API}/templates/test.widgets"
        assert "test.widgets" not in [i["key"] for i in plain_api.get(f"{API}/importers").json()]

    def test_template_download(self, alice, plain_api):
        res = alice.get(f"{API}/templates/test.widgets")
        assert res.status_code == 200
        assert res["Content-Type"] == excel.XLSX_CONTENT_TYPE
        assert "attachment" in res["Content-Disposition"]
        ws = load_workbook(io.BytesIO(res.content))["部件"]
        assert [c.value for c in ws[1]] == ["名称", "计数", "组织"]
        error(plain_api.get(f"{API}/templates/test.widgets"), 403, "permission_denied")
        error(alice.get(f"{API}/templates/nope"), 404, "importer_not_found")

    def test_upload_answers_202_with_the_job(self, alice, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            res = upload(alice, widget_file(GOOD))
        assert res.status_code == 202, res.content
        job = res.json()
        assert job["status"] == "pending" and job["filename"] == "部件.xlsx"
        assert job["mode"] == "all_or_nothing" and job["percent"] is None
        assert len(callbacks) == 1

    @pytest.mark.parametrize(
        "data,code",
        [
            (b"hello, this is a CSV\n1,2\n", "not_xlsx"),
            (widget_file(GOOD, sheet="Sheet1"), "sheet_not_found"),
        ],
    )
    def test_bad_files_answer_400_with_a_stable_code(self, alice, data, code):
        body = error(upload(alice, data), 400, code)
        assert body["message"]
        assert not ImportJob.objects.exists()

    @pytest.mark.parametrize("kind", sorted(HOSTILE))
    def test_hostile_files_answer_400_naming_the_problem_never_500(self, alice, kind):
        data, code = HOSTILE[kind]()
        body = error(upload(alice, data), 400, code)
        assert body["message"] and body["details"].get("part", "x") in body["message"]
        assert not ImportJob.objects.exists()

    def test_unknown_columns_are_a_warning_of_the_upload(self, alice):
        res = upload(alice, widget_file(GOOD, extra_header="颜色"))
        assert res.status_code == 202, res.content
        (warning,) = res.json()["warnings"]
        assert "颜色" in warning

    def test_missing_file_and_bad_mode(self, alice):
        error(alice.post(f"{API}/test.widgets", {"mode": "valid_only"}), 400, "file_required")
        error(upload(alice, widget_file(GOOD), mode="maybe"), 422, "invalid_mode")

    def test_too_large_answers_413(self, alice):
        with override_settings(OMNI_IMPORT_MAX_FILE_BYTES=1000):
            body = error(upload(alice, widget_file(GOOD) + b"\0" * 200_000), 413, "file_too_large")
        assert body["details"]["limit_bytes"] == 1000

    def test_permission_and_authentication(self, plain_api):
        error(upload(plain_api, widget_file(GOOD)), 403, "permission_denied")
        error(upload(Client(), widget_file(GOOD)), 401, "not_authenticated")
        error(plain_api.post(f"{API}/nope"), 404, "importer_not_found")

    def test_another_users_job_is_404_a_scoped_permission_holder_sees_it(
        self, alice, bob, boss, staffer
    ):
        # given alice's job; bob holds the permission for his own records only
        job_id = upload(alice, widget_file(MIXED), mode="valid_only").json()["id"]
        imports.run_import(job_id)
        assert alice.get(f"{API}/jobs/{job_id}").status_code == 200
        assert alice.get(f"{API}/jobs/{job_id}/errors").status_code == 200
        error(bob.get(f"{API}/jobs/{job_id}"), 404, "not_found")
        error(bob.get(f"{API}/jobs/{job_id}/errors"), 404, "not_found")
        error(bob.get(f"{API}/jobs/not-a-uuid"), 404, "not_found")
        assert bob.get(f"{API}/jobs").json()["total"] == 0
        assert alice.get(f"{API}/jobs").json()["total"] == 1
        assert boss.get(f"{API}/jobs/{job_id}").status_code == 200
        assert boss.get(f"{API}/jobs").json()["total"] == 1
        # and is_staff alone shows nothing of other people's
        error(staffer.get(f"{API}/jobs/{job_id}"), 404, "not_found")
        assert staffer.get(f"{API}/jobs").json()["total"] == 0

    def test_job_without_errors_has_no_error_file(self, alice):
        job_id = upload(alice, widget_file(GOOD)).json()["id"]
        imports.run_import(job_id)
        job = alice.get(f"{API}/jobs/{job_id}").json()
        assert job["error_file_url"] is None and job["percent"] == 100
        error(alice.get(f"{API}/jobs/{job_id}/errors"), 404, "no_error_file")


@pytest.mark.django_db(transaction=True)
def test_upload_then_poll_until_done_with_the_real_worker():
    make_user("carol", permissions=[PERMISSION])
    carol = token_client("carol")
    res = upload(carol, widget_file(MIXED), mode="valid_only")
    assert res.status_code == 202
    url = f"{API}/jobs/{res.json()['id']}"
    assert carol.get(url).json()["status"] == "pending"
    call_command("worker", batch=True, interval=0)
    job = carol.get(url).json()
    assert job["status"] == "done", job
    assert (job["total_rows"], job["created"], job["error_rows"]) == (5, 2, 3)
    assert job["errors"][0] == {"row": 3, "column": "计数", "reason": "不能小于 0"}
    res = carol.get(job["error_file_url"])
    assert res.status_code == 200
    ws = load_workbook(io.BytesIO(res.content))["部件"]
    assert [c.value for c in ws[1]][-3:] == ["行号", "错误列", "错误原因"]
    assert ws.max_row == 4
    assert Widget.objects.count() == 2


# --- pages -----------------------------------------------------------------------------------


@pytest.fixture
def alice_web(db):
    client = Client()
    client.force_login(make_user("alice", permissions=[PERMISSION]))
    return client


@pytest.mark.django_db
class TestPages:
    def test_history_upload_job_and_error_file(self, alice_web):
        res = alice_web.get("/imports/")
        assert res.status_code == 200 and "/imports/new/test.widgets/" in res.content.decode()
        res = alice_web.get("/imports/new/test.widgets/")
        assert res.status_code == 200
        page = res.content.decode()
        assert "/imports/templates/test.widgets/" in page and 'type="file"' in page
        assert 'value="valid_only"' in page
        res = alice_web.get("/imports/templates/test.widgets/")
        assert res.status_code == 200 and res["Content-Type"] == excel.XLSX_CONTENT_TYPE

        res = alice_web.post(
            "/imports/new/test.widgets/",
            {"file": SimpleUploadedFile("w.xlsx", widget_file(MIXED)), "mode": "valid_only"},
        )
        assert res.status_code == 302
        job = ImportJob.objects.get()
        assert res["Location"] == f"/imports/jobs/{job.pk}/"
        page = alice_web.get(res["Location"]).content.decode()
        assert f'hx-get="/imports/jobs/{job.pk}/status/"' in page  # polling while queued
        imports.run_import(job.pk)
        status = alice_web.get(f"/imports/jobs/{job.pk}/status/").content.decode()
        assert 'data-status="done"' in status and "hx-get" not in status  # polling stops
        assert f"/imports/jobs/{job.pk}/errors/" in status and "不能小于 0" in status
        res = alice_web.get(f"/imports/jobs/{job.pk}/errors/")
        assert res.status_code == 200 and res["Content-Type"] == excel.XLSX_CONTENT_TYPE
        assert "w.xlsx" in alice_web.get("/imports/").content.decode()

    def test_bad_file_is_reported_on_the_form(self, alice_web):
        res = alice_web.post(
            "/imports/new/test.widgets/",
            {"file": SimpleUploadedFile("w.xlsx", b"not excel"), "mode": "all_or_nothing"},
        )
        assert res.status_code == 400
        assert ".xlsx" in res.content.decode()
        assert not ImportJob.objects.exists()

    @pytest.mark.parametrize("kind", sorted(HOSTILE))
    def test_hostile_files_are_reported_on_the_form(self, alice_web, kind):
        data, code = HOSTILE[kind]()
        res = alice_web.post(
            "/imports/new/test.widgets/",
            {"file": SimpleUploadedFile("w.xlsx", data), "mode": "all_or_nothing"},
        )
        assert res.status_code == 400
        with pytest.raises(excel.ExcelFileError) as info:
            excel.check_xlsx(data, imports.get_importer("test.widgets").spec)
        assert info.value.code == code
        assert escape(str(info.value.message)) in res.content.decode()
        assert not ImportJob.objects.exists()

    def test_unknown_columns_are_shown_as_a_warning_after_upload(self, alice_web):
        res = alice_web.post(
            "/imports/new/test.widgets/",
            {
                "file": SimpleUploadedFile("w.xlsx", widget_file(GOOD, extra_header="颜色")),
                "mode": "all_or_nothing",
            },
            follow=True,
        )
        assert res.status_code == 200
        assert "颜色" in res.content.decode()

    def test_other_users_and_importers_without_permission_are_404(self, alice_web, db):
        job = imports.start_import(
            actor=Actor.system(),
            importer_key="test.widgets",
            file_bytes=widget_file(GOOD),
            filename="x.xlsx",
            mode="all_or_nothing",
        )
        for url in (
            f"/imports/jobs/{job.pk}/",
            f"/imports/jobs/{job.pk}/status/",
            f"/imports/jobs/{job.pk}/errors/",
        ):
            assert alice_web.get(url).status_code == 404
        nobody = Client()
        nobody.force_login(make_user("nobody"))
        assert nobody.get("/imports/new/test.widgets/").status_code == 404
        assert nobody.get("/imports/templates/test.widgets/").status_code == 404
        assert nobody.get("/imports/").status_code == 200
        assert ImportJob.objects.get().status == ImportStatus.PENDING

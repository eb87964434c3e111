"""The import pages in headless chromium: upload, watch the progress bar, get the error file."""

from __future__ import annotations

import re

import pytest

from omni.kernel import imports
from omni.kernel.actors import Actor, ActorKind
from omni.kernel.models import ImportJob
from omni.kernel.tests.test_imports import MIXED, widget_file
from omni.kernel.tests.test_imports_api import PERMISSION, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_upload_leave_come_back_and_download_the_error_file(page, browser_login, tmp_path):
    from playwright.sync_api import expect

    make_user("alice", permissions=[PERMISSION])
    browser_login("alice", "alice-pass-123")
    page.goto("/imports/")
    with page.expect_navigation():
        page.locator("[data-test=importers] a.button", has_text=re.compile(r"^\s*部件\s*$")).click()
    expect(page.locator("[data-test=template-link]")).to_be_visible()

    upload = tmp_path / "部件.xlsx"
    upload.write_bytes(widget_file(MIXED))
    page.locator("input[type=file]").set_input_files(str(upload))
    page.locator("input[value=valid_only]").check()
    with page.expect_navigation():
        page.locator("[data-test=upload-form] button[type=submit]").click()
    job = ImportJob.objects.get()
    assert page.url.endswith(f"/imports/jobs/{job.pk}/")
    expect(page.locator("[data-test=job-status]")).to_have_attribute("data-status", "pending")

    page.goto("/imports/")  # the user leaves…
    imports.run_import(job.pk)  # …the worker runs the job meanwhile
    with page.expect_navigation():
        page.locator("[data-test=job-row] a", has_text="部件.xlsx").click()  # …and comes back
    expect(page.locator("[data-test=job-status]")).to_have_attribute("data-status", "done")
    expect(page.locator("[data-test=job-errors] tbody tr")).to_have_count(3)
    with page.expect_download() as download:
        page.locator("[data-test=error-file]").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_the_progress_bar_polls_until_the_job_is_done(page, browser_login, tmp_path):
    from playwright.sync_api import expect

    alice = make_user("alice", permissions=[PERMISSION])
    job = imports.start_import(
        actor=Actor(ActorKind.USER, alice.pk, "alice", permissions=frozenset({PERMISSION})),
        importer_key="test.widgets",
        file_bytes=widget_file(MIXED),
        filename="w.xlsx",
        mode="valid_only",
    )
    browser_login("alice", "alice-pass-123")
    page.goto(f"/imports/jobs/{job.pk}/")
    status = page.locator("[data-test=job-status]")
    expect(status).to_have_attribute("data-status", "pending")
    imports.run_import(job.pk)
    # htmx asks every second; the answer replaces the block and stops polling
    expect(status).to_have_attribute("data-status", "done", timeout=5000)
    expect(page.locator("[data-test=job-counts]")).to_contain_text("2")
    expect(page.locator("[data-test=progress]")).not_to_have_attribute("hx-get", "")

"""Ledger test fixtures. After every ledger test the ledger checks of `omni check` must find
nothing: no balance or frozen amount drifted from postings and holds, every entry sums to
zero, no guarded account below zero."""

from __future__ import annotations

import pytest

from omni.kernel.integrity import run_checks

LEDGER_CHECKS = (
    "ledger.balances_match_postings",
    "ledger.entries_sum_to_zero",
    "ledger.available_not_negative",
)


@pytest.fixture(autouse=True)
def _ledger_checks_clean(request):
    yield
    if "django_db_blocker" not in request.fixturenames and not request.node.get_closest_marker(
        "django_db"
    ):
        return
    django_db_blocker = request.getfixturevalue("django_db_blocker")
    with django_db_blocker.unblock():
        findings = run_checks(LEDGER_CHECKS)
    assert findings == [], findings

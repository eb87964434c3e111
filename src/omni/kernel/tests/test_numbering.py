import datetime as dt
import re

import pytest
from django.db import transaction

from omni.kernel.numbering import next_number
from omni.kernel.testing import race


@pytest.mark.django_db
def test_format_and_sequence_per_org_type_and_day():
    day = dt.date(2026, 11, 23)
    with transaction.atomic():
        assert next_number(1, "SO", day=day) == "SO202611230000001"
        assert next_number(1, "SO", day=day) == "SO202611230000002"
        assert next_number(2, "SO", day=day) == "SO202611230000001"
        assert next_number(1, "RO", day=day) == "RO202611230000001"
        assert next_number(1, "SO", day=day + dt.timedelta(days=1)) == "SO202611240000001"


@pytest.mark.django_db
def test_number_rolls_back_with_the_document():
    day = dt.date(2026, 11, 23)
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number(1, "SO", day=day)
        raise RuntimeError("document failed to save")
    with transaction.atomic():
        assert next_number(1, "SO", day=day) == "SO202611230000001"


@pytest.mark.django_db
def test_bad_doc_type_is_refused():
    for bad in ["so", "S", "TOOLONGX", "S1"]:
        with pytest.raises(ValueError), transaction.atomic():
            next_number(1, bad)


def _assert_gap_free(numbers, n):
    assert len(set(numbers)) == n, "duplicate document numbers"
    seqs = sorted(int(num[-7:]) for num in numbers)
    assert seqs == list(range(1, n + 1)), "gap in document numbers"
    assert all(re.fullmatch(r"SO\d{8}\d{7}", num) for num in numbers)


def _take():
    with transaction.atomic():
        return next_number(7, "SO")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_writers_on_postgres_no_duplicate_no_gap():
    outcome = race(_take, 50)
    assert not outcome.errors, outcome.errors[:3]
    _assert_gap_free(outcome.results, 50)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_with_rollbacks_stay_gap_free():
    """Every third writer rolls back: committed numbers are still 1..N without holes."""

    def take(fail: bool):
        def run():
            with transaction.atomic():
                number = next_number(7, "SO")
                if fail:
                    raise RuntimeError("rollback")
                return number

        return run

    outcome = race([take(i % 3 == 0) for i in range(12)])
    assert len(outcome.errors) == 4
    _assert_gap_free(outcome.ok, 8)

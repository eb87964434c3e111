"""Property-based run of every API operation from our own OpenAPI document, with every
schemathesis check (ARCHITECTURE.md §5 Errors: the document says exactly what is accepted).

Given: an administrator's bearer token and an empty database.
When: schemathesis sends schema-valid and schema-violating requests to every operation.
Then: no 5xx; every status, content type, header and body is the documented one; a
schema-valid request is never refused as malformed (400/422); a schema-violating one is
never accepted; an operation that needs authentication refuses a request without it.

Bounded: a handful of derandomized examples per operation (well under 3 minutes per
database pass).

Two rules compare fields, which JSON Schema cannot: an authorisation rule's valid_to is not
before its valid_from, and a product's sku_codes has one code per spec combination. They are
in the fields' descriptions and the generator keeps to them (`filter_case`). Two string formats name rules a regular expression cannot (the pattern gives the shape,
the server checks the rest); the fuzzer is taught to generate them, as schemathesis
documents for custom formats:
- ``cn-tax-number``: empty or a unified social credit code with its check character;
- ``barcode``: an all-digit code (a GTIN) carries its GS1 check digit.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.specs.openapi import checks as oa_checks

from omni.catalog.calculations import make_ean13
from omni.config.wsgi import application
from omni.party.validation import uscc_check_char

# The run uses every built-in check (no `checks=` argument: all that the configuration
# enables, and it disables none), among them these, named in ARCHITECTURE.md §5 and issue 12:
NAMED_CHECKS = [
    checks.not_a_server_error,
    oa_checks.status_code_conformance,
    oa_checks.content_type_conformance,
    oa_checks.response_schema_conformance,
    oa_checks.response_headers_conformance,
    oa_checks.positive_data_acceptance,
    oa_checks.negative_data_rejection,
    oa_checks.ignored_auth,
]

_USCC_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


schemathesis.openapi.format(
    "cn-tax-number",
    st.one_of(
        st.just(""),
        st.text(alphabet=_USCC_BODY, min_size=17, max_size=17).map(_uscc),
    ),
)
schemathesis.openapi.format(
    "barcode",
    st.one_of(
        st.from_regex(r"\A[0-9]{12}\Z").map(make_ean13),
        st.from_regex(r"\A[A-Za-z]{1,4}[0-9]{3,28}\Z"),
    ),
)

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _combinations(spec: object) -> int | None:
    if not isinstance(spec, dict):
        return 1 if spec is None else None
    count = 1
    for values in spec.values():
        if not isinstance(values, list):
            return None
        count *= len(values)
    return count


@schemathesis.hook
def filter_case(ctx, case):
    """Two documented rules that compare fields, which JSON Schema cannot: an authorisation
    rule's valid_to is not before its valid_from, and a new product's sku_codes (if given)
    has one code per combination of spec values. Generate bodies that keep to them."""
    body = case.body
    if not isinstance(body, dict):
        return True
    path = case.operation.path
    if "authorisation-rules" in path:
        dates = [body.get("valid_from"), body.get("valid_to")]
        if all(isinstance(d, str) and _DATE.match(d) for d in dates):
            return dates[1] >= dates[0]
    if path.endswith("/catalog/products") and isinstance(body.get("sku_codes"), list):
        expected = _combinations(body.get("spec_attributes"))
        return expected is None or len(body["sku_codes"]) == expected
    return True


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def keep_test_connection():
    """Like Django's test Client: the WSGI app must not close the test's DB connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def auth_headers(staff_user, keep_test_connection):
    from omni.access.services.tokens import issue_token

    issued = issue_token(username="staff", password="staff-pass-123")
    return {"Authorization": f"Bearer {issued.token}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, auth_headers):
    case.call_and_validate(headers=auth_headers)


def test_no_check_is_disabled():
    config = schema.config.checks_config_for(operation=None, phase=None)
    for check in NAMED_CHECKS:
        assert config.get_by_name(name=check.__name__).enabled, check.__name__

"""The API's contract: schemathesis walks ``/api/v1/openapi.json`` against the app.

Every operation of the schema is called with generated requests (a bounded
number of examples each, so the suite stays quick) with a write token of a
unit that has a registration with answers and an invitation, so the paths
with ids reach real objects. Each response must not be a server error, must
have a status code, content type and body that the schema documents.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

pytestmark = pytest.mark.django_db

#: Generated requests per operation (raise locally to search harder).
EXAMPLES = 10


@pytest.fixture
def keep_test_connection() -> Any:
    """As Django's test client does: the app called directly through WSGI must not close
    the test's database connection at the end of each request (it holds the test's
    transaction; PostgreSQL would lose it)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_token(world: SimpleNamespace, settings: Any, keep_test_connection: None) -> str:
    from painreg.api import tokens
    from painreg.eprom import actions as eprom_actions
    from painreg.registry import actions

    settings.PAINREG_API_RATE = (100_000, 60)  # the contract test is not a rate test
    registration = actions.create_registration(
        user=world.alice,
        unit=world.unit_a,
        personnummer="19121212-1212",
        category="rehab",
        first_visit_date=dt.date(2025, 1, 20),
        rehab_start_date=dt.date(2025, 2, 3),
    )
    actions.save_answers(
        user=world.alice,
        occasion=registration.occasions.get(kind="initial"),
        answers={"hads_1": 1},
        answered_on=dt.date(2025, 1, 20),
    )
    eprom_actions.create_invitation(
        user=world.alice, occasion=registration.occasions.get(kind="end")
    )
    return tokens.create_token(user=None, owner=world.alice, scope="write", days=5, username="t")[1]


def _schema() -> Any:
    # Read from the app itself (the schema needs no token and no database).
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


schema = _schema()

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_schema(case: Any, api_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"}, checks=CHECKS)

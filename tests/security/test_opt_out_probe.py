"""Staff of another unit cannot learn who has opted out, and their attempt is logged.

A patient who opted out may not be registered again anywhere. The unit that
registered them sees the opt-out and is told why; any other unit typing the
number is told only that the person cannot be registered here, and the
attempt is written to the access log with the patient, so the patient's
access extract (loggutdrag) shows which unit tried.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from painreg.accounts.testing import login_verified
from painreg.registry import access, actions

from ..integration.registry.conftest import REHAB

pytestmark = pytest.mark.django_db

POST = {
    "personnummer": "19121212-1212",
    "category": "rehab",
    "referral_date": "2025-01-02",
    "first_visit_date": "2025-01-20",
    "rehab_start_date": "2025-02-03",
    "rehab_end_date": "2025-04-25",
    "main_diagnosis": "M79.7",
}


@pytest.fixture
def opted_out(world: Any) -> Any:
    registration = actions.create_registration(
        user=world.alice, unit=world.unit_a, personnummer="19121212-1212", **REHAB
    )
    actions.opt_out_patient(user=world.alice, unit=world.unit_a, patient=registration.patient)
    return registration.patient


def _post(user: Any) -> str:
    client = Client()
    login_verified(client, user)
    response = client.post(reverse("registry:registration_create"), POST)
    assert response.status_code == 200  # the form again, with the refusal
    return response.content.decode()


def test_another_unit_is_not_told_that_the_patient_opted_out(world, opted_out):
    page = _post(world.bob)
    assert "Personen kan inte registreras här" in page
    assert "avböjt" not in page


def test_the_attempt_is_in_the_patients_access_extract_not_in_the_units_log(world, opted_out):
    from painreg.audit.models import AccessLog

    _post(world.bob)
    rows = access.access_extract("19121212-1212", requested_by="operator")
    assert any(r.kind == "access" and "(B)" in r.detail for r in rows)
    # Unit B's manager reads B's log: it must not name the patient who opted out.
    assert not AccessLog.objects.filter(unit=world.unit_b, patient=opted_out).exists()


def test_the_unit_that_registered_the_patient_is_told_why(world, opted_out):
    assert "avböjt" in _post(world.alice)

"""Patients identified with e-ID: the unit's choice on the identity page, the check of
the personnummer claim, and the patient's own answers (their access log entries).

The whole sign-in through a real OpenID Provider is the browser test
``tests/functional/test_eprom_eid.py``; these tests drive the parts around it
with Django's test client.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

BROKER = {
    "ISSUER": "https://eid.example.org",
    "CLIENT_ID": "painreg",
    "CLIENT_SECRET": "secret",
    "SCOPES": "openid https://id.oidc.se/scope/naturalPersonNumber",
    "ACR": ["http://id.elegnamnden.se/loa/1.0/loa3"],
    "CLAIM": "https://id.oidc.se/claim/personalIdentityNumber",
}


@pytest.fixture
def broker(settings: Any) -> None:
    settings.PAINREG_OIDC = {"staff": None, "patient": BROKER}


def _set_identification(unit: Any, method: str) -> None:
    from painreg.registry.models import Unit

    Unit.objects.filter(pk=unit.pk).update(patient_identification=method)


def _signed_in(client: Client, patient_id: int, seconds: int = 600) -> None:
    from painreg.eprom.eid import SESSION_PATIENT

    session = client.session
    session[SESSION_PATIENT] = {"patient": patient_id, "until": time.time() + seconds}
    session.save()


# --- the identity page -----------------------------------------------------------


def test_a_unit_of_e_id_offers_only_e_id(
    world: SimpleNamespace, invitation: SimpleNamespace, broker: None
) -> None:
    from painreg.eprom.models import IdentityAttempt

    _set_identification(world.unit_a, "eid")
    client = Client()
    page = client.get(f"/enkat/{invitation.token}/").content.decode()
    assert 'id="eid"' in page and 'name="identity"' not in page
    # The date of birth is not accepted there, even posted by hand.
    response = client.post(f"/enkat/{invitation.token}/", {"identity": "1912-12-12"})
    assert response.status_code == 302
    assert not IdentityAttempt.objects.exists()
    assert client.get(f"/enkat/{invitation.token}/sida/1/").status_code == 302


def test_either_offers_both(
    world: SimpleNamespace, invitation: SimpleNamespace, broker: None
) -> None:
    _set_identification(world.unit_a, "either")
    page = Client().get(f"/enkat/{invitation.token}/").content.decode()
    assert 'id="eid"' in page and 'name="identity"' in page


def test_without_a_broker_configured_the_date_of_birth_stays(
    world: SimpleNamespace, invitation: SimpleNamespace, settings: Any
) -> None:
    settings.PAINREG_OIDC = {"staff": None, "patient": None}
    _set_identification(world.unit_a, "eid")
    page = Client().get(f"/enkat/{invitation.token}/").content.decode()
    assert 'id="eid"' not in page and 'name="identity"' in page


def test_the_date_of_birth_unit_does_not_start_e_id(
    invitation: SimpleNamespace, broker: None
) -> None:
    client = Client()
    assert 'id="eid"' not in client.get(f"/enkat/{invitation.token}/").content.decode()
    response = client.post(f"/enkat/{invitation.token}/e-legitimation/")
    assert response.status_code == 302 and response.url.endswith(f"/enkat/{invitation.token}/")


def test_a_callback_without_a_started_sign_in_is_refused(broker: None) -> None:
    response = Client().get("/enkat/e-legitimation/tillbaka/?code=x&state=y")
    assert response.status_code == 400
    assert "Legitimeringen gick inte igenom" in response.content.decode()


# --- the check of the claim ------------------------------------------------------


def test_the_claim_of_the_invitations_patient_opens_the_link(
    invitation: SimpleNamespace,
) -> None:
    from painreg.audit.models import AuditEvent
    from painreg.eprom import actions

    result = actions.verify_identity_eid(
        invitation=invitation.obj, personnummer="191212121212", acr="loa3", address_hash="h"
    )
    assert result.outcome == "ok"
    invitation.obj.refresh_from_db()
    assert invitation.obj.opened_at is not None
    event = AuditEvent.objects.get(action="invitation.identity_eid")
    assert event.detail["acr"] == "loa3"


@pytest.mark.parametrize("claim", ["198503152384", "19121212-1213", "not a number", ""])
def test_another_persons_claim_is_a_logged_mismatch_and_no_lockout(
    invitation: SimpleNamespace, claim: str
) -> None:
    from painreg.audit.models import AuditEvent
    from painreg.eprom import actions

    for _ in range(6):
        result = actions.verify_identity_eid(
            invitation=invitation.obj, personnummer=claim, acr="loa3", address_hash="h"
        )
        assert result.outcome == "mismatch"
    invitation.obj.refresh_from_db()
    assert invitation.obj.opened_at is None and invitation.obj.locked_at is None
    events = AuditEvent.objects.filter(action="invitation.identity_eid_mismatch")
    assert events.count() == 6
    assert claim.replace("-", "") not in str(events.first().detail) or not claim
    assert events.first().patient_id == invitation.occasion.registration.patient_id
    assert invitation.obj.attempts.filter(success=False).count() == 6


def test_a_closed_link_stays_closed(invitation: SimpleNamespace) -> None:
    from painreg.eprom import actions
    from painreg.eprom.models import Invitation

    Invitation.objects.filter(pk=invitation.obj.pk).update(status="revoked")
    invitation.obj.refresh_from_db()
    result = actions.verify_identity_eid(
        invitation=invitation.obj, personnummer="191212121212", acr="loa3", address_hash="h"
    )
    assert result.outcome == "closed"


# --- the patient's own answers ---------------------------------------------------


@pytest.fixture
def answered(world: SimpleNamespace, registration: Any) -> Any:
    import datetime as dt

    from painreg.registry import actions

    occasion = registration.occasions.get(kind="initial")
    actions.save_answers(
        user=world.alice,
        occasion=occasion,
        answers={"hads_1": 2, "hads_2": 1},
        answered_on=dt.date.today(),
    )
    return registration


@pytest.mark.parametrize("path", ["/enkat/mina-svar/", "/enkat/mina-svar/mina-svar.pdf"])
def test_own_answers_need_an_e_id_sign_in(answered: Any, path: str) -> None:
    from painreg.audit.models import AccessLog

    client = Client()
    response = client.get(path)
    assert response.status_code == 403
    assert "Logga in igen" in response.content.decode()
    _signed_in(client, answered.patient_id, seconds=-1)  # the sign-in has lasted its time
    assert client.get(path).status_code == 403
    assert not AccessLog.objects.exists()


def test_the_signed_in_patient_sees_their_answers_and_the_read_is_logged(
    answered: Any,
) -> None:
    from painreg.audit.models import AccessLog

    client = Client()
    _signed_in(client, answered.patient_id)
    response = client.get("/enkat/mina-svar/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Smärtrehab A" in page and "Ditt svar" in page
    assert "no-store" in response["Cache-Control"]
    entry = AccessLog.objects.get()
    assert entry.patient_id == answered.patient_id and entry.action == "view_answers"
    assert entry.username == "patient (e-legitimation)" and entry.user_id is None


def test_the_download_is_a_pdf_logged_as_an_export(answered: Any) -> None:
    from painreg.audit.models import AccessLog

    client = Client()
    _signed_in(client, answered.patient_id)
    response = client.get("/enkat/mina-svar/mina-svar.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert AccessLog.objects.get().action == "export"


def test_signing_out_ends_the_e_id_session(answered: Any) -> None:
    client = Client()
    _signed_in(client, answered.patient_id)
    assert client.post("/enkat/mina-svar/logga-ut/").status_code == 200
    assert client.get("/enkat/mina-svar/").status_code == 403


def test_a_sign_in_for_ones_own_answers_finds_the_patient_record(registration: Any) -> None:
    from painreg.audit.models import AuditEvent
    from painreg.eprom import actions

    assert actions.record_own_sign_in(personnummer="191212121212", acr="a") == (
        registration.patient_id
    )
    assert AuditEvent.objects.get(action="patient.sign_in_eid").patient_id == (
        registration.patient_id
    )
    assert actions.record_own_sign_in(personnummer="198503152384", acr="a") is None
    assert actions.record_own_sign_in(personnummer="garbage", acr="a") is None
    assert AuditEvent.objects.filter(action="patient.sign_in_eid").count() == 1


def test_the_own_answers_page_offers_an_e_id_sign_in(broker: None) -> None:
    response = Client().get("/enkat/mina-svar/")
    assert response.status_code == 403
    assert 'action="/enkat/mina-svar/logga-in/"' in response.content.decode()


def test_the_coordinator_chooses_a_units_identification_in_the_admin(
    world: SimpleNamespace,
) -> None:
    from painreg.accounts.testing import login_verified

    client = Client()
    login_verified(client, world.erik)
    page = client.get(f"/admin/registry/unit/{world.unit_a.pk}/change/").content.decode()
    assert 'name="patient_identification"' in page
    assert 'value="eid"' in page and 'value="either"' in page

"""A patient identifies with e-ID through a real OpenID Provider (the region's e-ID
broker), in a real browser on a phone-sized screen.

The broker is panva's certified ``oidc-provider`` started by the
``openid_provider`` fixture, releasing the personnummer in the claim of the
Swedish OIDC profile; Chromium follows the whole redirect flow and painreg
exchanges the code and checks the signed ID token. One patient answers and
then reads and downloads their own answers; another person's e-ID on the
same link sees nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.functional.test_eprom_patient import _answer_pages, _phone

pytestmark = [
    pytest.mark.functional,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCOPE = "https://id.oidc.se/scope/naturalPersonNumber"
CLAIM = "https://id.oidc.se/claim/personalIdentityNumber"
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
LOA2 = "http://id.elegnamnden.se/loa/1.0/loa2"
SECRET = "painreg-test-broker-secret-0123456789abcdef"


@pytest.fixture
def broker(openid_provider: Any, live_server: Any, settings: Any) -> Any:
    provider = openid_provider(
        clients=[
            {
                "client_id": "painreg-patients",
                "client_secret": SECRET,
                "redirect_uris": [live_server.url + "/enkat/e-legitimation/tillbaka/"],
            }
        ],
        accounts={
            "patient": {CLAIM: "191212121212"},
            "relative": {CLAIM: "198503152384"},
        },
        claims={SCOPE: [CLAIM]},
        acr_values=[LOA2, LOA3],
    )
    settings.PAINREG_OIDC = {
        "staff": None,
        "patient": provider.settings_for("painreg-patients", SECRET, CLAIM, [LOA3]),
    }
    return provider


@pytest.fixture
def invited(django_user_model: Any) -> Any:
    """A patient (19121212-1212) of a unit whose patients identify with e-ID, invited."""
    from types import SimpleNamespace

    from painreg.eprom import actions as eprom_actions
    from painreg.registry import actions

    unit = actions.create_unit(
        user=None,
        code="E",
        name="Smärtmottagning E",
        region="14",
        care_level="specialist",
        patient_identification="eid",
    )
    staff = django_user_model.objects.create_user("eve", password="x")
    actions.add_membership(user=None, member=staff, role="registrar", unit=unit)
    registration = actions.create_registration(
        user=staff,
        unit=unit,
        personnummer="19121212-1212",
        category="rehab",
        first_visit_date=dt.date.today(),
        main_diagnosis="M79.7",
    )
    occasion = registration.occasions.get(kind="initial")
    invitation, token = eprom_actions.create_invitation(user=staff, occasion=occasion)
    return SimpleNamespace(invitation=invitation, token=token, registration=registration)


def _sign_in_at_broker(page: Any, login: str, acr: str = LOA3) -> None:
    page.wait_for_selector("h1:has-text('Test identity provider')")
    page.fill("#login", login)
    page.select_option("#acr", acr)
    page.click("#sign-in")


def test_a_patient_answers_after_e_id_and_reads_and_downloads_their_answers(
    live_server: Any, browser: Any, broker: Any, invited: Any, answer_page: Any
) -> None:
    from painreg.audit.models import AccessLog, AuditEvent

    page = _phone(browser)
    page.goto(f"{live_server.url}/enkat/{invited.token}/")
    # This unit's patients identify with e-ID only: no date-of-birth field.
    assert page.locator("#identity").count() == 0
    page.click("#eid")
    assert page.url.startswith(broker.issuer)
    _sign_in_at_broker(page, "patient")
    page.wait_for_url("**/sida/1/")
    assert AuditEvent.objects.filter(action="invitation.identity_eid").count() == 1
    _answer_pages(page, answer_page)
    page.get_by_role("button", name="Skicka in svaren").click()
    assert page.get_by_role("heading", name="Tack för dina svar").is_visible()

    page.click("#own-answers")
    page.wait_for_selector("h1:has-text('Dina svar')")
    main = page.inner_text("main")
    assert "Smärtmottagning E" in main and "Ditt svar" in main
    assert page.locator("table.own-answers tbody tr").count() > 10
    reads = AccessLog.objects.filter(patient=invited.registration.patient, action="view_answers")
    assert reads.count() == 1 and reads.get().username == "patient (e-legitimation)"

    with page.expect_download(timeout=90_000) as download_info:
        page.click("#download")
    download = download_info.value
    assert download.suggested_filename == "mina-svar.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert AccessLog.objects.filter(
        patient=invited.registration.patient, action="export", username="patient (e-legitimation)"
    ).exists()

    page.get_by_role("button", name="Logga ut").click()
    page.goto(f"{live_server.url}/enkat/mina-svar/")
    assert page.get_by_role("heading", name="Logga in igen").is_visible()


def test_another_persons_e_id_sees_nothing(
    live_server: Any, browser: Any, broker: Any, invited: Any
) -> None:
    from painreg.audit.models import AccessLog, AuditEvent

    page = _phone(browser)
    page.goto(f"{live_server.url}/enkat/{invited.token}/")
    page.click("#eid")
    _sign_in_at_broker(page, "relative")
    page.wait_for_selector("#eid-mismatch")
    assert "inga uppgifter visas" in page.inner_text("main")
    assert "1912" not in page.content()
    event = AuditEvent.objects.get(action="invitation.identity_eid_mismatch")
    assert event.patient_id == invited.registration.patient_id
    assert "198503152384" not in str(event.detail)
    # The questionnaire and the own-answers page stay closed.
    page.goto(f"{live_server.url}/enkat/{invited.token}/sida/1/")
    page.wait_for_selector("#eid")
    page.goto(f"{live_server.url}/enkat/mina-svar/")
    assert page.get_by_role("heading", name="Logga in igen").is_visible()
    assert not AccessLog.objects.filter(patient=invited.registration.patient).exists()


def test_a_lower_assurance_level_at_the_broker_is_refused(
    live_server: Any, browser: Any, broker: Any, invited: Any
) -> None:
    page = _phone(browser)
    page.goto(f"{live_server.url}/enkat/{invited.token}/")
    page.click("#eid")
    _sign_in_at_broker(page, "patient", LOA2)
    page.wait_for_selector("#eid-failed")
    from painreg.audit.models import AuditEvent

    refused = AuditEvent.objects.get(action="invitation.identity_eid_refused")
    assert refused.detail["reason"] == "wrong_acr"
    page.goto(f"{live_server.url}/enkat/{invited.token}/sida/1/")
    page.wait_for_selector("#eid")


def test_a_patient_signs_in_on_the_own_answers_page_without_a_link(
    live_server: Any, browser: Any, broker: Any, invited: Any
) -> None:
    from painreg.audit.models import AccessLog, AuditEvent
    from painreg.registry import actions

    occasion = invited.registration.occasions.get(kind="initial")
    staff = invited.invitation.created_by
    actions.save_answers(
        user=staff, occasion=occasion, answers={"hads_1": 2}, answered_on=dt.date.today()
    )
    page = _phone(browser)
    page.goto(f"{live_server.url}/enkat/mina-svar/")
    page.click("#eid")
    _sign_in_at_broker(page, "patient")
    page.wait_for_selector("h1:has-text('Dina svar')")
    assert "Smärtmottagning E" in page.inner_text("main")
    assert AuditEvent.objects.filter(action="patient.sign_in_eid").count() == 1
    assert AccessLog.objects.filter(
        patient=invited.registration.patient, action="view_answers"
    ).exists()

    # Someone the register does not hold: an empty page, nothing logged for anyone.
    other = _phone(browser)
    other.goto(f"{live_server.url}/enkat/mina-svar/")
    other.click("#eid")
    _sign_in_at_broker(other, "relative")
    other.wait_for_selector("h1:has-text('Dina svar')")
    assert "Det finns inga inskickade svar ännu." in other.inner_text("main")
    assert AccessLog.objects.count() == 1

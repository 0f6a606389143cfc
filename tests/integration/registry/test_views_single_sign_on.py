"""Staff single sign-on around the provider: the login page, refusals, the local login
switch, the HSA-id on the staff account page, the verified session, the checks.

The sign-in itself through a real OpenID Provider (login, a lower ``acr``, an
unknown HSA-id, logout) is the browser test ``tests/functional/test_single_sign_on.py``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

IDP = {
    "ISSUER": "https://idp.region.example.org",
    "CLIENT_ID": "painreg",
    "CLIENT_SECRET": "secret",
    "SCOPES": "openid profile",
    "ACR": ["http://id.sambi.se/loa/loa3"],
    "CLAIM": "employeeHsaId",
}


@pytest.fixture
def idp(settings: Any) -> None:
    settings.PAINREG_OIDC = {"staff": IDP, "patient": None}


def test_without_a_provider_there_is_no_single_sign_on(client: Client, settings: Any) -> None:
    settings.PAINREG_OIDC = {"staff": None, "patient": None}
    assert client.get("/konto/sso/").status_code == 404
    assert client.get("/konto/sso/tillbaka/").status_code == 404
    assert 'id="single-sign-on"' not in client.get(reverse("accounts:login")).content.decode()


def test_the_login_page_offers_the_provider_next_to_the_password(client: Client, idp: None) -> None:
    page = client.get(reverse("accounts:login") + "?next=/statistik/").content.decode()
    assert 'id="single-sign-on"' in page and 'name="password"' in page
    assert "/konto/sso/?next=/statistik/" in page


def test_a_cancelled_sign_in_gets_a_page_and_an_audit_event(client: Client, idp: None) -> None:
    from painreg.audit.models import AuditEvent

    response = client.get("/konto/sso/tillbaka/?error=access_denied&state=x")
    assert response.status_code == 400
    assert 'data-reason="cancelled"' in response.content.decode()
    assert AuditEvent.objects.filter(action="login.oidc.cancelled").count() == 1
    assert "_auth_user_id" not in client.session


def test_an_answer_without_the_sessions_state_is_refused(client: Client, idp: None) -> None:
    from painreg.audit.models import AuditEvent

    response = client.get("/konto/sso/tillbaka/?code=abc&state=forged")
    assert response.status_code == 400
    assert 'data-reason="invalid"' in response.content.decode()
    assert AuditEvent.objects.filter(action="login.oidc.invalid").count() == 1
    assert "_auth_user_id" not in client.session


def test_the_refusal_pages_speak_english_too(client: Client, idp: None) -> None:
    from django.test import RequestFactory
    from django.utils import translation

    from painreg.accounts import sso

    request = RequestFactory().get("/konto/sso/tillbaka/")
    with translation.override("en"):
        page = sso.refused(request, "unknown", "SE2321000016-ZZZ9").content.decode()
    assert "no account in the pain rehabilitation register has that HSA-id" in page
    with translation.override("sv"):
        page = sso.refused(request, "unknown", "SE2321000016-ZZZ9").content.decode()
    assert "SE2321000016-ZZZ9" in page and "HSA-id" in page and "enhetschef" in page


def test_with_the_local_login_off_the_password_is_neither_shown_nor_accepted(
    client: Client, world: SimpleNamespace, idp: None, settings: Any
) -> None:
    settings.PAINREG_LOCAL_LOGIN = False
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'name="password"' not in page and 'id="single-sign-on"' in page
    response = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": "correct-horse-battery-staple"},
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    # A half-open password session (from before the switch) does not reach the code step.
    client.force_login(world.alice)
    response = client.get(reverse("accounts:verify"))
    assert response["Location"].startswith(reverse("accounts:login"))
    client.get(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session


def test_a_session_of_the_providers_device_is_verified(
    client: Client, world: SimpleNamespace
) -> None:
    from django_otp import DEVICE_ID_SESSION_KEY

    from painreg.accounts.models import ProviderIdentity

    device = ProviderIdentity.objects.create(
        user=world.alice, name="HSA-id", confirmed=True, hsa_id="SE2321000016-0001"
    )
    assert device.verify_token("123456") is False  # never a typed code
    client.force_login(world.alice)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    response = client.get(reverse("registry:home"))
    assert response.status_code == 200 and "Smärtrehab A" in response.content.decode()


# --- the HSA-id on the staff account page ------------------------------------------


def _manager_client(world: SimpleNamespace) -> Client:
    from painreg.accounts.testing import login_verified

    client = Client()
    login_verified(client, world.charlie)
    return client


def _set(client: Client, user: Any, hsa_id: str, reason: str = "asked in person") -> Any:
    return client.post(
        reverse("accounts:staff_account", args=[user.pk]),
        {"action": "set_hsa_id", "hsa_id": hsa_id, "reason": reason},
    )


def test_a_unit_manager_sets_a_colleagues_hsa_id_audited(world: SimpleNamespace) -> None:
    from painreg.accounts.models import ProviderIdentity
    from painreg.audit.models import AuditEvent

    client = _manager_client(world)
    assert _set(client, world.alice, " se2321000016-a1b2 ").status_code == 302
    assert ProviderIdentity.objects.get(user=world.alice).hsa_id == "SE2321000016-A1B2"
    event = AuditEvent.objects.get(action="account.set_hsa_id")
    assert event.reason == "asked in person"
    assert event.detail == {"member": "alice", "old": "", "new": "SE2321000016-A1B2"}
    page = client.get(reverse("accounts:staff_account", args=[world.alice.pk])).content.decode()
    assert "SE2321000016-A1B2" in page
    # Empty removes it.
    assert _set(client, world.alice, "").status_code == 302
    assert not ProviderIdentity.objects.filter(user=world.alice).exists()


def test_a_malformed_or_taken_hsa_id_is_refused(world: SimpleNamespace) -> None:
    from painreg.accounts.models import ProviderIdentity

    client = _manager_client(world)
    response = _set(client, world.alice, "12345")
    assert response.status_code == 400
    assert "SE2321000016-1234" in response.content.decode()  # the message shows the form
    ProviderIdentity.objects.create(
        user=world.charlie, name="HSA-id", confirmed=True, hsa_id="SE2321000016-C001"
    )
    response = _set(client, world.alice, "SE2321000016-C001")
    assert response.status_code == 400
    assert not ProviderIdentity.objects.filter(user=world.alice).exists()


def test_another_units_manager_cannot_set_it(world: SimpleNamespace) -> None:
    from painreg.accounts.testing import login_verified
    from painreg.registry import actions

    actions.add_membership(user=None, member=world.bob, role="unit_manager", unit=world.unit_b)
    client = Client()
    login_verified(client, world.bob)
    assert _set(client, world.alice, "SE2321000016-A1B2").status_code == 404


# --- start-up checks and headers ---------------------------------------------------


def test_the_checks_name_what_is_missing(settings: Any) -> None:
    from painreg.accounts.checks import identity_providers_complete

    settings.PAINREG_OIDC = {"staff": {**IDP, "CLIENT_SECRET": ""}, "patient": None}
    errors = identity_providers_complete(None)
    assert [e.id for e in errors] == ["painreg.accounts.E001"]
    assert "PAINREG_OIDC_STAFF_CLIENT_SECRET" in errors[0].msg
    settings.PAINREG_OIDC = {"staff": None, "patient": None}
    settings.PAINREG_LOCAL_LOGIN = False
    assert [e.id for e in identity_providers_complete(None)] == ["painreg.accounts.E003"]
    settings.PAINREG_OIDC = {"staff": {**IDP, "ISSUER": "http://idp.example.org"}}
    settings.PRODUCTION = True
    assert [e.id for e in identity_providers_complete(None)] == ["painreg.accounts.E002"]


def test_the_csp_lets_forms_lead_to_the_providers_only(client: Client, settings: Any) -> None:
    settings.PAINREG_OIDC = {
        "staff": IDP,
        "patient": {**IDP, "ISSUER": "https://eid.example.se/op"},
    }
    policy = client.get(reverse("accounts:login"))["Content-Security-Policy"]
    assert "form-action 'self' https://eid.example.se https://idp.region.example.org;" in policy


def test_the_settings_read_each_provider_from_the_environment(monkeypatch: Any) -> None:
    from painreg import settings as painreg_settings

    monkeypatch.setenv("PAINREG_OIDC_STAFF_ISSUER", "https://idp.regionx.se/realms/staff/")
    monkeypatch.setenv("PAINREG_OIDC_STAFF_CLIENT_ID", "painreg")
    monkeypatch.setenv("PAINREG_OIDC_STAFF_CLIENT_SECRET", "s")
    monkeypatch.setenv("PAINREG_OIDC_STAFF_ACR", "urn:a, urn:b")
    monkeypatch.delenv("PAINREG_OIDC_PATIENT_ISSUER", raising=False)
    staff = painreg_settings._oidc_provider("staff")
    assert staff == {
        "ISSUER": "https://idp.regionx.se/realms/staff",
        "CLIENT_ID": "painreg",
        "CLIENT_SECRET": "s",
        "SCOPES": "openid profile",
        "ACR": ["urn:a", "urn:b"],
        "CLAIM": "employeeHsaId",
    }
    assert painreg_settings._oidc_provider("patient") is None

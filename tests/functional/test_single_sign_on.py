"""Staff single sign-on through a real OpenID Provider, in a real browser.

The provider is panva's certified ``oidc-provider`` started by the
``openid_provider`` fixture; nothing of the protocol is mocked: Chromium
follows the redirects to the provider's sign-in form and back, painreg
exchanges the code at the provider's token endpoint and checks the signed ID
token. The provider signs in whichever login the form names, at the
assurance level (``acr``) picked there, so the tests can sign in as a person
painreg does not know, or at a level painreg does not accept.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [
    pytest.mark.functional,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HSA_ID = "SE2321000016-A1B2"
LOA3 = "http://id.sambi.se/loa/loa3"
LOA2 = "http://id.sambi.se/loa/loa2"
SECRET = "painreg-test-client-secret-0123456789abcdef"


@pytest.fixture
def staff_provider(openid_provider: Any, live_server: Any, settings: Any) -> Any:
    """The region's IdP, with painreg registered as a client; painreg pointed at it."""
    provider = openid_provider(
        clients=[
            {
                "client_id": "painreg",
                "client_secret": SECRET,
                "redirect_uris": [live_server.url + "/konto/sso/tillbaka/"],
                "post_logout_redirect_uris": [live_server.url + "/konto/logga-in/"],
            }
        ],
        accounts={
            "alice": {"employeeHsaId": HSA_ID, "name": "Alice Andersson"},
            "stranger": {"employeeHsaId": "SE2321000016-ZZZ9"},
        },
        claims={"profile": ["employeeHsaId", "name"]},
        acr_values=[LOA2, LOA3],
    )
    settings.PAINREG_OIDC = {
        "staff": provider.settings_for("painreg", SECRET, "employeeHsaId", [LOA3]),
        "patient": None,
    }
    return provider


@pytest.fixture
def alice(django_user_model: Any) -> Any:
    """A registrar whose account has the HSA-id the provider signs for ``alice``."""
    from painreg.accounts.models import ProviderIdentity
    from painreg.registry import actions

    unit = actions.create_unit(
        user=None, code="A", name="Smärtrehab A", region="01", care_level="specialist"
    )
    user = django_user_model.objects.create_user("alice", password=None)
    actions.add_membership(user=None, member=user, role="registrar", unit=unit)
    ProviderIdentity.objects.create(user=user, name="HSA-id", confirmed=True, hsa_id=HSA_ID)
    return user


def _sign_in_at_provider(page: Any, login: str, acr: str) -> None:
    page.wait_for_selector("h1:has-text('Test identity provider')")
    page.fill("#login", login)
    page.select_option("#acr", acr)
    page.click("#sign-in")


def test_a_registrar_logs_in_through_the_provider_and_out_again(
    live_server: Any, browser_page: Any, staff_provider: Any, alice: Any
) -> None:
    from painreg.audit.models import AuditEvent

    page = browser_page
    page.goto(live_server.url + "/")
    page.wait_for_url("**/konto/logga-in/**")
    page.click("#single-sign-on")
    assert page.url.startswith(staff_provider.issuer)
    _sign_in_at_provider(page, "alice", LOA3)
    # Back in painreg, logged in and verified: the unit's start page, no TOTP step.
    page.wait_for_selector("h1:has-text('Smärtrehab A')")
    assert page.url.startswith(live_server.url)
    assert AuditEvent.objects.filter(action="login.oidc.ok", user=alice).count() == 1

    # Logout ends the provider's session too (RP-initiated logout), then the login page.
    page.click("header button:has-text('Logga ut')")
    page.wait_for_url(staff_provider.issuer + "/**")
    page.click("button[value=yes]")
    page.wait_for_url("**/konto/logga-in/**")
    page.goto(live_server.url + "/")
    page.wait_for_url("**/konto/logga-in/**")
    # The provider asks again: its session ended with painreg's.
    page.click("#single-sign-on")
    page.wait_for_selector("#login")


def test_a_lower_assurance_level_is_refused(
    live_server: Any, browser_page: Any, staff_provider: Any, alice: Any
) -> None:
    from painreg.audit.models import AuditEvent

    page = browser_page
    page.goto(live_server.url + "/konto/logga-in/")
    page.click("#single-sign-on")
    _sign_in_at_provider(page, "alice", LOA2)
    page.wait_for_selector("#sso-reason")
    assert page.get_attribute("#sso-reason", "data-reason") == "wrong_acr"
    assert "lägre tillitsnivå" in page.inner_text("main")
    assert AuditEvent.objects.filter(action="login.oidc.wrong_acr").count() == 1
    # Not logged in.
    page.goto(live_server.url + "/")
    page.wait_for_url("**/konto/logga-in/**")


def test_an_unknown_hsa_id_gets_a_page_not_an_account(
    live_server: Any, browser_page: Any, staff_provider: Any, alice: Any, django_user_model: Any
) -> None:
    from painreg.audit.models import AuditEvent

    users_before = django_user_model.objects.count()
    page = browser_page
    page.goto(live_server.url + "/konto/logga-in/")
    page.click("#single-sign-on")
    _sign_in_at_provider(page, "stranger", LOA3)
    page.wait_for_selector("#sso-reason")
    assert page.get_attribute("#sso-reason", "data-reason") == "unknown"
    text = page.inner_text("main")
    assert "SE2321000016-ZZZ9" in text and "enhetschef" in text
    assert django_user_model.objects.count() == users_before
    assert AuditEvent.objects.filter(action="login.oidc.unknown").count() == 1
    page.goto(live_server.url + "/")
    page.wait_for_url("**/konto/logga-in/**")


def test_with_the_local_login_turned_off_only_the_provider_is_offered(
    live_server: Any, browser_page: Any, staff_provider: Any, alice: Any, settings: Any
) -> None:
    settings.PAINREG_LOCAL_LOGIN = False
    page = browser_page
    page.goto(live_server.url + "/konto/logga-in/")
    assert page.locator("#id_password").count() == 0
    page.click("#single-sign-on")
    _sign_in_at_provider(page, "alice", LOA3)
    page.wait_for_selector("h1:has-text('Smärtrehab A')")

"""The main path of a registrar in a real browser (headless Debian chromium).

A registrar logs in with password and a TOTP code (computed here from the
device's key), tries an invalid personnummer (the Swedish message appears
next to the field), registers a patient with a new registration, enters the
initial questionnaire from paper and signs off the occasion. A screenshot of
each page type is saved in ``test-artifacts/`` (git-ignored) for review.

Playwright drives Debian's ``/usr/bin/chromium`` (never a downloaded
browser); the test is skipped, saying why, when that binary is absent.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "correct-horse-battery-staple"

# Screenshots for review (git-ignored); the browser fixture creates the folder.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.functional,
    # serialized_rollback: the regions come from a data migration, and an earlier
    # transactional test may have flushed them.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def registrar(django_user_model: Any, settings: Any) -> Any:
    from painreg.accounts import otp
    from painreg.registry import actions

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    unit = actions.create_unit(
        user=None, code="A", name="Smärtrehab A", region="01", care_level="specialist"
    )
    user = django_user_model.objects.create_user("alice", password=PASSWORD)
    actions.add_membership(user=None, member=user, role="registrar", unit=unit)
    device = otp.ensure_totp_device(user)
    return user, device


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"staff-{name}.png"), full_page=True)
    _assert_accessible_basics(page)


def _assert_accessible_basics(page: Any) -> None:
    """Every visible form control has a label, the page one h1 and a language."""
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(e => e.type !== 'hidden' && e.offsetParent !== null)
            .filter(e => e.labels.length === 0 && !e.getAttribute('aria-label'))
            .map(e => e.name)"""
    )
    assert unlabelled == [], f"form controls without a label: {unlabelled}"
    assert page.locator("h1").count() == 1
    assert page.locator("html").get_attribute("lang") in ("sv", "en")


def test_a_registrar_registers_a_patient_and_signs_off_the_initial_occasion(
    live_server: Any, browser_page: Any, registrar: Any
) -> None:
    from painreg.accounts import otp
    from painreg.registry.models import Occasion, Registration

    page = browser_page
    _user, device = registrar
    base = live_server.url

    # Log in: password, then the code of the authenticator app.
    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "sv"
    _shot(page, "01-login")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/tvafaktor/**")
    _shot(page, "02-two-factor")
    page.fill("#id_token", otp.current_token(device))
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:has-text('Smärtrehab A')")
    _shot(page, "03-start")
    # Keyboard: the first Tab reaches the skip link, which leads to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # An invalid personnummer: Swedish message next to the field and in the summary.
    page.click("nav >> text=Sök eller registrera patient")
    page.fill("#id_personnummer", "19850315-2383")
    page.click("main button[type=submit]")
    error = page.locator("#id_personnummer_error")
    assert "Kontrollsiffran stämmer inte" in error.inner_text()
    assert page.locator(".error-summary a[href='#id_personnummer']").count() == 1
    assert page.evaluate("document.activeElement.id") == "error-summary"  # focus moved there
    _shot(page, "04-search-error")

    # A valid number not yet registered at the unit: register the patient.
    page.fill("#id_personnummer", "19850315-2384")
    page.click("main button[type=submit]")
    page.click("text=Ny registrering för patienten")
    assert page.input_value("#id_personnummer") == "19850315-2384"
    first_visit = dt.date.today() - dt.timedelta(days=3)
    page.check("input[name=category][value=rehab]")
    page.fill("#id_first_visit_date", first_visit.isoformat())
    page.fill("#id_rehab_start_date", first_visit.isoformat())
    page.fill("#id_main_diagnosis", "M79.7")
    page.check("input[name=work_measures][value=rehab_plan]")
    page.check("input[name=programme][value=act]")
    _shot(page, "05-registration-form")
    page.click("main button[type=submit]:has-text('Spara')")
    page.wait_for_selector("h1:has-text('Registrering')")
    _shot(page, "06-registration")
    registration = Registration.objects.get()
    assert registration.patient.personnummer == "198503152384"

    # The initial questionnaire from paper: HADS, every item answered 1.
    page.click("a:has-text('Initialt')")
    page.wait_for_selector("h1:has-text('Initialt')")
    _shot(page, "07-occasion")
    page.click("a:has-text('HADS')")
    page.fill("#id_answered_on", first_visit.isoformat())
    for i in range(1, 15):
        page.check(f"input[name=hads_{i}][value='1']")
    _shot(page, "08-questionnaire-entry")
    page.click("main button[type=submit]:has-text('Spara svar')")
    page.wait_for_selector("text=Svaren på")

    # Sign off the occasion: not offered while the rest of the configured form
    # is neither answered nor marked not administered (DOMAIN.md).
    page.wait_for_selector("text=tsk: inga svar")
    assert page.locator("#id_confirm").count() == 0
    from painreg import instruments
    from painreg.registry import actions, validation

    initial = Occasion.objects.get(registration=registration, kind="initial")
    for instrument_id in validation.occasion_form(initial):
        if instrument_id != "hads" and any(
            i.required for i in instruments.get_instrument(instrument_id).items
        ):
            actions.set_not_administered(
                user=_user, occasion=initial, instrument=instrument_id, reason="Endast HADS"
            )
    from django.urls import reverse

    page.goto(base + reverse("registry:occasion_detail", args=[registration.pk, "initial"]))
    page.check("#id_confirm")
    page.click("button:has-text('Klarmarkera mättillfälle')")
    page.wait_for_selector("text=Mättillfället är klarmarkerat")
    _shot(page, "09-signed-off")
    initial = Occasion.objects.get(registration=registration, kind="initial")
    assert initial.signed_off
    assert initial.answers.count() == 14

    # From the staff pages to the patient side: the response profile, an
    # invitation for the end occasion, the ePROM overview in the menu (the
    # sign-off led back to the registration page).
    page.click("main a:has-text('Svarsprofil')")
    page.wait_for_selector("h1:has-text('Svarsprofil')")
    page.go_back()
    page.click("main a:has-text('Avslut')")
    page.click("a:has-text('Skicka enkät till patienten')")
    page.wait_for_selector("h1:has-text('Bjud in patienten att svara')")
    page.click("nav >> text=Patientenkäter")
    page.wait_for_selector("h1:has-text('Patientenkäter')")


@pytest.mark.parametrize("typed", ["2,5", "2.5"])
def test_a_registrar_types_two_and_a_half_years_with_a_comma_or_a_point(
    live_server: Any, browser_page: Any, registrar: Any, typed: str
) -> None:
    """The background question says "0,5 för ett halvår": "2,5" typed key by key into a
    Swedish-locale browser is stored as 2.5 (a browser's number field made it 25)."""
    from django.test import Client
    from django.urls import reverse

    from painreg.accounts.testing import login_verified
    from painreg.registry import actions
    from painreg.registry.models import Answer, Unit

    user, _device = registrar
    facts = {
        "category": "rehab",
        "first_visit_date": dt.date(2025, 1, 20),
        "main_diagnosis": "M79.7",
    }
    registration = actions.create_registration(
        user=user, unit=Unit.objects.get(), personnummer="19121212-1212", **facts
    )
    client = Client()
    login_verified(client, user)
    page = browser_page
    session = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    url = reverse("registry:occasion_entry", args=[registration.pk, "initial", "background"])
    page.goto(live_server.url + url)
    page.fill("#id_answered_on", "2025-01-20")
    page.locator("#id_background_1").press_sequentially(typed)  # key by key, as a person types
    page.click("main button[type=submit]:has-text('Spara svar')")
    page.wait_for_selector("text=Svaren på")
    assert Answer.objects.get(item="background_1").value == 2.5

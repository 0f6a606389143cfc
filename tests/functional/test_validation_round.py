"""A source-data validation round in a real browser (headless Debian chromium).

The national coordinator creates a round, draws its sample and names a
validator; the validator opens a sampled registration, enters what the
medical record says without seeing the registered values, and then sees
the comparison; the coordinator reads the results (no identities).
Screenshots go to ``test-artifacts/`` (git-ignored) for review.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "correct-horse-battery-staple"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PATIENTS = ("19121212-1212", "19900101-0017", "19800202-0009")

pytestmark = [
    pytest.mark.functional,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def cast(django_user_model: Any, settings: Any) -> dict[str, Any]:
    from django.utils import timezone

    from painreg.accounts import otp
    from painreg.registry import actions
    from painreg.registry.guard import writes_allowed
    from painreg.registry.models import Registration

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    unit = actions.create_unit(
        user=None, code="A", name="Smärtrehab A", region="01", care_level="specialist"
    )
    for number in PATIENTS:
        reg = actions.create_registration(
            user=None, unit=unit, personnummer=number, category="rehab",
            referral_date=dt.date(2025, 1, 2), first_visit_date=dt.date(2025, 1, 20),
            rehab_start_date=dt.date(2025, 2, 3), rehab_end_date=dt.date(2025, 4, 25),
            main_diagnosis="M79.7",
        )  # fmt: skip
        actions.save_answers(
            user=None, occasion=reg.occasions.get(kind="initial"), answers={"hads_1": 2},
            answered_on=dt.date(2025, 1, 20),
        )  # fmt: skip
    with writes_allowed():
        Registration.objects.update(signed_off_at=timezone.now())
    erik = django_user_model.objects.create_user("erik", password=PASSWORD)
    actions.add_membership(user=None, member=erik, role="national_coordinator")
    vera = django_user_model.objects.create_user("vera", password=PASSWORD)
    return {
        "unit": unit,
        "erik": otp.ensure_totp_device(erik),
        "vera": otp.ensure_totp_device(vera),
    }


def _login(page: Any, base: str, username: str, device: Any, path: str) -> None:
    from painreg.accounts import otp

    page.goto(base + path)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/tvafaktor/**")
    page.fill("#id_token", otp.current_token(device))
    page.click("main button[type=submit]")


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"validation-{name}.png"), full_page=True)
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(e => e.type !== 'hidden' && e.offsetParent !== null)
            .filter(e => e.labels.length === 0 && !e.getAttribute('aria-label'))
            .map(e => e.name)"""
    )
    assert unlabelled == [], f"form controls without a label: {unlabelled}"
    assert page.locator("h1").count() == 1


def test_a_validation_round_from_creation_to_results(
    live_server: Any, browser: Any, cast: dict[str, Any]
) -> None:
    from painreg.verification.models import SampledRegistration

    base = live_server.url
    coordinator = browser.new_context(locale="sv-SE", viewport={"width": 1200, "height": 900})
    page = coordinator.new_page()
    page.set_default_timeout(30_000)

    # The coordinator creates the round and draws its sample.
    _login(page, base, "erik", cast["erik"], "/validering/")
    page.wait_for_selector("h1:has-text('Källdatavalidering')")
    page.click("text=Ny valideringsomgång")
    page.fill("#id_name", "Validering 2025")
    page.fill("#id_year_from", "2025")
    page.fill("#id_year_to", "2025")
    page.check(f"input[name=units][value='{cast['unit'].pk}']")
    page.fill("#id_sample_size", "2")
    page.check("input[name=groups][value=dates]")
    page.check("input[name=groups][value=category]")
    page.fill("#id_items", "hads_1")
    page.fill("#id_seed", "2021")
    _shot(page, "01-new-round")
    page.click("main button[type=submit]:has-text('Skapa omgång')")
    page.wait_for_selector("h1:has-text('Valideringsomgång')")
    page.click("main button:has-text('Dra stickprovet')")
    page.wait_for_selector("text=Stickprovet är draget: 2 registreringar")
    page.fill("#id_username", "vera")
    page.click("main button:has-text('Lägg till validerare')")
    page.wait_for_selector("text=Valideraren är tillagd")
    _shot(page, "02-round")
    assert "19121212" not in page.content()

    # The validator: blind entry, then the comparison.
    validator = browser.new_context(locale="sv-SE", viewport={"width": 1200, "height": 900})
    vpage = validator.new_page()
    vpage.set_default_timeout(30_000)
    _login(vpage, base, "vera", cast["vera"], "/validering/")
    vpage.click("text=Validering 2025")
    vpage.wait_for_selector("h1:has-text('Registreringar att validera')")
    _shot(vpage, "03-samples")
    vpage.click("a:has-text('validera') >> nth=0")
    vpage.wait_for_selector("h1:has-text('Validera registrering')")
    content = vpage.content()
    assert "2025-01-20" not in content and "2025-02-03" not in content  # blind
    _shot(vpage, "04-blind-entry")
    vpage.fill("input[name=first_visit_date]", "2025-01-20")
    vpage.fill("input[name=rehab_start_date]", "2025-02-04")
    vpage.check("input[name=referral_date__not_found]")
    vpage.select_option("select[name=category]", "rehab")
    vpage.select_option("select[name='item.initial.hads_1']", "3")
    vpage.click("main button:has-text('Spara och jämför')")
    vpage.wait_for_selector("h1:has-text('Jämförelse')")
    text = vpage.inner_text("main")
    assert "2 av 5 kontrollerade variabler överensstämmer" in text
    assert "intilliggande alternativ" in text and "saknas i journalen" in text
    _shot(vpage, "05-comparison")
    assert SampledRegistration.objects.filter(completed_at__isnull=False).count() == 1

    # The coordinator reads the results.
    page.click("text=Resultat")
    page.wait_for_selector("h1:has-text('Resultat')")
    summary = page.inner_text(".summary")
    assert "Registreringen var korrekt till 40,0" in summary
    _shot(page, "06-results")
    assert "19121212" not in page.content()
    coordinator.close()
    validator.close()

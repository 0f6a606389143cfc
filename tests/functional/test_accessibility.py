"""Every page type a patient or a staff member uses, checked by axe-core in a real browser.

Deque's axe-core (the npm package of ``tests/functional/package.json``) is
injected by Playwright into each page and run against WCAG 2.x A/AA and its
best practices: zero violations, in Swedish and English, on a phone
(390 x 844) and a desktop screen. A screenshot of every page is kept in
``test-artifacts/a11y-<language>-<screen>-<page>.png`` (git-ignored).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

SCREENS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
LOCALES = {"sv": "sv-SE", "en": "en-GB"}

pytestmark = [
    pytest.mark.functional,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BORN = "1912-12-12"


@pytest.fixture
def unit_day(django_user_model: Any, settings: Any) -> Any:
    """A unit, its registrar, a registration and two invitations for the patient."""
    from types import SimpleNamespace

    from painreg.eprom import actions as eprom_actions
    from painreg.registry import actions

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    unit = actions.create_unit(
        user=None, code="A", name="Smärtrehab A", region="01", care_level="specialist"
    )
    staff = django_user_model.objects.create_user("alice", password="x")
    actions.add_membership(user=None, member=staff, role="registrar", unit=unit)
    registration = actions.create_registration(
        user=staff,
        unit=unit,
        personnummer="19121212-1212",
        category="rehab",
        first_visit_date=dt.date.today() - dt.timedelta(days=3),
        main_diagnosis="M79.7",
    )
    occasion = registration.occasions.get(kind="initial")
    _invitation, token = eprom_actions.create_invitation(user=staff, occasion=occasion)
    end = registration.occasions.get(kind="end")
    _other, locked_token = eprom_actions.create_invitation(user=staff, occasion=end)
    return SimpleNamespace(
        staff=staff, registration=registration, token=token, locked_token=locked_token
    )


def _context(browser: Any, language: str, screen: str) -> Any:
    # bypass_csp: the app's Content-Security-Policy forbids the inline script that
    # injects axe-core; the app's own pages run as they are.
    context = browser.new_context(locale=LOCALES[language], bypass_csp=True, **SCREENS[screen])
    context.set_default_timeout(30_000)
    return context


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("language", list(LOCALES))
def test_the_patient_pages_have_no_accessibility_violations(
    live_server: Any,
    browser: Any,
    axe: Any,
    answer_page: Any,
    unit_day: Any,
    language: str,
    screen: str,
) -> None:
    page = _context(browser, language, screen).new_page()
    name = f"a11y-{language}-{screen}-patient"
    base = f"{live_server.url}/enkat/{unit_day.token}/"
    page.goto(base + f"?lang={language}")
    assert page.locator("html").get_attribute("lang") == language
    axe(page, f"{name}-identity")
    assert page.locator("#identity").get_attribute("inputmode") == "numeric"
    page.locator("#identity").fill("1980-01-01")
    page.locator("form button[type=submit]").last.click()
    assert page.evaluate("document.activeElement.id") == "error-summary"  # focus moved there
    axe(page, f"{name}-identity-error")
    page.locator("#identity").fill(BORN)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/sida/1/")
    axe(page, f"{name}-question")
    page.locator("button[value=next]").click()  # nothing answered: the error summary
    assert page.evaluate("document.activeElement.id") == "error-summary"
    axe(page, f"{name}-question-error")
    while "/sida/" in page.url:
        answer_page(page)
        page.locator("button[value=next]").click()
    axe(page, f"{name}-review")
    page.locator("main form button.primary").click()
    page.wait_for_url("**/klart/")
    axe(page, f"{name}-receipt")

    locked = f"{live_server.url}/enkat/{unit_day.locked_token}/"
    page.goto(locked + f"?lang={language}")
    for _ in range(5):
        page.locator("#identity").fill("1980-01-01")
        page.locator("form button[type=submit]").last.click()
    assert page.locator("h1").count() == 1 and page.locator("#identity").count() == 0
    axe(page, f"{name}-locked")

    page.goto(f"{live_server.url}/enkat/{'A' * 43}/")  # a broken link
    assert page.locator("html").get_attribute("lang") == language
    axe(page, f"{name}-broken-link")


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("language", list(LOCALES))
def test_the_main_staff_pages_have_no_accessibility_violations(
    live_server: Any, browser: Any, axe: Any, unit_day: Any, language: str, screen: str
) -> None:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from painreg.accounts.testing import login_verified

    context = _context(browser, language, screen)
    cookie = {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}
    context.add_cookies([cookie])
    page = context.new_page()
    name = f"a11y-{language}-{screen}-staff"
    page.goto(live_server.url + reverse("accounts:login"))
    assert page.locator("html").get_attribute("lang") == language
    axe(page, f"{name}-login")

    client = Client()
    login_verified(client, unit_day.staff)
    session = {"name": "sessionid", "value": client.cookies["sessionid"].value}
    context.add_cookies([{**session, "url": live_server.url}])
    registration = unit_day.registration
    pages = {
        "start": reverse("registry:home"),
        "search": reverse("registry:patient_search"),
        "registrations": reverse("registry:patient_detail", args=[registration.patient_id]),
        "registration": reverse("registry:registration_detail", args=[registration.pk]),
        "occasion": reverse("registry:occasion_detail", args=[registration.pk, "initial"]),
        "dashboard": reverse("dashboard:unit", args=[registration.unit_id]),
    }
    for page_name, url in pages.items():
        page.goto(live_server.url + url)
        assert page.locator("html").get_attribute("lang") == language, page_name
        axe(page, f"{name}-{page_name}")
    # The dashboard's words are Swedish only (yet), and say so (WCAG 3.1.2).
    assert page.locator("main [lang=sv]").count() >= 1 or language == "sv"


@pytest.mark.parametrize("language", list(LOCALES))
def test_the_demos_sample_questions_have_no_violations_and_no_developer_text(
    live_server: Any, browser: Any, axe: Any, answer_page: Any, unit_day: Any, settings: Any,
    language: str,
) -> None:  # fmt: skip
    """The demo's question pages: sample texts, the real scales, nothing for developers."""
    settings.DEMO = True
    page = _context(browser, language, "phone").new_page()
    page.goto(f"{live_server.url}/enkat/{unit_day.token}/?lang={language}")
    page.locator("#identity").fill(BORN)
    page.locator("form button[type=submit]").last.click()
    seen_demo = False
    while "/sida/" in page.url:
        body = page.locator("body").inner_text()
        assert "TEXT NOT LICENSED" not in body and "load-texts" not in body, page.url
        if not seen_demo and page.locator("#demo-note").count():
            axe(page, f"a11y-{language}-phone-patient-demo-question")
            seen_demo = True
        answer_page(page)
        page.locator("button[value=next]").click()
    assert seen_demo

"""A patient answers on a phone-sized screen in a real browser (headless Debian chromium).

Four browser checks: a whole initial form answered; the
phone closed mid-way and the link opened again continues on the same page;
five wrong dates of birth lock the link; a double submit stores one
response. Screenshots of every page type go to ``test-artifacts/eprom-*.png``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

PHONE = {"width": 390, "height": 844}

# Screenshots for review (git-ignored); the browser fixture creates the folder.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.functional,
    # serialized_rollback: the regions loaded by a migration survive between tests.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _phone(browser: Any) -> Any:
    context = browser.new_context(
        locale="sv-SE", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def invited(django_user_model: Any, settings: Any) -> Any:
    """A primary-care patient (born 1912-12-12) invited to answer the initial form."""
    from types import SimpleNamespace

    from painreg.eprom import actions as eprom_actions
    from painreg.registry import actions

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    unit = actions.create_unit(
        user=None, code="B", name="Vårdcentral B", region="14", care_level="primary"
    )
    staff = django_user_model.objects.create_user("bob", password="x")
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
    return SimpleNamespace(invitation=invitation, token=token, occasion=occasion)


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"eprom-{name}.png"), full_page=True)


def _confirm(page: Any, answer: str = "1912-12-12") -> None:
    page.get_by_label("Födelsedatum (ÅÅÅÅ-MM-DD) eller fyra sista siffrorna").fill(answer)
    page.get_by_role("button", name="Fortsätt").click()


def _answer_pages(page: Any, answer: Any, count: int | None = None, shots: bool = False) -> int:
    done = 0
    seen_number = False
    while "/sida/" in page.url and (count is None or done < count):
        answer(page)
        if shots and done == 0:
            _shot(page, "page-choices")
        if shots and not seen_number and page.locator("input[inputmode]").count():
            _shot(page, "page-number")
            seen_number = True
        page.get_by_role("button", name="Spara och fortsätt").click()
        done += 1
    return done


def test_a_patient_answers_a_whole_initial_form(live_server, browser, invited, answer_page):
    from painreg.eprom import questionnaire
    from painreg.registry.models import Answer

    page = _phone(browser)
    page.goto(f"{live_server.url}/enkat/{invited.token}/")
    _shot(page, "identity")
    assert page.locator("html").get_attribute("lang") == "sv"
    _confirm(page)
    # A required question left empty: the error summary links to it.
    page.get_by_role("button", name="Spara och fortsätt").click()
    assert page.locator(".error-summary").is_visible()
    _shot(page, "page-error")
    answered = _answer_pages(page, answer_page, shots=True)
    assert answered == len(questionnaire.pages(invited.invitation.instruments))
    _shot(page, "review")
    page.get_by_role("button", name="Skicka in svaren").click()
    assert page.get_by_role("heading", name="Tack för dina svar").is_visible()
    _shot(page, "done")
    items = questionnaire.form_items(invited.invitation.instruments)
    stored = Answer.objects.filter(occasion=invited.occasion, source="patient").count()
    required = [i for i in items]
    assert stored == len(required)


def test_closing_the_phone_mid_way_and_opening_the_link_again_continues(
    live_server, browser, invited, answer_page
):
    page = _phone(browser)
    page.goto(f"{live_server.url}/enkat/{invited.token}/")
    _confirm(page)
    _answer_pages(page, answer_page, count=2)
    assert page.url.endswith("/sida/3/")
    page.context.close()  # the phone is closed: the session cookie is gone
    later = _phone(browser)
    later.goto(f"{live_server.url}/enkat/{invited.token}/")
    _confirm(later, "1212")
    assert later.url.endswith("/sida/3/")
    assert later.get_by_text("Sida 3 av").is_visible()
    later.get_by_role("button", name="Föregående sida").click()
    assert later.url.endswith("/sida/2/")
    # The earlier answers are there (saved when the patient moved on).
    assert later.locator("input[type=radio]:checked").count() >= 1
    _shot(later, "resumed")


def test_five_wrong_dates_of_birth_lock_the_link(live_server, browser, invited):
    page = _phone(browser)
    page.goto(f"{live_server.url}/enkat/{invited.token}/")
    for _ in range(4):
        _confirm(page, "1980-01-01")
        assert page.locator(".error-summary").is_visible()
    _shot(page, "identity-wrong")
    _confirm(page, "1980-01-01")
    assert page.get_by_role("heading", name="Länken är låst").is_visible()
    _shot(page, "locked")
    page.goto(f"{live_server.url}/enkat/{invited.token}/")
    assert page.get_by_role("heading", name="Länken är låst").is_visible()


@pytest.mark.parametrize(
    "taps",
    [
        pytest.param(1, id="one tap"),
        pytest.param(
            2,
            id="double tap",
            marks=pytest.mark.never(
                ["sqlite"],
                reason="the live server shares the test's in-memory SQLite connection between "
                "its threads, so two overlapping requests are not isolated",
            ),
        ),
    ],
)
def test_a_repeated_submit_stores_one_response(live_server, browser, invited, taps, answer_page):
    """A double tap on the button, and a retry of the same form after a lost response."""
    from painreg.audit.models import AuditEvent
    from painreg.eprom import questionnaire
    from painreg.registry.models import Answer

    page = _phone(browser)
    page.goto(f"{live_server.url}/enkat/{invited.token}/")
    _confirm(page)
    _answer_pages(page, answer_page)
    review_url = page.url
    csrf = page.locator("input[name=csrfmiddlewaretoken]").input_value()
    button = page.get_by_role("button", name="Skicka in svaren")
    button.click(click_count=taps)
    page.wait_for_url("**/klart/")
    # A retry after a lost response: the same form posted again.
    retry = page.request.post(review_url, form={"csrfmiddlewaretoken": csrf},
                              headers={"Referer": review_url})  # fmt: skip
    assert retry.ok and retry.url.endswith("/klart/")
    items = questionnaire.form_items(invited.invitation.instruments)
    assert Answer.objects.filter(occasion=invited.occasion).count() == len(items)
    assert AuditEvent.objects.filter(action="invitation.submit").count() == 1
    assert AuditEvent.objects.filter(action="answers.save").count() == 1


def test_a_page_can_be_answered_with_the_keyboard_alone(live_server, browser, invited):
    """WCAG 2.1.1: Tab to each question, Space picks an answer, Enter on the button."""
    from painreg.eprom import questionnaire

    page = _phone(browser)
    page.goto(f"{live_server.url}/enkat/{invited.token}/")

    def tab_to(selector_js: str) -> None:
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate(
                f"(() => {{ const e = document.activeElement; return {selector_js}; }})()"
            ):
                return
        raise AssertionError(f"Tab never reached {selector_js}")

    tab_to("e.id === 'identity'")
    page.keyboard.type("19121212")
    page.keyboard.press("Enter")
    page.wait_for_url("**/sida/1/")
    first = questionnaire.pages(invited.invitation.instruments)[0]
    for item_id in first.items:
        tab_to(f"e.name === '{item_id}'")
        if page.evaluate("document.activeElement.type") == "radio":
            page.keyboard.press("Space")
        else:
            page.keyboard.type("3")
    tab_to("e.tagName === 'BUTTON' && e.value === 'next'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/sida/2/")
    invited.invitation.refresh_from_db()
    assert set(invited.invitation.draft) == set(first.items)

"""The data-quality query workflow in a real browser (headless Debian chromium).

The national coordinator runs the quality check from the page, opens unit
A's findings (registration ids, no identities), and raises a query on the
finding "ongoing for more than two years". Unit A's registrar sees the open
query, corrects the registration through its own edit page (the registry's
action, audited) and answers. The coordinator closes the query with a
reason; the next check finds the registration no more. Screenshots go to
``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "correct-horse-battery-staple"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.functional,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def cast(django_user_model: Any, settings: Any) -> Any:
    from painreg.accounts import otp
    from painreg.registry import actions

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    unit = actions.create_unit(
        user=None, code="A", name="Smärtrehab A", region="01", care_level="specialist"
    )
    alice = django_user_model.objects.create_user("alice", password=PASSWORD)
    actions.add_membership(user=None, member=alice, role="registrar", unit=unit)
    erik = django_user_model.objects.create_user("erik", password=PASSWORD)
    actions.add_membership(user=None, member=erik, role="national_coordinator")
    start = dt.date.today() - dt.timedelta(days=3 * 365)
    registration = actions.create_registration(
        user=alice,
        unit=unit,
        personnummer="19121212-1212",
        category="rehab",
        first_visit_date=start,
        rehab_start_date=start,
        main_diagnosis="M79.7",
    )
    return {
        "unit": unit,
        "registration": registration,
        "alice": otp.ensure_totp_device(alice),
        "erik": otp.ensure_totp_device(erik),
    }


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"quality-{name}.png"), full_page=True)
    assert page.locator("h1").count() == 1


def _log_in(page: Any, base: str, name: str, device: Any, path: str) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from painreg.accounts import otp

    # A code is accepted once: a second login in the same 30 seconds would be refused
    # as a replay, so the test forgets the last code used (as the next window would).
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    page.context.clear_cookies()
    page.goto(base + path)
    page.fill("#id_username", name)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/tvafaktor/**")
    page.fill("#id_token", otp.current_token(device))
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{path}")


def test_a_query_is_raised_answered_with_a_correction_and_closed(
    live_server: Any, browser_page: Any, cast: Any
) -> None:
    from painreg.quality.models import Finding, Query, QueryStatus

    page = browser_page
    base = live_server.url
    registration = cast["registration"]

    # The coordinator runs the check and opens unit A's findings.
    _log_in(page, base, "erik", cast["erik"], "/kvalitet/")
    page.click("text=Kör kvalitetskontrollen nu")
    page.wait_for_selector("text=Kvalitetskontrollen är klar")
    _shot(page, "01-overview")
    page.click("a:has-text('Smärtrehab A')")
    page.wait_for_selector("h1:has-text('Datakvalitet – Smärtrehab A')")
    body = page.content()
    assert "Pågående i mer än två år" in body
    assert "19121212" not in body and f"/registreringar/{registration.pk}/" not in body
    _shot(page, "02-unit-findings")
    row = page.locator("tr", has_text="Pågående i mer än två år")
    row.locator("a:has-text('Ställ en fråga')").click()
    page.fill("#id_question", "Har rehabiliteringen avslutats? Ange i så fall slutdatum.")
    _shot(page, "03-raise")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Frågan är skickad till enheten.")
    query = Query.objects.get()
    assert query.field == "rehab_end_date" and query.status == QueryStatus.OPEN

    # The registrar sees the open query, corrects the registration and answers.
    _log_in(page, base, "alice", cast["alice"], "/")
    page.click("nav >> text=Datakvalitet")
    page.wait_for_selector("h2:has-text('Öppna frågor')")
    assert "Pågående i mer än två år" not in page.content()  # findings: the manager's
    _shot(page, "04-unit-queries")
    page.click(f"a:has-text('Fråga {query.pk}')")
    page.wait_for_selector("text=Har rehabiliteringen avslutats?")
    _shot(page, "05-query")
    page.click("text=Rätta registreringen")
    end = registration.rehab_start_date + dt.timedelta(days=90)
    page.fill("#id_rehab_end_date", end.isoformat())
    page.click("main button[type=submit]:has-text('Spara')")
    page.wait_for_selector("text=Ändringarna är sparade.")
    registration.refresh_from_db()
    assert registration.rehab_end_date == end
    page.goto(base + f"/kvalitet/fragor/{query.pk}/")
    page.fill("#id_answer", f"Rättat: avslutad {end.isoformat()}.")
    page.click("main button[type=submit]:has-text('Spara svaret')")
    page.wait_for_selector("text=Svaret är sparat.")
    assert page.locator("text=Stäng frågan").count() == 0  # closing is the raiser's side

    # The coordinator closes the query with a reason; the next check resolves the finding.
    _log_in(page, base, "erik", cast["erik"], f"/kvalitet/fragor/{query.pk}/")
    assert f"Rättat: avslutad {end.isoformat()}." in page.content()
    page.select_option("#id_reason", "corrected")
    page.fill("#id_note", "Tack!")
    page.click("main button[type=submit]:has-text('Stäng frågan')")
    page.wait_for_selector("text=Frågan är stängd.")
    _shot(page, "06-closed")
    query.refresh_from_db()
    assert (query.status, query.close_reason) == (QueryStatus.CLOSED, "corrected")
    page.goto(base + "/kvalitet/")
    page.click("text=Kör kvalitetskontrollen nu")
    page.wait_for_selector("text=Kvalitetskontrollen är klar")
    finding = Finding.objects.get(rule="ongoing_too_long")
    assert finding.resolved_at is not None
    cells = page.locator("tr", has_text="Smärtrehab A").locator("td").all_inner_texts()
    assert cells[-2:] == ["0", "1"]  # open and closed queries

"""Data-quality rules over the database, findings across runs, and the query workflow.

The cast is tests/integration/conftest.py's ``world``: Charlie manages unit A,
Alice is its registrar, Bob is unit B's, Erik the national coordinator.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from painreg.cli import main

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 1)


@pytest.fixture
def quality_world(world: SimpleNamespace) -> SimpleNamespace:
    from painreg.registry import actions

    # Dates in the wrong order cannot be entered today: the registration is changed
    # the way old data came in (before the rule), then checked by today's rules.
    registration = actions.create_registration(
        user=world.alice,
        unit=world.unit_a,
        personnummer="19121212-1212",
        category="rehab",
        first_visit_date=dt.date(2022, 1, 20),
        rehab_start_date=dt.date(2022, 2, 3),
        main_diagnosis="M79.7",
    )
    occasion = registration.occasions.get(kind="initial")
    actions.save_answers(
        user=world.alice, occasion=occasion, answers={"hads_1": 1}, answered_on=dt.date(2022, 1, 20)
    )
    world.registration = registration
    return world


def _client(user: Any) -> Client:
    from painreg.accounts.testing import login_verified

    client = Client()
    login_verified(client, user)
    return client


def _run() -> Any:
    from painreg.quality import actions

    return actions.run_quality_check(username="test", today=TODAY)


def test_a_run_stores_findings_and_resolves_them_when_corrected(quality_world: Any) -> None:
    from painreg.audit.models import AuditEvent
    from painreg.quality.models import Finding
    from painreg.registry import actions

    run = _run()
    reg = quality_world.registration
    rules = set(
        Finding.objects.filter(registration=reg, resolved_at__isnull=True).values_list(
            "rule", flat=True
        )
    )
    # Started 2022-02-03, no end: ongoing for more than two years on 2025-06-01; the
    # initial occasion answered 2022-01-20 and never signed off.
    assert rules == {"ongoing_too_long", "occasion_not_signed_off"}
    assert run.found == 2 and run.opened == 2 and run.resolved == 0
    assert AuditEvent.objects.filter(action="quality_run").count() == 1
    again = _run()
    assert (again.found, again.opened, again.resolved) == (2, 0, 0)
    actions.update_registration(
        user=quality_world.alice, registration=reg, rehab_end_date=dt.date(2022, 6, 1)
    )
    third = _run()
    assert (third.found, third.resolved) == (1, 1)
    finding = Finding.objects.get(rule="ongoing_too_long")
    assert finding.resolved_at is not None


def test_the_query_workflow_with_its_audit(quality_world: Any) -> None:
    from painreg.audit.models import AuditEvent
    from painreg.quality import actions
    from painreg.quality.models import Finding, QueryStatus

    _run()
    finding = Finding.objects.get(rule="ongoing_too_long")
    with pytest.raises(PermissionDenied):
        actions.raise_query(user=quality_world.alice, unit=quality_world.unit_a,
                            finding=finding, question="?")  # fmt: skip
    with pytest.raises(PermissionDenied):
        actions.raise_query(user=quality_world.bob, unit=quality_world.unit_b,
                            finding=finding, question="?")  # fmt: skip
    with pytest.raises(ValidationError):
        actions.raise_query(user=quality_world.erik, unit=quality_world.unit_a,
                            finding=finding, question="  ")  # fmt: skip
    query = actions.raise_query(
        user=quality_world.erik,
        unit=quality_world.unit_a,
        finding=finding,
        question="Har rehabiliteringen avslutats?",
    )
    assert query.field == "rehab_end_date" and query.registration == quality_world.registration
    with pytest.raises(PermissionDenied):
        actions.answer_query(user=quality_world.bob, query=query, answer="x")
    actions.answer_query(user=quality_world.alice, query=query, answer="Ja, 2022-06-01.")
    with pytest.raises(PermissionDenied):
        actions.close_query(user=quality_world.alice, query=query, reason="corrected")
    with pytest.raises(ValidationError):
        actions.close_query(user=quality_world.erik, query=query, reason="because")
    closed = actions.close_query(user=quality_world.erik, query=query, reason="corrected")
    assert closed.status == QueryStatus.CLOSED and closed.closed_by == quality_world.erik
    events = list(AuditEvent.objects.filter(object_type="query").values_list("action", "unit_id"))
    assert events == [
        ("quality_query_closed", quality_world.unit_a.pk),
        ("quality_query_answered", quality_world.unit_a.pk),
        ("quality_query_raised", quality_world.unit_a.pk),
    ] or sorted(events) == sorted(
        [
            ("quality_query_raised", quality_world.unit_a.pk),
            ("quality_query_answered", quality_world.unit_a.pk),
            ("quality_query_closed", quality_world.unit_a.pk),
        ]
    )


def test_pages_by_role(quality_world: Any) -> None:
    from painreg.quality import actions
    from painreg.quality.models import Finding

    _run()
    finding = Finding.objects.get(rule="ongoing_too_long")
    query = actions.raise_query(
        user=quality_world.charlie, unit=quality_world.unit_a, finding=finding, question="Slut?"
    )
    unit_page = reverse("quality:unit", args=[quality_world.unit_a.pk])
    # The unit manager: findings with links to the registration.
    body = _client(quality_world.charlie).get(unit_page).content.decode()
    assert "Pågående i mer än två år" in body
    assert f"/registreringar/{quality_world.registration.pk}/" in body
    chosen = _client(quality_world.charlie).get(unit_page, {"regel": "occasion_not_signed_off"})
    assert "Pågående i mer än två år</summary>" not in chosen.content.decode()
    assert "Besvarat men inte klarmarkerat</summary>" in chosen.content.decode()
    # The registrar: the open query (counted in the menu of every page), no findings.
    home = _client(quality_world.alice).get(reverse("registry:home")).content.decode()
    assert "(1 öppen fråga)" in home
    body = _client(quality_world.alice).get(unit_page).content.decode()
    assert f"/kvalitet/fragor/{query.pk}/" in body
    assert "Pågående i mer än två år" not in body
    # The coordinator: findings by registration id, no identity, no link to the patient.
    erik = _client(quality_world.erik)
    body = erik.get(unit_page).content.decode()
    assert "Pågående i mer än två år" in body
    assert "19121212" not in body and "/registreringar/" not in body
    overview = erik.get(reverse("quality:home")).content.decode()
    assert quality_world.unit_a.name in overview
    # Another unit's staff and an analyst: nothing.
    assert _client(quality_world.bob).get(unit_page).status_code == 404
    assert _client(quality_world.fiona).get(unit_page).status_code == 404
    assert (
        _client(quality_world.bob).get(reverse("quality:query", args=[query.pk])).status_code == 404
    )
    # Only the coordinator runs the check from the page.
    assert _client(quality_world.charlie).post(reverse("quality:run")).status_code == 403
    assert erik.post(reverse("quality:run")).status_code == 302


def test_the_dashboard_counts_open_and_closed_queries(quality_world: Any) -> None:
    from painreg.quality import actions
    from painreg.quality.models import Finding

    _run()
    finding = Finding.objects.get(rule="ongoing_too_long")
    for text in ("Ett", "Två"):
        query = actions.raise_query(
            user=quality_world.erik, unit=quality_world.unit_a, finding=finding, question=text
        )
    actions.close_query(user=quality_world.erik, query=query, reason="not_applicable")
    body = _client(quality_world.charlie).get(reverse("dashboard:home")).content.decode()
    assert 'data-quality-queries="1 1"' in body


def test_the_command_runs_over_the_database(quality_world: Any, capsys: Any, tmp_path: Any) -> None:
    out = tmp_path / "findings.csv"
    assert main(["quality", "run", "--today", TODAY.isoformat(), "--output", str(out)]) == 0
    assert "quality: 2 findings (2 new, 0 resolved)" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert "ongoing_too_long,warning,A," in text
    assert "19121212" not in text


def test_a_query_on_a_field_without_a_finding(quality_world: Any) -> None:
    from painreg.quality.models import Query

    erik = _client(quality_world.erik)
    url = reverse("quality:raise_registration", args=[quality_world.unit_a.pk])
    page = erik.get(url)
    assert page.status_code == 200 and "Ställ en fråga om en registrering" in page.content.decode()
    refused = erik.post(url, {"registration": "999999", "field": "nonsense", "question": "?"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Enheten har ingen registrering med detta id." in body
    assert "Välj fältet frågan gäller." in body
    reg = quality_world.registration
    done = erik.post(
        url, {"registration": reg.public_id, "field": "main_diagnosis", "question": "M79.7?"}
    )
    query = Query.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("quality:query", args=[query.pk])
    assert (query.registration, query.field, query.finding) == (reg, "main_diagnosis", None)
    # A registrar may not raise one; another unit's manager gets nothing.
    assert _client(quality_world.alice).get(url).status_code == 403
    assert _client(quality_world.bob).get(url).status_code == 404


def test_the_registrar_answers_and_the_manager_closes_in_the_pages(quality_world: Any) -> None:
    from painreg.quality import actions
    from painreg.quality.models import QueryStatus

    query = actions.raise_query(
        user=quality_world.charlie,
        unit=quality_world.unit_a,
        registration=quality_world.registration,
        field="rehab_end_date",
        question="Slutdatum?",
    )
    alice = _client(quality_world.alice)
    page = alice.get(reverse("quality:query", args=[query.pk])).content.decode()
    assert "Svara på frågan" in page and "Stäng frågan" not in page
    assert reverse("registry:registration_edit", args=[quality_world.registration.pk]) in page
    empty = alice.post(reverse("quality:answer", args=[query.pk]), {"answer": " "})
    assert empty.status_code == 400 and "Skriv svaret." in empty.content.decode()
    alice.post(reverse("quality:answer", args=[query.pk]), {"answer": "Rättat."})
    assert (
        alice.post(reverse("quality:close", args=[query.pk]), {"reason": "corrected"}).status_code
        == 403
    )
    charlie = _client(quality_world.charlie)
    assert (
        charlie.post(reverse("quality:close", args=[query.pk]), {"reason": ""}).status_code == 400
    )
    charlie.post(reverse("quality:close", args=[query.pk]), {"reason": "corrected", "note": "OK"})
    query.refresh_from_db()
    assert (query.status, query.answer, query.close_reason) == (
        QueryStatus.CLOSED,
        "Rättat.",
        "corrected",
    )


def test_the_pages_speak_english_too(quality_world: Any) -> None:
    _run()
    charlie = _client(quality_world.charlie)
    url = reverse("quality:unit", args=[quality_world.unit_a.pk])
    from django.conf import settings

    charlie.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # English chosen
    english = charlie.get(url).content.decode()
    assert "Ongoing for more than two years" in english and "Open queries" in english
    assert "Rehab end" in english or "rehab end" in english.lower()
    charlie.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    swedish = charlie.get(url).content.decode()
    assert "Pågående i mer än två år" in swedish and "Öppna frågor" in swedish

"""Every page and every file that shows a patient is in that patient's access extract.

The walk requests every URL pattern of the project as the unit's manager
(GET, then an empty POST, which renders the error pages): whenever a
response shows the patient's personnummer, the patient's access-log entries
must have grown by that request. New views are covered without touching
this file. The exporting commands (``painreg export``, ``painreg fhir
export-responses``) must leave an entry in the extract of every patient in
the file, and of no other. The same walk then puts a NUL character in every
text parameter and the query: a bad request (400) or not found (404), never
a server error (PostgreSQL refuses NUL in text).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from painreg.cli import main

pytestmark = pytest.mark.django_db

SHOWN = "19121212-1212"  # the patient of unit A
OTHER = "19900101-0017"  # a second patient of unit A, for "no other patient"

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _routes(patterns: list[Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            out += _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append(prefix + str(p.pattern))
    return out


@pytest.fixture
def world(sec2_world: SimpleNamespace) -> SimpleNamespace:
    from painreg.eprom import actions
    from painreg.eprom.models import Invitation

    world = sec2_world
    world.manager = world.alice
    world.other = world.register_patient(OTHER)
    world.invitation, _token = actions.create_invitation(
        user=world.manager, occasion=world.registration.occasions.get(kind="end")
    )
    # Past its end: a non-responder on the overview, and a link staff may reopen.
    Invitation.objects.filter(pk=world.invitation.pk).update(
        valid_until=timezone.now() - dt.timedelta(days=1)
    )
    from painreg.api import tokens

    world.api_token, world.api_secret = tokens.create_token(
        user=None, owner=world.manager, scope="write", days=30, username="test"
    )
    # A data-quality finding (the answered initial occasion not signed off) and a query.
    from painreg.quality import actions as quality_actions

    quality_actions.run_quality_check(username="test", today=dt.date.today().replace(year=3000))
    world.finding = world.unit.quality_findings.filter(rule="occasion_not_signed_off").first()
    world.query = quality_actions.raise_query(
        user=world.manager, unit=world.unit, finding=world.finding, question="Klarmarkera?"
    )
    _validation_round(world)
    return world


def _validation_round(world: SimpleNamespace) -> None:
    """A drawn validation round of the unit holding the patient's registration, with a
    validator (vera) and a coordinator (erik)."""
    from django.contrib.auth import get_user_model

    from painreg.registry import actions as registry_actions
    from painreg.registry.guard import writes_allowed
    from painreg.registry.models import Registration
    from painreg.verification import actions

    reg = world.registration
    with writes_allowed():  # finished and signed off: eligible for the sample
        Registration.objects.filter(pk=reg.pk).update(
            rehab_end_date=reg.rehab_start_date + dt.timedelta(days=1),
            signed_off_at=timezone.now(),
        )
    reg.refresh_from_db()
    users = get_user_model().objects
    world.erik = users.create_user("erik", password="x")
    registry_actions.add_membership(user=None, member=world.erik, role="national_coordinator")
    year = reg.counting_year
    world.round = actions.create_round(
        user=world.erik, name="Validering", year_from=year, year_to=year, units=[world.unit],
        sample_size=5, groups=["dates", "category"], items=["hads_1"], seed=1,
    )  # fmt: skip
    actions.draw_sample(user=world.erik, round_=world.round)
    world.sample = world.round.samples.get(registration=reg)
    world.vera = users.create_user("vera", password="x")
    actions.assign_validator(user=world.erik, round_=world.round, member=world.vera)


def _path_values(world: SimpleNamespace) -> dict[str, Any]:
    reg = world.registration
    return {
        "registration_id": reg.pk,
        "patient_id": reg.patient_id,
        "unit_id": world.unit.pk,
        "kind": "end",
        "instrument": "hads",
        "key": "response_rate_end",
        "decision": "delete",
        "membership_id": world.manager.memberships.get().pk,
        "user_id": world.manager.pk,
        "invitation_id": world.invitation.pk,
        "token_id": world.api_token.pk,
        "finding_id": world.finding.pk,
        "query_id": world.query.pk,
        "round_id": world.round.pk,
        "sample_id": world.sample.pk,
        "object_id": world.unit.pk,
        "id": world.manager.pk,
        "app_label": "registry",
        "content_type_id": 1,
        "url": "registry/unit/",
        "path": "painreg/painreg.css",
        "year": 2025,
        "token": "no-such-token",
        "number": 1,
    }


def _fill(route: str, values: dict[str, Any], text: str | None = None) -> str:
    """The route with a value for each parameter (``text`` for every ``str`` one)."""

    def sub(match: re.Match[str]) -> str:
        name = match.group("name")
        assert name in values, f"<{name}> of {route!r} has no test value: add it to _path_values"
        if text is not None and match.group("converter") in (None, "str", "slug", "path"):
            return text
        return str(values[name])

    path = _PARAM.sub(sub, route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values.get(m.group(1), "x")), path)
    return "/" + path.lstrip("^").rstrip("$").replace("\\Z", "")


def _manager(world: SimpleNamespace) -> Client:
    return _client(world.manager)


def _client(user: Any) -> Client:
    from painreg.accounts.testing import login_verified

    client = Client(raise_request_exception=False)
    login_verified(client, user)
    return client


def _logged(patient: Any) -> int:
    from painreg.audit.models import AccessLog

    return AccessLog.objects.filter(patient=patient).count()


def _extract(number: str) -> list[Any]:
    from painreg.registry import access

    return access.access_extract(number, requested_by="test")


# --- pages ---------------------------------------------------------------------------


def _shown_and_unlogged(world: SimpleNamespace, client: Client) -> tuple[list[str], list[str]]:
    """Walk every route (GET, then POST): the routes whose response shows the patient,
    and those of them that did not log the patient."""
    patient = world.registration.patient
    values = _path_values(world)
    shown, failures = [], []
    for method in ("get", "post"):
        for route in _routes(get_resolver().url_patterns):
            if route == "konto/logga-ut/":
                continue  # would end the walk's session; shows no one
            path = _fill(route, values)
            before = _logged(patient)
            response = getattr(client, method)(path)
            body = response.content.decode(errors="replace")
            if SHOWN in body or SHOWN.replace("-", "") in body:
                shown.append(f"{method.upper()} {route}")
                if _logged(patient) == before:
                    failures.append(f"{method.upper()} {route} ({response.status_code})")
    return shown, failures


def test_every_page_that_shows_the_patient_is_logged_with_the_patient(
    world: SimpleNamespace,
) -> None:
    shown, failures = _shown_and_unlogged(world, _manager(world))
    assert not failures, "shows the patient without logging it:\n" + "\n".join(failures)
    # The walk reached the pages this test is about (a vacuous walk would pass).
    for route in (
        "personal/oversikt/",
        "personal/registreringar/<int:registration_id>/tillfallen/<str:kind>/inbjudan/",
        "personal/inbjudningar/<int:invitation_id>/oppna-igen/",
        "atkomstlogg/",
    ):
        assert any(s.endswith(route) for s in shown), route


def test_the_access_log_page_logs_the_patients_it_lists_and_no_one_else(
    world: SimpleNamespace,
) -> None:
    from painreg.audit.models import AccessAction, AccessLog

    client = _manager(world)
    assert client.get(f"/registreringar/{world.registration.pk}/").status_code == 200
    assert client.get("/atkomstlogg/").status_code == 200
    browsed = AccessLog.objects.filter(action=AccessAction.BROWSE_ACCESS_LOG)
    assert set(browsed.exclude(patient=None).values_list("patient_id", flat=True)) == {
        world.registration.patient_id
    }


def test_the_overview_logs_each_non_responder_it_lists(world: SimpleNamespace) -> None:
    client = _manager(world)
    assert SHOWN in client.get("/enkat/personal/oversikt/").content.decode()
    actions = [row.action for row in _extract(SHOWN)]
    assert "visade registrering" in actions
    assert "visade registrering" not in [row.action for row in _extract(OTHER)]


def _api_body(route: str) -> dict[str, Any]:
    """A body that reaches the view of a token route (its shape valid, so the request
    gets past the schema to the view and its scope)."""
    if route.endswith("registrations/search"):
        return {"personnummer": SHOWN}
    if route.endswith("/answers/<instrument>"):
        return {"answered_on": "2025-01-20", "answers": {"hads_1": 1}}
    if route.endswith("/invitations"):
        return {}
    if route.endswith("not-administered/<instrument>"):
        return {"reason": "declined"}
    return {"category": "rehab"}


def test_every_api_route_that_shows_the_patient_is_logged_with_the_patient(
    world: SimpleNamespace,
) -> None:
    """The same walk with the manager's API token over /api/v1/ and /fhir/ (GET, then
    POST and PUT with a body of the right shape)."""
    patient = world.registration.patient
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_secret}", raise_request_exception=False)
    values = {**_path_values(world), "kind": "initial"}
    shown, failures = [], []
    routes = [r for r in _routes(get_resolver().url_patterns) if r.startswith(("api/v1/", "fhir/"))]
    for route in routes:
        path = _fill(route, values)
        for method in ("get", "post", "put"):
            before = _logged(patient)
            if route.endswith("_search"):
                response = client.post(path, {"subject:identifier": SHOWN.replace("-", "")})
            elif method == "get":
                response = client.get(path, {"registration": world.registration.pk})
            else:
                response = getattr(client, method)(
                    path, _api_body(route), content_type="application/json"
                )
            assert response.status_code < 500, f"{method.upper()} {route}: {response.status_code}"
            body = response.content.decode(errors="replace")
            if SHOWN.replace("-", "") in body or SHOWN in body:
                shown.append(f"{method.upper()} {route}")
                if _logged(patient) == before:
                    failures.append(f"{method.upper()} {route} ({response.status_code})")
    assert not failures, "shows the patient without logging it:\n" + "\n".join(failures)
    for route in ("registrations/<registration_id>", "registrations/search"):
        assert any(s.endswith(route) for s in shown), (route, shown)
    from painreg.audit.models import AccessLog

    api_rows = AccessLog.objects.filter(patient=patient, detail__startswith="API ")
    assert api_rows.exists() and {r.username for r in api_rows} == {"alice"}


def test_every_page_a_patient_signed_in_with_e_id_opens_is_in_their_extract_only(
    world: SimpleNamespace,
) -> None:
    """The walk as the patient signed in with e-ID (no staff login): any page that
    answers is logged for that patient, and for no other."""
    import time

    from painreg.eprom.eid import SESSION_PATIENT

    patient = world.registration.patient
    client = Client(raise_request_exception=False)
    session = client.session
    session[SESSION_PATIENT] = {"patient": patient.pk, "until": time.time() + 600}
    session.save()
    values = _path_values(world)
    opened = []
    for route in _routes(get_resolver().url_patterns):
        if route.endswith("logga-ut/"):
            continue  # would end the walk's session
        before = _logged(patient)
        response = client.get(_fill(route, values))
        if response.status_code == 200 and route.startswith("enkat/mina-svar"):
            opened.append(route)
            assert _logged(patient) > before, route
    assert opened == ["enkat/mina-svar/", "enkat/mina-svar/mina-svar.pdf"]
    assert not _extract(OTHER) or all(
        r.username != "patient (e-legitimation)" for r in _extract(OTHER)
    )


def test_every_page_a_validator_sees_the_patient_on_is_logged(world: SimpleNamespace) -> None:
    shown, failures = _shown_and_unlogged(world, _client(world.vera))
    assert not failures, "shows the patient without logging it:\n" + "\n".join(failures)
    for route in ("validering/<int:round_id>/stickprov/",
                  "validering/<int:round_id>/stickprov/<int:sample_id>/"):  # fmt: skip
        assert any(s.endswith(route) for s in shown), route


def test_the_coordinator_sees_no_identity_anywhere(world: SimpleNamespace) -> None:
    shown, _failures = _shown_and_unlogged(world, _client(world.erik))
    assert shown == []


# --- exporting commands ----------------------------------------------------------------


def _exports(number: str) -> list[str]:
    return [row.detail for row in _extract(number) if row.action == "exporterade"]


def test_an_identified_export_is_in_the_extract_of_every_patient_in_it(
    world: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(tmp_path / "out")]) == 0
    assert len(_exports(SHOWN)) == len(_exports(OTHER)) == 1
    assert "interchange export (identified, csv)" in _exports(SHOWN)[0]
    capsys.readouterr()
    assert main(["access-extract", SHOWN, "--format", "csv"]) == 0
    assert ',access,exporterade,"interchange export (identified' in capsys.readouterr().out


def test_a_unit_export_is_in_the_extracts_of_that_units_patients_only(
    world: SimpleNamespace, tmp_path: Path
) -> None:
    from painreg.registry import actions

    unit_b = actions.create_unit(
        user=None, code="B", name="Vårdcentral B", region="14", care_level="primary"
    )
    world.register_patient("19800202-0009", unit_b)
    assert main(["export", str(tmp_path / "out"), "--units", "B"]) == 0
    assert _exports("19800202-0009") and not _exports(SHOWN)


def test_a_fhir_export_is_in_the_extract_of_the_patient_in_the_bundle_only(
    world: SimpleNamespace, tmp_path: Path
) -> None:
    argv = ["fhir", "export-responses", "--registration", str(world.registration.pk)]
    assert main([*argv, "--output", str(tmp_path / "bundle.json")]) == 0
    assert _exports(SHOWN) == [f"fhir export registration {world.registration.pk}"]
    assert _exports(OTHER) == []


def test_a_fhir_export_of_a_unit_is_in_the_extract_of_each_patient_in_the_bundle(
    world: SimpleNamespace, tmp_path: Path
) -> None:
    today = dt.date.today()
    argv = ["fhir", "export-responses", "--unit", "A", "--from",
            str(today - dt.timedelta(days=90)), "--to", str(today)]  # fmt: skip
    assert main([*argv, "--output", str(tmp_path / "bundle.json")]) == 0
    assert len(_exports(SHOWN)) == len(_exports(OTHER)) == 1


def test_an_audit_export_is_in_the_extract_of_every_patient_it_names(
    world: SimpleNamespace, tmp_path: Path
) -> None:
    """The audit export names patients by internal id: a read of identifiable data."""
    from painreg.accounts.testing import login_verified

    erik = world.erik  # the national coordinator of the world
    assert main(["audit", "export", "--patient", SHOWN, "--output", str(tmp_path / "a.csv")]) == 0
    assert len(_exports(SHOWN)) == 1 and not _exports(OTHER)
    assert _exports(SHOWN)[0].startswith("audit export (patient_id=")
    coordinator = Client(raise_request_exception=False)
    login_verified(coordinator, erik)
    response = coordinator.get("/granskningslogg/", {"format": "json"})
    assert response.status_code == 200
    assert (len(_exports(SHOWN)), len(_exports(OTHER))) == (2, 1)


# --- a NUL character in a URL ----------------------------------------------------------


def test_a_nul_in_any_text_parameter_is_a_bad_request_not_a_server_error(
    world: SimpleNamespace,
) -> None:
    client = _manager(world)
    values = _path_values(world)
    failures = []
    for route in _routes(get_resolver().url_patterns):
        if not any(m.group("converter") in (None, "str") for m in _PARAM.finditer(route)):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(_fill(route, values, text="a\x00b"))
            if response.status_code not in (400, 404):
                failures.append(f"{method.upper()} {route}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_a_nul_in_the_query_or_a_posted_form_is_a_bad_request(world: SimpleNamespace) -> None:
    client = _manager(world)
    assert client.get("/patienter/", {"personnummer": "1912\x001212"}).status_code == 400
    assert client.get("/atkomstlogg/", {"page": "\x00"}).status_code == 400
    assert client.post("/atkomstlogg/", {"extract-personnummer": "\x00"}).status_code == 400
    assert client.get("/patienter/", {"personnummer": SHOWN}).status_code == 200

"""API v1: tokens, the same validation and audit as the web, answers and scores,
invitations, indicators, the coordinator's export, the documentation page."""

from __future__ import annotations

import io
import json
import re
import zipfile
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from painreg.cli import main

pytestmark = pytest.mark.django_db

PNR = "19121212-1212"
KEY = "k3y-for-the-api-tests-0123456789-abcdefghijklmnop"


def _client(secret: str, **extra: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", **extra)


def _token(owner: Any, scope: str = "write", unit: Any = None) -> str:
    from painreg.api import tokens

    return tokens.create_token(
        user=None, owner=owner, scope=scope, days=30, unit=unit, username="test"
    )[1]


REGISTRATION = {
    "personnummer": PNR,
    "category": "rehab",
    "first_visit_date": "2025-01-20",
    "rehab_start_date": "2025-02-03",
    "main_diagnosis": "M79.7",
}


def _post_json(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def _put_json(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.put(path, json.dumps(body), content_type="application/json")


# --- tokens -----------------------------------------------------------------------


def test_the_command_prints_the_token_once_on_its_own_line_and_stores_only_its_hash(
    world: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    from painreg.api.models import ApiToken
    from painreg.audit.models import AuditEvent

    args = ["api-tokens", "create", "--user", "alice", "--scope", "read", "--unit", "A"]
    assert main([*args, "--days", "30"]) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert len(lines) == 1 and re.fullmatch(r"painreg_[A-Za-z0-9_-]{43}", lines[0])
    token = lines[0]
    assert token not in out.err
    row = ApiToken.objects.get()
    assert row.digest != token and token not in json.dumps(
        list(ApiToken.objects.values()), default=str
    )
    assert token.startswith(row.prefix)
    assert (row.scope, row.unit.code, (row.expires_at - row.created_at).days) == ("read", "A", 30)
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.username.startswith("cli:") and token not in json.dumps(event.detail)
    assert row.last_used_at is None
    assert _client(token).get("/api/v1/units").status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None
    capsys.readouterr()
    assert main(["api-tokens", "list"]) == 0
    listed = capsys.readouterr().out
    assert row.prefix in listed and token not in listed and "active" in listed
    assert main(["api-tokens", "revoke", row.prefix]) == 0
    assert _client(token).get("/api/v1/units").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody", "--scope", "read", "--days", "5"], "no user 'nobody'"),
        (["--user", "alice", "--scope", "read", "--unit", "B", "--days", "5"], "does not belong"),
        (["--user", "alice", "--scope", "read", "--days", "0"], "1 to 366 days"),
        (["--user", "alice", "--scope", "read", "--unit", "Z", "--days", "5"], "no unit"),
    ],
)
def test_the_command_refuses_in_one_line(
    world: SimpleNamespace, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["api-tokens", "create", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_token_page_shows_a_new_token_once_and_revokes(world: SimpleNamespace) -> None:
    from painreg.accounts.testing import login_verified
    from painreg.api.models import ApiToken

    client = Client()
    login_verified(client, world.alice)
    response = client.post(
        "/api-nycklar/",
        {"scope": "write", "unit": str(world.unit_a.pk), "days": "30", "name": "EHR"},
    )
    assert response.status_code == 200
    token = re.search(r"painreg_[A-Za-z0-9_-]{43}", response.content.decode()).group(0)
    assert response["Cache-Control"] == "no-store"
    page = client.get("/api-nycklar/").content.decode()
    assert token not in page and token[:14] in page and "EHR" in page
    assert "<h1>API-nycklar</h1>" in page and "läsa och skriva" in page  # Swedish first
    row = ApiToken.objects.get()
    assert (row.user, row.unit, row.scope) == (world.alice, world.unit_a, "write")
    assert client.post(f"/api-nycklar/{row.pk}/aterkalla/").status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    # Someone else's token cannot be revoked (404), nor a unit outside one's own chosen.
    other = Client()
    login_verified(other, world.bob)
    assert other.post(f"/api-nycklar/{row.pk}/aterkalla/").status_code == 404
    refused = other.post(
        "/api-nycklar/", {"scope": "read", "unit": str(world.unit_a.pk), "days": "5"}
    )
    assert refused.status_code == 400 and ApiToken.objects.count() == 1


# --- registrations: the web form's validation, audit and access log -----------------


def test_a_registration_is_created_and_read_as_the_owner_and_logged(
    world: SimpleNamespace,
) -> None:
    from painreg.audit.models import AccessLog, AuditEvent

    client = _client(_token(world.alice))
    response = _post_json(client, "/api/v1/registrations", REGISTRATION)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["personnummer"] == "191212121212" and body["unit_code"] == "A"
    assert [o["kind"] for o in body["occasions"]] == ["initial", "end", "followup_1y"]
    event = AuditEvent.objects.get(action="registration.create")
    assert (event.user, event.username, event.unit) == (world.alice, "alice", world.unit_a)
    reads = AccessLog.objects.filter(patient_id=body["patient_id"])
    assert reads.count() == 1 and reads.get().username == "alice"
    assert reads.get().detail.startswith("API painreg_")
    # A list names nobody and is not logged (as the start page).
    listed = client.get("/api/v1/registrations").json()
    assert [r["id"] for r in listed] == [body["id"]] and "personnummer" not in listed[0]
    assert AccessLog.objects.count() == 1
    assert client.get(f"/api/v1/registrations/{body['id']}").status_code == 200
    assert AccessLog.objects.count() == 2


def test_refusals_are_the_web_forms_messages_by_field(world: SimpleNamespace) -> None:
    from painreg.registry.forms import RegistrationForm
    from painreg.registry.models import Registration

    bad = {**REGISTRATION, "personnummer": "19121212-1213", "rehab_end_date": "2025-01-01"}
    response = _post_json(_client(_token(world.alice)), "/api/v1/registrations", bad)
    assert response.status_code == 422
    errors = response.json()["errors"]
    form = RegistrationForm({**bad, "rehab_start_date": "2025-02-03"}, with_personnummer=True)
    assert not form.is_valid()
    expected = {(name, str(m)) for name, ms in form.errors.items() for m in ms}
    assert {(e["field"], e["message"]) for e in errors} == expected
    assert {"personnummer", "rehab_end_date"} <= {e["field"] for e in errors}
    assert not Registration.objects.exists()
    # English on request; a malformed date is named by its field too.
    english = _client(_token(world.alice), HTTP_ACCEPT_LANGUAGE="en")
    response = _post_json(english, "/api/v1/registrations", bad)
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert messages["personnummer"] != {e["field"]: e["message"] for e in errors}["personnummer"]
    assert "check digit" in messages["personnummer"].lower()
    response = _post_json(
        english, "/api/v1/registrations", {**REGISTRATION, "first_visit_date": "2025-13-01"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "first_visit_date"


def test_an_update_of_a_signed_off_registration_needs_a_reason(world: SimpleNamespace) -> None:
    from painreg.registry import actions, validation
    from painreg.registry.models import Registration

    client = _client(_token(world.alice))
    assessment = {**REGISTRATION, "category": "assessment", "rehab_start_date": None}
    reg_id = _post_json(client, "/api/v1/registrations", assessment).json()["id"]
    update = {"category": "assessment", "first_visit_date": "2025-01-21", "main_diagnosis": "M79.7"}
    response = _put_json(client, f"/api/v1/registrations/{reg_id}", update)
    assert response.status_code == 200 and response.json()["first_visit_date"] == "2025-01-21"
    registration = Registration.objects.get(pk=reg_id)
    occasion = registration.occasions.get()
    for instrument in validation.occasion_form(occasion):
        actions.set_not_administered(
            user=None, occasion=occasion, instrument=instrument, reason="x"
        )
    signed = client.post(f"/api/v1/registrations/{reg_id}/occasions/initial/sign-off")
    assert signed.status_code == 200 and signed.json()["status"] == "signed_off"
    signed = client.post(f"/api/v1/registrations/{reg_id}/sign-off")
    assert signed.status_code == 200 and signed.json()["signed_off_at"]
    response = _put_json(client, f"/api/v1/registrations/{reg_id}", update)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["reason"]
    response = _put_json(client, f"/api/v1/registrations/{reg_id}", {**update, "reason": "typo"})
    assert response.status_code == 200


def test_a_search_by_personnummer_is_in_the_body_and_logged(world: SimpleNamespace) -> None:
    from painreg.audit.models import AccessAction, AccessLog

    client = _client(_token(world.alice))
    created = _post_json(client, "/api/v1/registrations", REGISTRATION).json()
    found = _post_json(client, "/api/v1/registrations/search", {"personnummer": PNR}).json()
    assert [r["id"] for r in found] == [created["id"]]
    assert AccessLog.objects.filter(action=AccessAction.SEARCH, user=world.alice).count() == 1
    bob = _client(_token(world.bob))
    assert _post_json(bob, "/api/v1/registrations/search", {"personnummer": PNR}).json() == []
    response = _post_json(client, "/api/v1/registrations/search", {"personnummer": "12"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "personnummer"


# --- answers and scores -----------------------------------------------------------


def test_answers_are_saved_scored_and_read_back(world: SimpleNamespace) -> None:
    from painreg import instruments
    from painreg.registry.models import Score

    client = _client(_token(world.alice))
    reg_id = _post_json(client, "/api/v1/registrations", REGISTRATION).json()["id"]
    hads = instruments.get_instrument("hads")
    answers = {item: 1 for item in hads.item_ids}
    path = f"/api/v1/registrations/{reg_id}/occasions/initial/answers/hads"
    response = _put_json(client, path, {"answered_on": "2025-01-20", "answers": answers})
    assert response.status_code == 200, response.content
    occasion = response.json()["occasion"]
    assert {a["item"] for a in occasion["answers"]} == set(hads.item_ids)
    stored = {(s.instrument, s.score): s.value for s in Score.objects.all()}
    assert {(s["instrument"], s["score"]): s["value"] for s in occasion["scores"]} == stored
    # HADS: 7 items of each subscale coded 1 -> 7 and 7 (hand count).
    assert stored[("hads", "anxiety")] == 7 and stored[("hads", "depression")] == 7
    read = client.get(f"/api/v1/registrations/{reg_id}/occasions/initial").json()
    assert read["scores"] == occasion["scores"]
    wrong = _put_json(
        client, path, {"answered_on": "2025-01-20", "answers": {"hads_1": 9, "nope": 1}}
    )
    assert wrong.status_code == 422
    assert {e["field"] for e in wrong.json()["errors"]} == {"answers.nope"}
    wrong = _put_json(client, path, {"answered_on": "2025-01-20", "answers": {"hads_1": 9}})
    assert [e["field"] for e in wrong.json()["errors"]] == ["answers.hads_1"]
    assert Score.objects.filter(instrument="hads", score="anxiety").get().value == 7


# --- invitations ------------------------------------------------------------------


def test_an_invitation_is_created_and_its_status_read(world: SimpleNamespace) -> None:
    from painreg.eprom.models import Invitation

    client = _client(_token(world.alice))
    reg_id = _post_json(client, "/api/v1/registrations", REGISTRATION).json()["id"]
    path = f"/api/v1/registrations/{reg_id}/occasions/initial/invitations"
    response = _post_json(client, path, {"valid_days": 14, "email": "p@example.se"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["state"]) == ("open", "invited")
    assert "/enkat/" in body["link"]
    invitation = Invitation.objects.get()
    assert invitation.created_by == world.alice and invitation.email == "p@example.se"
    status = client.get(f"/api/v1/invitations/{invitation.pk}").json()
    assert status["id"] == invitation.pk and status["occasion"] == "initial"
    refused = _post_json(client, path, {"valid_days": 500})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "valid_days"


# --- indicators -------------------------------------------------------------------


def test_indicators_are_the_dashboards_numbers(world: SimpleNamespace) -> None:
    from painreg.dashboard.data import UnitInfo, cached_dashboard
    from painreg.dashboard.views import selection_from

    client = _client(_token(world.alice))
    _post_json(client, "/api/v1/registrations", REGISTRATION)
    body = client.get(
        f"/api/v1/units/{world.unit_a.pk}/indicators", {"year_from": 2024, "year_to": 2025}
    ).json()
    dashboard = cached_dashboard(
        UnitInfo("A", world.unit_a.name, "specialist"),
        selection_from({"fran": 2024, "till": 2025}),
        own=True,
        unit_names={"A": world.unit_a.name},
        charts=False,
    )
    assert [m["key"] for m in body["measures"]] == [m.key for m in dashboard.measures]
    assert body["own"] and (body["year_from"], body["year_to"]) == (2024, 2025)
    for ours, theirs in zip(body["measures"], dashboard.measures, strict=True):
        assert ours["unit"]["denominator"] == theirs.unit.share.denominator
    # Another unit's token: not found.
    bob = _client(_token(world.bob))
    assert bob.get(f"/api/v1/units/{world.unit_a.pk}/indicators").status_code == 404


# --- the coordinator's export -------------------------------------------------------


def test_the_coordinators_export_is_pseudonymised(world: SimpleNamespace, settings: Any) -> None:
    settings.PAINREG_PSEUDONYM_KEY = KEY
    _post_json(_client(_token(world.alice)), "/api/v1/registrations", REGISTRATION)
    response = _client(_token(world.erik, scope="read")).get("/api/v1/export")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert "registrations.csv" in archive.namelist()
    text = "".join(archive.read(n).decode() for n in archive.namelist())
    assert "191212121212" not in text and "19121212" not in text
    # Unit staff get no export.
    assert _client(_token(world.alice)).get("/api/v1/export").status_code == 403


# --- the schema and the documentation page ------------------------------------------


def test_the_schema_is_openapi_3_and_the_docs_page_loads_nothing_from_elsewhere(
    world: SimpleNamespace,
) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/registrations/{registration_id}" in schema["paths"]
    page = Client().get("/api/v1/docs")
    html = page.content.decode()
    references = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
    assert references and all(r.startswith("/") and not r.startswith("//") for r in references)
    assert '"validatorUrl": null' in html
    assert "default-src 'self'" in page["Content-Security-Policy"]
    for script in re.findall(r'src="(/static/[^"]+\.js)"', html):
        assert script.startswith("/static/ninja/")


def test_a_token_of_all_units_lists_each_units_registrations(world: SimpleNamespace) -> None:
    from painreg.registry import actions

    actions.add_membership(user=None, member=world.alice, role="registrar", unit=world.unit_b)
    client = _client(_token(world.alice))
    a = _post_json(client, "/api/v1/registrations", {**REGISTRATION, "unit_id": world.unit_a.pk})
    other = {**REGISTRATION, "personnummer": "19900101-0017", "unit_id": world.unit_b.pk}
    b = _post_json(client, "/api/v1/registrations", other)
    assert (a.status_code, b.status_code) == (201, 201)
    listed = client.get("/api/v1/registrations").json()
    assert {r["unit_code"] for r in listed} == {"A", "B"}
    only_b = client.get("/api/v1/registrations", {"unit_id": world.unit_b.pk}).json()
    assert [r["id"] for r in only_b] == [b.json()["id"]]
    # Without unit_id a token of several units must say where to register.
    response = _post_json(client, "/api/v1/registrations", REGISTRATION)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "unit_id"


def test_indicator_parameters_are_checked_not_ignored(world: SimpleNamespace) -> None:
    client = _client(_token(world.alice))
    path = f"/api/v1/units/{world.unit_a.pk}/indicators"
    for query, field in (
        ({"sex": "x"}, "sex"),
        ({"year_from": 2024, "year_to": 2020}, "year_from"),
        ({"year_from": 2000}, "year_from"),
        ({"diagnosis": "12"}, "diagnosis"),
    ):
        response = client.get(path, query)
        assert response.status_code == 422, query
        assert response.json()["errors"][0]["field"] == field
    ok = client.get(path, {"sex": "F", "year_from": 2023, "year_to": 2024, "diagnosis": "M79"})
    assert ok.status_code == 200 and "diagnos" in ok.json()["selection"]


def test_a_unit_manager_sees_and_revokes_tokens_that_reach_the_unit(
    world: SimpleNamespace,
) -> None:
    from painreg.accounts.testing import login_verified
    from painreg.api import tokens
    from painreg.api.models import ApiToken
    from painreg.audit.models import AuditEvent

    row, secret = tokens.create_token(
        user=None, owner=world.alice, scope="write", days=30, name="EHR A", username="t"
    )
    other, _ = tokens.create_token(user=None, owner=world.bob, scope="read", days=30, username="t")
    manager = Client()
    login_verified(manager, world.charlie)  # unit manager of A
    page = manager.get("/api-nycklar/").content.decode()
    assert row.prefix in page and "EHR A" in page and other.prefix not in page
    stranger = Client()
    login_verified(stranger, world.bob)
    assert stranger.post(f"/api-nycklar/{row.pk}/aterkalla/").status_code == 404
    assert manager.post(f"/api-nycklar/{other.pk}/aterkalla/").status_code == 404
    assert manager.post(f"/api-nycklar/{row.pk}/aterkalla/").status_code == 302
    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None
    assert AuditEvent.objects.get(action="api_token.revoke").username == "charlie"
    assert _client(secret).get("/api/v1/units").status_code == 401

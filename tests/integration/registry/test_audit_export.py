"""The audit export (CSV and JSON, filtered by unit, user, patient and period, with the
chains' check): the operator's command and the national coordinator's page, each
export logged for every patient it names."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from painreg import audit
from painreg.audit import chain
from painreg.audit.models import AccessLog, AuditEvent
from painreg.cli import main

from .conftest import REHAB

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(world: Any, registration: Any) -> Any:
    """Registrations at both units, a view of the patient, an old event."""
    from painreg.registry import actions

    world.other = actions.create_registration(
        user=world.bob, unit=world.unit_b, personnummer="19121212-1212", **REHAB
    )
    audit.log_access(
        user=world.alice,
        action="view_patient",
        patient=registration.patient,
        unit=world.unit_a,
        detail="=HYPERLINK(1)",
    )
    old = AuditEvent(
        at=dt.datetime(2020, 5, 1, 12, tzinfo=dt.UTC),
        username="old",
        action="old.write",
        unit=world.unit_a,
    )
    chain.append("events", [old])  # as record_event, at a time of the past
    world.registration = registration
    return world


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_command_filters_by_unit_user_patient_and_period(trail: Any, tmp_path: Any) -> None:
    out = tmp_path / "audit.csv"
    assert main(["audit", "export", "--unit", "B", "--output", str(out)]) == 0
    rows = _rows(out.read_text(encoding="utf-8"))
    assert rows and {r["unit"] for r in rows} == {"B"}
    assert main(["audit", "export", "--user", "alice", "--output", str(out)]) == 0
    rows = _rows(out.read_text(encoding="utf-8"))
    assert rows and {r["username"] for r in rows} == {"alice"}
    assert {r["chain"] for r in rows} == {"events", "access"}
    assert main(["audit", "export", "--patient", "19121212-1212", "--output", str(out)]) == 0
    rows = _rows(out.read_text(encoding="utf-8"))
    assert rows and {r["patient_id"] for r in rows} == {str(trail.registration.patient_id)}
    assert "191212121212" not in out.read_text(encoding="utf-8")
    argv = ["audit", "export", "--from", "2020-01-01", "--to", "2020-12-31"]
    assert main([*argv, "--output", str(out)]) == 0
    rows = _rows(out.read_text(encoding="utf-8"))
    assert [r["username"] for r in rows] == ["old"]
    assert main(["audit", "export", "--unit", "Z", "--output", str(out)]) == 2


def test_every_row_carries_its_links_and_check_and_no_payload(trail: Any, tmp_path: Any) -> None:
    out = tmp_path / "audit.json"
    assert main(["audit", "export", "--format", "json", "--output", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["ok"] and document["chains"]["events"]["ok"]
    head = AuditEvent.objects.order_by("-seq").first()
    assert document["chains"]["events"]["head_hash"] == head.row_hash
    assert {r["check"] for r in document["rows"]} == {"ok"}
    row = document["rows"][0]
    assert {"seq", "prev_hash", "payload_hash", "row_hash"} <= set(row)
    assert "detail" not in row and "reason" not in row
    assert "HYPERLINK" not in out.read_text(encoding="utf-8")


def test_a_broken_chain_is_in_the_export_s_check(trail: Any, tmp_path: Any) -> None:
    event = AuditEvent.objects.filter(unit=trail.unit_b).first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET username = 'x' WHERE id = %s", [event.pk])
    out = tmp_path / "audit.csv"
    assert main(["audit", "export", "--unit", "B", "--output", str(out)]) == 0
    checks = {r["id"]: r["check"] for r in _rows(out.read_text(encoding="utf-8"))}
    assert "edited" in checks[str(event.pk)]


def test_an_export_naming_a_patient_is_in_that_patient_s_access_extract(
    trail: Any, tmp_path: Any
) -> None:
    patient = trail.registration.patient
    before = AccessLog.objects.filter(patient=patient, action="export").count()
    assert main(["audit", "export", "--unit", "A", "--output", str(tmp_path / "a.csv")]) == 0
    logged = AccessLog.objects.filter(patient=patient, action="export")
    assert logged.count() == before + 1
    assert "audit export (unit=A)" in logged.latest("seq").detail


def _coordinator(world: Any) -> Client:
    from painreg.accounts.testing import login_verified

    client = Client()
    login_verified(client, world.erik)
    return client


def test_the_coordinator_s_page_shows_the_check_and_downloads_the_export(trail: Any) -> None:
    client = _coordinator(trail)
    url = reverse("registry:audit_trail")
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    head = AuditEvent.objects.order_by("-seq").first()
    assert f"events:{head.seq}:{head.row_hash}" in body
    response = client.get(url, {"unit": "A", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="granskningslogg.csv"'
    rows = _rows(response.content.decode())
    assert rows and {r["unit"] for r in rows} == {"A"}
    assert "191212121212" not in response.content.decode()
    logged = AccessLog.objects.filter(user=trail.erik, patient=trail.registration.patient)
    assert logged.filter(action="export").exists()
    response = client.get(url, {"patient_id": trail.registration.patient_id, "format": "json"})
    assert json.loads(response.content)["rows"]
    bad = client.get(url, {"date_from": "2021-01-02", "date_to": "2021-01-01", "format": "csv"})
    assert bad.status_code == 200 and "text/html" in bad["Content-Type"]


@pytest.mark.parametrize("who", ["alice", "charlie", "diana", "fiona"])
def test_only_the_coordinator_reaches_the_audit_trail(trail: Any, who: str) -> None:
    from painreg.accounts.testing import login_verified

    client = Client()
    login_verified(client, getattr(trail, who))
    url = reverse("registry:audit_trail")
    assert client.get(url).status_code == 404
    assert client.get(url, {"format": "csv"}).status_code == 404
    assert not AccessLog.objects.filter(user=getattr(trail, who), action="export").exists()

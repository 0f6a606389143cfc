"""FHIR R4 endpoints: CapabilityStatement, Questionnaire, QuestionnaireResponse create
(the checks of ``painreg fhir import-responses``) and search (never a personnummer
in a URL), on the API tokens, validated with fhir.resources."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

FHIR = "application/fhir+json"


def _client(owner: Any, scope: str = "write") -> Client:
    from painreg.api import tokens

    secret = tokens.create_token(user=None, owner=owner, scope=scope, days=5, username="t")[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def reg(world: SimpleNamespace) -> Any:
    from painreg.registry import actions

    return actions.create_registration(
        user=world.alice,
        unit=world.unit_a,
        personnummer="19121212-1212",
        category="rehab",
        first_visit_date=dt.date(2025, 1, 20),
        rehab_start_date=dt.date(2025, 2, 3),
    )


def _response(reg: Any, answers: dict[str, float], personnummer: str = "191212121212") -> Any:
    from painreg.interop import fhir

    return fhir.response_resource(
        registration_id=reg.pk,
        occasion="initial",
        personnummer=personnummer,
        instrument_id="hads",
        answers=answers,
        answered_on=dt.date(2025, 1, 20),
    )


def _post(client: Client, resource: Any) -> Any:
    return client.post("/fhir/QuestionnaireResponse", json.dumps(resource), content_type=FHIR)


def test_metadata_is_a_valid_capability_statement_without_a_token(world: SimpleNamespace) -> None:
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement

    response = Client().get("/fhir/metadata")
    assert response.status_code == 200 and response["Content-Type"] == FHIR
    statement = CapabilityStatement.model_validate(response.json())
    types = {r.type for r in statement.rest[0].resource}
    assert types == {"Questionnaire", "QuestionnaireResponse"}


def test_the_questionnaire_is_the_commands(world: SimpleNamespace) -> None:
    from painreg.interop import fhir

    client = _client(world.alice, "read")
    assert client.get("/fhir/Questionnaire/hads").json() == fhir.questionnaire("hads")
    assert client.get("/fhir/Questionnaire/hads?language=en").json()["language"] == "en"
    missing = client.get("/fhir/Questionnaire/nope")
    assert missing.status_code == 404 and missing.json()["resourceType"] == "OperationOutcome"
    assert Client().get("/fhir/Questionnaire/hads").status_code == 401


def test_a_response_is_written_into_its_occasion_as_the_token_owner(
    world: SimpleNamespace, reg: Any
) -> None:
    from painreg.audit.models import AuditEvent
    from painreg.registry.models import Answer

    response = _post(_client(world.alice), _response(reg, {"hads_1": 2, "hads_2": 1}))
    assert response.status_code == 201, response.content
    assert response["Location"].startswith("QuestionnaireResponse/")
    answers = Answer.objects.filter(occasion__registration=reg, occasion__kind="initial")
    assert {(a.item, a.value, a.source) for a in answers} == {
        ("hads_1", 2.0, "import"),
        ("hads_2", 1.0, "import"),
    }
    event = AuditEvent.objects.filter(action__startswith="answers").latest("pk")
    assert event.username == "alice"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"personnummer": "199001010017"}, "subject does not match"),
        ({"answers": {"hads_1": 7}}, "item hads_1"),
    ],
)
def test_a_wrong_response_is_refused_with_the_commands_message_and_nothing_written(
    world: SimpleNamespace, reg: Any, change: dict[str, Any], message: str
) -> None:
    from painreg.registry.models import Answer

    resource = _response(
        reg, change.get("answers", {"hads_1": 1}), change.get("personnummer", "191212121212")
    )
    response = _post(_client(world.alice), resource)
    assert response.status_code == 422
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert any(message in issue["diagnostics"] for issue in outcome["issue"])
    assert not Answer.objects.exists()


def test_another_units_token_cannot_write_into_the_occasion(
    world: SimpleNamespace, reg: Any
) -> None:
    from painreg.registry.models import Answer

    response = _post(_client(world.bob), _response(reg, {"hads_1": 1}))
    assert response.status_code == 422
    assert "has no initial occasion" in response.json()["issue"][0]["diagnostics"]
    assert not Answer.objects.exists()


def test_a_bundle_is_all_or_nothing(world: SimpleNamespace, reg: Any) -> None:
    from painreg.interop import fhir
    from painreg.registry.models import Answer

    good = _response(reg, {"hads_1": 1})
    bad = _response(reg, {"hads_2": 9})
    response = _post(_client(world.alice), fhir.bundle([good, bad]))
    assert response.status_code == 422 and not Answer.objects.exists()
    response = _post(_client(world.alice), fhir.bundle([good]))
    assert response.status_code == 201 and Answer.objects.count() == 1


def test_search_by_registration_and_by_personnummer_in_the_body_only(
    world: SimpleNamespace, reg: Any
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    from painreg.audit.models import AccessLog

    client = _client(world.alice, "read")
    _post(_client(world.alice), _response(reg, {"hads_1": 2}))
    by_id = client.get(f"/fhir/QuestionnaireResponse?registration={reg.pk}")
    assert by_id.status_code == 200
    bundle = Bundle.model_validate(by_id.json())
    assert bundle.type == "searchset" and bundle.total == 1
    posted = client.post(
        "/fhir/QuestionnaireResponse/_search",
        {"subject:identifier": "urn:oid:1.2.752.129.2.1.3.1|191212121212"},
    )
    assert posted.json()["total"] == 1
    assert posted.json()["entry"] == by_id.json()["entry"]
    assert AccessLog.objects.filter(user=world.alice, patient=reg.patient).count() == 2
    # Never in a URL: the query string is refused, whatever the method.
    for response in (
        client.get("/fhir/QuestionnaireResponse?subject:identifier=191212121212"),
        client.get("/fhir/QuestionnaireResponse?patient=191212121212"),
        client.post("/fhir/QuestionnaireResponse/_search?subject:identifier=191212121212"),
    ):
        assert response.status_code == 400
        assert response.json()["issue"][0]["code"] == "security"
    # Another unit finds nothing, and nothing is logged for it.
    other = _client(world.bob, "read")
    found = other.post(
        "/fhir/QuestionnaireResponse/_search", {"subject:identifier": "191212121212"}
    ).json()
    assert found["total"] == 0
    assert other.get(f"/fhir/QuestionnaireResponse?registration={reg.pk}").status_code == 404
    assert not AccessLog.objects.filter(user=world.bob).exists()

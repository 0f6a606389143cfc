"""FHIR QuestionnaireResponse export and import: validation, round trip, all-or-nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from painreg.cli import main
from painreg.interop import fhir

pytestmark = pytest.mark.django_db

HADS = {f"hads_{i}": (i % 4) for i in range(1, 15)}


@pytest.fixture
def answered(world, registration):
    from painreg.registry import actions

    occasion = registration.occasions.get(kind="initial")
    answers = {**HADS, "eq5d5l_vas": 65, "nprs_1": 7}
    actions.save_answers(
        user=world.alice, occasion=occasion, answers=answers, answered_on=dt.date.today()
    )
    return occasion, answers


def _stored(occasion):
    from painreg.registry.models import Answer

    return dict(Answer.objects.filter(occasion=occasion).values_list("item", "value"))


def test_export_gives_valid_responses_per_instrument(answered):
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    occasion, _ = answered
    bundle = fhir.export_responses([occasion])
    Bundle.model_validate(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    for resource in resources:
        QuestionnaireResponse.model_validate(resource)
    by_questionnaire = {r["questionnaire"]: r for r in resources}
    hads = by_questionnaire["urn:painreg:questionnaire:hads|1"]
    assert hads["status"] == "completed"
    assert [i["linkId"] for i in hads["item"]] == [f"hads_{i}" for i in range(1, 15)]
    assert hads["identifier"]["value"] == f"{occasion.registration_id}/initial"
    assert hads["subject"]["identifier"]["value"] == "191212121212"
    eq5d = by_questionnaire["urn:painreg:questionnaire:eq5d5l|1"]
    assert eq5d["status"] == "in-progress"  # only the VAS answered


def test_export_then_import_round_trips_the_answers(answered, tmp_path):
    from painreg.registry import actions

    occasion, answers = answered
    path = tmp_path / "responses.json"
    assert main(["fhir", "export-responses", "--registration", str(occasion.registration_id),
                 "--output", str(path)]) == 0  # fmt: skip
    first = json.loads(path.read_text())
    actions.save_answers(
        user=None, occasion=occasion, answers=dict.fromkeys(answers), answered_on=dt.date.today()
    )
    assert _stored(occasion) == {}
    assert main(["fhir", "import-responses", str(path)]) == 0
    assert _stored(occasion) == {k: float(v) for k, v in answers.items()}
    again = fhir.export_responses([occasion])
    strip = lambda b: [e["resource"] for e in b["entry"]]  # noqa: E731 (timestamps differ)
    assert strip(again) == strip(first)
    from painreg.registry.models import Answer, Score

    assert set(Answer.objects.filter(occasion=occasion).values_list("source", flat=True)) == {
        "import"
    }
    assert Score.objects.filter(occasion=occasion, instrument="hads").exists()


def _response(registration_id, items, status="completed", subject="191212121212"):
    return {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": fhir.OCCASION_SYSTEM, "value": f"{registration_id}/end"},
        "questionnaire": "urn:painreg:questionnaire:hads|1",
        "status": status,
        "authored": dt.date.today().isoformat(),
        "subject": {"identifier": {"system": fhir.PERSONNUMMER_SYSTEM, "value": subject}},
        "item": [
            {"linkId": k, "answer": [{"valueCoding": {"code": str(v)}}]} for k, v in items.items()
        ],
    }


def test_import_checks_everything_first_and_writes_nothing_on_any_error(
    world, registration, tmp_path, capsys
):
    reg = registration.pk
    good = _response(reg, HADS)
    bad_value = _response(reg, {**HADS, "hads_3": 7})
    missing = _response(reg, {k: v for k, v in HADS.items() if k != "hads_1"})
    wrong_patient = _response(reg, HADS, subject="194910142388")
    bundle = fhir.bundle([good, bad_value, missing, wrong_patient])
    path = tmp_path / "in.json"
    path.write_text(json.dumps(bundle))
    assert main(["fhir", "import-responses", str(path)]) == 2
    err = capsys.readouterr().err
    assert "entry 2: item hads_3" in err
    assert "entry 3: item hads_1: Answer this question" in err
    assert "entry 4: subject does not match" in err
    assert _stored(registration.occasions.get(kind="end")) == {}


def test_an_in_progress_response_may_leave_items_out(world, registration):
    reg = registration.pk
    counts = fhir.import_responses([_response(reg, {"hads_1": 2}, status="in-progress")])
    assert counts["answers"] == 1
    assert _stored(registration.occasions.get(kind="end")) == {"hads_1": 2.0}


def test_export_by_unit_and_period(answered, capsys):
    today = dt.date.today().isoformat()
    assert main(["fhir", "export-responses", "--unit", "A", "--from", today, "--to", today]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["entry"]) == 3
    assert main(["fhir", "export-responses", "--unit", "A"]) == 2

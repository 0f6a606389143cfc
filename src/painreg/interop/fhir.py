"""FHIR R4 Questionnaire and QuestionnaireResponse for the register's instruments.

Design decisions (docs/fhir.md):

* **Version.** Resources are FHIR R4 in shape and are validated with
  ``fhir.resources`` 8's ``R4B`` models (``model_validate``): Questionnaire
  and QuestionnaireResponse did not change between R4 (4.0.1) and R4B (4.3),
  and fhir.resources 8 ships R4B, not 4.0.1.
* **One Questionnaire per instrument** (``url`` ``urn:painreg:questionnaire:<id>``,
  ``version`` the definition's version); item ``linkId`` = catalogue item id.
  Coded items are ``choice`` with ``answerOption.valueCoding`` (code = the
  catalogue's number, display = the text pack's label); numeric items are
  ``integer``/``decimal`` with the standard ``minValue``/``maxValue``
  extensions. Texts come from the text packs; licensed texts without a pack
  stay the library's marked placeholder.
* **One QuestionnaireResponse per occasion and instrument.** The occasion is
  named by ``identifier`` (system ``urn:painreg:occasion``, value
  ``<registration id>/<occasion>``) and the patient by ``subject.identifier``
  (Swedish personnummer OID 1.2.752.129.2.1.3.1, samordningsnummer
  1.2.752.129.2.1.3.3); an import refuses a response whose patient does not
  match the registration.
* **Import = the web form's validation.** Values are checked with
  ``eprom.questionnaire.check_answers`` (the code the patient pages use),
  required items when the response is ``completed``; all resources are
  checked first and nothing is written if one is wrong; answers are written
  through ``registry.actions.save_answers`` (source ``import``), which stores
  the scores and the audit events.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from painreg import instruments
from painreg.tidy import vocabulary

QUESTIONNAIRE_URL = "urn:painreg:questionnaire:"
OCCASION_SYSTEM = "urn:painreg:occasion"
PERSONNUMMER_SYSTEM = "urn:oid:1.2.752.129.2.1.3.1"
SAMORDNINGSNUMMER_SYSTEM = "urn:oid:1.2.752.129.2.1.3.3"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
OCCASION_KINDS = vocabulary.OCCASIONS.values


class FhirError(ValueError):
    """A resource that cannot be read; the message names the entry, the item and why."""


def _code(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _number(item: instruments.Item, value: float) -> dict[str, Any]:
    return {"valueInteger": int(value)} if item.integer else {"valueDecimal": value}


def validate(resource: dict[str, Any]) -> dict[str, Any]:
    """Validate with fhir.resources (R4B models); returns the resource unchanged."""
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement
    from fhir.resources.R4B.operationoutcome import OperationOutcome
    from fhir.resources.R4B.questionnaire import Questionnaire
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    models = {
        "Questionnaire": Questionnaire,
        "QuestionnaireResponse": QuestionnaireResponse,
        "Bundle": Bundle,
        "CapabilityStatement": CapabilityStatement,
        "OperationOutcome": OperationOutcome,
    }
    model = models.get(resource.get("resourceType", ""))
    if model is None:
        raise FhirError(f"unsupported resourceType {resource.get('resourceType')!r}")
    model.model_validate(resource)
    return resource


def questionnaire(instrument_id: str, language: str = "sv") -> dict[str, Any]:
    """The FHIR Questionnaire of an instrument (validated)."""
    instrument = instruments.get_instrument(instrument_id)
    items = []
    for item in instrument.items:
        entry: dict[str, Any] = {
            "linkId": item.id,
            "text": instruments.item_text(item.id, language),
            "required": item.required,
        }
        if item.values is not None:
            labels = instruments.option_labels(item.id, language)
            entry["type"] = "choice"
            entry["answerOption"] = [
                {
                    "valueCoding": {
                        "system": f"{QUESTIONNAIRE_URL}{instrument.id}",
                        "code": _code(v),
                        "display": labels.get(v, _code(v)),
                    }
                }
                for v in item.values
            ]
        else:
            entry["type"] = "integer" if item.integer else "decimal"
            kind = "valueInteger" if item.integer else "valueDecimal"
            cast = int if item.integer else float
            entry["extension"] = [
                {"url": MIN_VALUE, kind: cast(item.min)},
                {"url": MAX_VALUE, kind: cast(item.max)},
            ]
        items.append(entry)
    resource = {
        "resourceType": "Questionnaire",
        "id": instrument.id,
        "url": f"{QUESTIONNAIRE_URL}{instrument.id}",
        "version": str(instrument.version),
        "name": instrument.id.upper(),
        "title": instrument.name.get(language) or instrument.name.get("sv") or instrument.id,
        "status": "active",
        "language": language,
        "copyright": instrument.licence,
        "item": items,
    }
    return validate(resource)


# --- responses -------------------------------------------------------------------


def response_resource(
    *,
    registration_id: int,
    occasion: str,
    personnummer: str | None,
    instrument_id: str,
    answers: dict[str, float],
    answered_on: dt.date,
) -> dict[str, Any]:
    """One QuestionnaireResponse: the answers of one instrument at one occasion."""
    instrument = instruments.get_instrument(instrument_id)
    labels_cache: dict[str, dict[float, str]] = {}
    items = []
    for item in instrument.items:
        if item.id not in answers:
            continue
        value = answers[item.id]
        if item.values is not None:
            labels = labels_cache.setdefault(item.id, instruments.option_labels(item.id, "sv"))
            answer = {
                "valueCoding": {
                    "system": f"{QUESTIONNAIRE_URL}{instrument.id}",
                    "code": _code(value),
                    "display": labels.get(value, _code(value)),
                }
            }
        else:
            answer = _number(item, value)
        items.append({"linkId": item.id, "answer": [answer]})
    complete = all(i.id in answers for i in instrument.items if i.required)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": f"{registration_id}-{occasion}-{instrument.id}".replace("_", "-"),
        "identifier": {"system": OCCASION_SYSTEM, "value": f"{registration_id}/{occasion}"},
        "questionnaire": f"{QUESTIONNAIRE_URL}{instrument.id}|{instrument.version}",
        "status": "completed" if complete else "in-progress",
        "authored": answered_on.isoformat(),
        "item": items,
    }
    if personnummer:
        system = SAMORDNINGSNUMMER_SYSTEM if int(personnummer[6:8]) > 60 else PERSONNUMMER_SYSTEM
        resource["subject"] = {"identifier": {"system": system, "value": personnummer}}
    return validate(resource)


def bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    resource = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "entry": [{"resource": r} for r in resources],
    }
    return validate(resource)


def export_responses(occasions: Any) -> dict[str, Any]:
    """A Bundle of QuestionnaireResponses for ``occasions`` (a queryset of Occasion)."""
    from painreg.registry.models import Answer

    resources = []
    rows = (
        Answer.objects.filter(occasion__in=occasions)
        .select_related("occasion__registration__patient")
        .order_by("occasion__registration_id", "occasion_id", "item")
    )
    grouped: dict[tuple[Any, str], dict[str, Any]] = defaultdict(dict)
    dates: dict[tuple[Any, str], dt.date] = {}
    occasion_of: dict[Any, Any] = {}
    for answer in rows:
        try:
            instrument_id = instruments.find_item(answer.item).instrument
        except instruments.InstrumentError:
            continue
        key = (answer.occasion_id, instrument_id)
        grouped[key][answer.item] = answer.value
        dates[key] = max(dates.get(key, answer.answered_on), answer.answered_on)
        occasion_of[answer.occasion_id] = answer.occasion
    for (occasion_id, instrument_id), answers in grouped.items():
        occasion = occasion_of[occasion_id]
        registration = occasion.registration
        resources.append(
            response_resource(
                registration_id=registration.pk,
                occasion=occasion.kind,
                personnummer=registration.patient.personnummer,
                instrument_id=instrument_id,
                answers=answers,
                answered_on=dates[(occasion_id, instrument_id)],
            )
        )
    return bundle(resources)


def read_resources(text: str, origin: str) -> list[dict[str, Any]]:
    """QuestionnaireResponses from a JSON file: one resource or a Bundle of them."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FhirError(f"{origin}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise FhirError(f"{origin}: expected a FHIR resource (a JSON object)")
    if data.get("resourceType") == "Bundle":
        try:
            validate(data)
        except Exception as exc:  # pydantic's ValidationError: name the problem
            raise FhirError(f"{origin}: the Bundle is not valid FHIR: {_first_line(exc)}") from None
        return [entry.get("resource") or {} for entry in data.get("entry") or []]
    return [data]


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split("\n")[:3])


def _answer_value(answer: dict[str, Any]) -> Any:
    for key in ("valueCoding", "valueInteger", "valueDecimal", "valueString"):
        if key in answer:
            value = answer[key]
            return value.get("code") if key == "valueCoding" else value
    return None


def parse_response(resource: dict[str, Any], where: str) -> dict[str, Any]:
    """Check one QuestionnaireResponse (structure, occasion, instrument, every value).

    Returns ``{registration_id, occasion, personnummer, answers, answered_on, errors}``;
    ``errors`` lists every problem, each naming the entry and the item.
    """
    from painreg.eprom import questionnaire as pages

    errors: list[str] = []
    out: dict[str, Any] = {"errors": errors, "answers": {}}
    if resource.get("resourceType") != "QuestionnaireResponse":
        errors.append(f"{where}: not a QuestionnaireResponse")
        return out
    try:
        validate(resource)
    except Exception as exc:
        errors.append(f"{where}: not valid FHIR: {_first_line(exc)}")
        return out
    identifiers = resource.get("identifier")
    if isinstance(identifiers, dict):
        identifiers = [identifiers]
    occasion_id = next(
        (i.get("value") for i in identifiers or [] if i.get("system") == OCCASION_SYSTEM), None
    )
    try:
        registration_text, kind = str(occasion_id).split("/")
        out["registration_id"] = int(registration_text)
        if kind not in OCCASION_KINDS:
            raise ValueError
        out["occasion"] = kind
    except ValueError:
        errors.append(
            f"{where}: identifier {OCCASION_SYSTEM} must be '<registration id>/<occasion>' "
            f"(occasion one of {', '.join(OCCASION_KINDS)}), got {occasion_id!r}"
        )
    canonical = str(resource.get("questionnaire") or "")
    instrument_id = canonical.removeprefix(QUESTIONNAIRE_URL).split("|")[0]
    try:
        instrument = instruments.get_instrument(instrument_id)
    except instruments.InstrumentError:
        errors.append(f"{where}: questionnaire {canonical!r} is not one of the register's")
        return out
    subject = ((resource.get("subject") or {}).get("identifier") or {}).get("value")
    out["personnummer"] = subject
    authored = str(resource.get("authored") or "")[:10]
    try:
        out["answered_on"] = dt.date.fromisoformat(authored)
    except ValueError:
        errors.append(f"{where}: authored must be a date, got {authored!r}")
    raw: dict[str, Any] = {}
    for item in resource.get("item") or []:
        link = item.get("linkId")
        if link not in instrument.item_ids:
            errors.append(f"{where}: item {link!r} is not an item of {instrument.id}")
            continue
        answers = item.get("answer") or []
        if len(answers) > 1:
            errors.append(f"{where}: item {link}: more than one answer")
            continue
        raw[link] = _answer_value(answers[0]) if answers else None
    items = (
        [i for i in instrument.item_ids if i in raw]
        if resource.get("status") != "completed"
        else list(instrument.item_ids)
    )
    clean, problems = pages.check_answers(items, raw, require=resource.get("status") == "completed")
    for problem in problems:
        errors.append(
            f"{where}: item {problem.item}: {problem.en} (value {raw.get(problem.item)!r})"
        )
    out["answers"] = {k: v for k, v in clean.items() if v is not None}
    return out


def import_responses(
    resources: list[dict[str, Any]], *, user: Any = None, occasions: Any = None
) -> dict[str, int]:
    """Write QuestionnaireResponses into their occasions: all or nothing.

    Every resource is checked first (FHIR structure, occasion, patient,
    instrument, each value as the web form checks it); one problem and
    nothing is written (FhirError lists them all). Then one transaction
    saves each occasion's answers through ``registry.actions.save_answers``.

    ``user`` is who writes (``None``: the operator's command); ``occasions``
    limits the occasions that may be written (the API: the token's units); one
    outside it is reported as not existing.
    """
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from painreg.registry import actions
    from painreg.registry.models import Occasion
    from painreg.tidy import personnummer as pnr

    errors: list[str] = []
    merged: dict[Any, dict[str, Any]] = {}
    for index, resource in enumerate(resources, start=1):
        where = f"entry {index}"
        parsed = parse_response(resource, where)
        errors += parsed["errors"]
        if parsed["errors"]:
            continue
        scope = Occasion.objects.all() if occasions is None else occasions
        occasion = (
            scope.select_related("registration__patient")
            .filter(registration_id=parsed["registration_id"], kind=parsed["occasion"])
            .first()
        )
        if occasion is None:
            errors.append(
                f"{where}: registration {parsed['registration_id']} has no "
                f"{parsed['occasion']} occasion"
            )
            continue
        patient = occasion.registration.patient
        try:
            given = pnr.parse(str(parsed["personnummer"] or "")).digits
        except pnr.PersonnummerError:
            given = None
        if given is None or given != patient.personnummer:
            errors.append(
                f"{where}: subject does not match the patient of registration "
                f"{parsed['registration_id']}"
            )
            continue
        if patient.opted_out_at is not None or patient.deleted_at is not None:
            errors.append(f"{where}: the patient has left the register")
            continue
        entry = merged.setdefault(occasion.pk, {"occasion": occasion, "answers": {}, "on": None})
        entry["answers"].update(parsed["answers"])
        entry["on"] = max(filter(None, [entry["on"], parsed["answered_on"]]))
    if errors:
        raise FhirError("\n".join(errors))
    saved = 0
    try:
        with transaction.atomic():
            for entry in merged.values():
                try:
                    actions.save_answers(
                        user=user,
                        occasion=entry["occasion"],
                        answers=entry["answers"],
                        answered_on=entry["on"],
                        source="import",
                    )
                except ValidationError as exc:
                    occasion = entry["occasion"]
                    errors.append(
                        f"registration {occasion.registration_id} {occasion.kind}: "
                        + "; ".join(exc.messages)
                    )
                    continue
                saved += len(entry["answers"])
            if errors:
                raise FhirError("\n".join(errors))
    except FhirError:
        raise
    return {"resources": len(resources), "occasions": len(merged), "answers": saved}

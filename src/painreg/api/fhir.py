"""FHIR R4 endpoints on the API tokens: ``/fhir/metadata``, ``Questionnaire``,
``QuestionnaireResponse`` (create and search).

The resources are the ones ``painreg fhir`` writes and reads
(:mod:`painreg.interop.fhir`, validated with fhir.resources); a posted
response goes through the same checks and writes as ``painreg fhir
import-responses`` (all or nothing, the web form's value checks,
``registry.actions.save_answers``), limited to the occasions of the token's
units and written as the token's owner.

A personnummer never travels in a URL (URLs end up in proxy and server
logs): a search by patient is ``POST QuestionnaireResponse/_search`` with
the identifier in the form body, and ``GET`` searches only by registration.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from painreg import audit, instruments
from painreg.api import core
from painreg.audit.models import AccessAction
from painreg.interop import fhir as interop
from painreg.registry import access
from painreg.registry.models import Occasion, Registration
from painreg.tidy import personnummer as pnr

CONTENT_TYPE = "application/fhir+json"
FHIR_VERSION = "4.0.1"

api = NinjaAPI(
    title="painreg FHIR R4",
    version="r4",
    urls_namespace="fhir",
    docs_url=None,
    openapi_url=None,
    auth=core.AUTH,
)


def _resource(data: dict[str, Any], status: int = 200, **headers: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def outcome(status: int, code: str, messages: list[str], severity: str = "error") -> HttpResponse:
    resource = interop.validate(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {"severity": severity, "code": code, "diagnostics": m} for m in messages or [code]
            ],
        }
    )
    return _resource(resource, status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = outcome(401, "login", ["A valid API token is needed."])
    response["WWW-Authenticate"] = 'Bearer realm="painreg"'
    return response


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return outcome(403, "forbidden", [str(exc) or "Not allowed."])


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return outcome(404, "not-found", ["Not found."])


@api.exception_handler(core.Throttled)
def _throttled(request: HttpRequest, exc: core.Throttled) -> HttpResponse:
    response = outcome(429, "throttled", ["Too many requests."])
    response["Retry-After"] = str(max(1, exc.retry_after))
    return response


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return outcome(400, "invalid", [str(e.get("msg", "")) for e in exc.errors])


@api.exception_handler(ValidationError)
def _refused(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return outcome(400, "invalid", [e["message"] for e in core.field_errors(exc)])


@api.exception_handler(HttpError)
def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return outcome(exc.status_code, "processing", [str(exc)])


def capability_statement() -> dict[str, Any]:
    search_registration = {
        "name": "registration",
        "type": "token",
        "documentation": "The registration's id (GET or POST _search)",
    }
    search_subject = {
        "name": "subject:identifier",
        "type": "token",
        "documentation": "The patient's personnummer (system|value): POST _search only",
    }
    return interop.validate(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": "2026-01-01",
            "kind": "instance",
            "software": {"name": "painreg"},
            "implementation": {"description": "painreg: the pain rehabilitation register"},
            "fhirVersion": FHIR_VERSION,
            "format": ["json"],
            "rest": [
                {
                    "mode": "server",
                    "security": {
                        "description": "Authorization: Bearer painreg_... (an API token)",
                    },
                    "resource": [
                        {
                            "type": "Questionnaire",
                            "interaction": [{"code": "read"}],
                        },
                        {
                            "type": "QuestionnaireResponse",
                            "interaction": [{"code": "create"}, {"code": "search-type"}],
                            "searchParam": [search_registration, search_subject],
                        },
                    ],
                }
            ],
        }
    )


@api.get("/metadata", auth=None, include_in_schema=False)
def metadata(request: HttpRequest) -> HttpResponse:
    return _resource(capability_statement())


@api.get("/Questionnaire/{instrument}", include_in_schema=False)
def questionnaire(request: HttpRequest, instrument: str, language: str = "sv") -> HttpResponse:
    try:
        resource = interop.questionnaire(instrument, "en" if language == "en" else "sv")
    except instruments.InstrumentError:
        raise Http404 from None
    return _resource(resource)


def _scope(request: HttpRequest) -> Any:
    """The occasions the request may write or read: those of the token's units."""
    registrations = Registration.objects.none()
    for unit in core.units(request):
        registrations = registrations | access.registrations_for(request.user, unit)
    return Occasion.objects.filter(registration__in=registrations.values("pk"))


@api.post("/QuestionnaireResponse", include_in_schema=False)
def create_response(request: HttpRequest) -> HttpResponse:
    core.require_write(request)
    try:
        resources = interop.read_resources(request.body.decode("utf-8", "replace"), "request")
        counts = interop.import_responses(resources, user=request.user, occasions=_scope(request))
    except interop.FhirError as exc:
        return outcome(422, "processing", str(exc).splitlines())
    if len(resources) == 1:
        resource = resources[0]
        location = f"QuestionnaireResponse/{resource.get('id') or ''}".rstrip("/")
        return _resource(resource, 201, Location=location)
    message = (
        f"{counts['answers']} answers saved into {counts['occasions']} occasion(s) "
        f"from {counts['resources']} resource(s)"
    )
    return outcome(201, "informational", [message], severity="information")


def _searchset(request: HttpRequest, occasions: Any, patients: list[Any], detail: str) -> Any:
    for patient, unit in patients:
        audit.log_access(
            user=request.user,
            action=AccessAction.VIEW_ANSWERS,
            patient=patient,
            unit=unit,
            detail=core.log_detail(request, f"fhir {detail}"),
        )
    bundle = interop.export_responses(occasions)
    bundle["type"] = "searchset"
    bundle["total"] = len(bundle.get("entry") or [])
    return _resource(interop.validate(bundle))


def _by_registration(request: HttpRequest, value: str) -> HttpResponse:
    try:
        registration = core.registration(request, int(value))
    except (TypeError, ValueError):
        raise ValidationError({"registration": ["a registration id (a number)"]}) from None
    occasions = Occasion.objects.filter(registration=registration)
    return _searchset(
        request,
        occasions,
        [(registration.patient, registration.unit)],
        f"registration {registration.pk}",
    )


#: Search parameters that name a patient: refused in a URL.
_PATIENT_PARAMS = ("subject", "subject:identifier", "patient", "patient.identifier", "identifier")


@api.get("/QuestionnaireResponse", include_in_schema=False)
def search_get(request: HttpRequest) -> HttpResponse:
    if any(name in request.GET for name in _PATIENT_PARAMS):
        return outcome(
            400,
            "security",
            ["A patient is searched with POST QuestionnaireResponse/_search (never in a URL)."],
        )
    value = request.GET.get("registration")
    if not value:
        return outcome(400, "required", ["Give registration=<id>, or POST _search."])
    return _by_registration(request, value)


@api.post("/QuestionnaireResponse/_search", include_in_schema=False)
def search_post(request: HttpRequest) -> HttpResponse:
    if request.GET:
        return outcome(400, "security", ["Search parameters go in the body of POST _search."])
    params = request.POST
    if params.get("registration"):
        return _by_registration(request, params["registration"])
    text = ""
    for name in ("subject:identifier", "patient.identifier", "subject.identifier", "patient"):
        if params.get(name):
            text = params[name].split("|")[-1]
            break
    if not text:
        return outcome(400, "required", ["Give subject:identifier=<system>|<personnummer>."])
    try:
        pnr.parse(text)
    except pnr.PersonnummerError as exc:
        return outcome(400, "invalid", [exc.message("en")])
    found = []
    registrations = Registration.objects.none()
    for unit in core.units(request):
        patient = access.find_patient_in_unit(request.user, unit, text)
        if patient is None:
            continue
        found.append((patient, unit))
        registrations = registrations | access.registrations_for(request.user, unit, patient)
    occasions = Occasion.objects.filter(registration__in=registrations.values("pk"))
    return _searchset(request, occasions, found, "search")

"""What every API and FHIR endpoint shares: token authentication, the rate limit,
the scope of a request (its units, read or write), and errors as JSON.

Errors: ``{"detail": "...", "errors": [{"field": ..., "code": ..., "message": ...}]}``
with the field names of the request body (``__all__`` for the whole), for a
refused write (422: the web form's own messages), malformed input (422),
a body that is not JSON or a NUL character (400), no or a bad token (401),
a read token writing or a role missing (403),
something outside the token's units (404, as on the web: it does not say
whether it exists) and too many requests (429 with ``Retry-After``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from painreg.api import throttle, tokens
from painreg.api.models import ApiToken
from painreg.registry import access
from painreg.registry.models import Unit


class FieldError(Schema):
    field: str
    code: str
    message: str


class Error(Schema):
    detail: str
    errors: list[FieldError] = []


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("too many requests")
        self.retry_after = retry_after


class TokenAuth(HttpBearer):
    """``Authorization: Bearer painreg_...``: the request acts as the token's owner."""

    openapi_description = "An API token (painreg_...), created on the token page or with "
    "`painreg api-tokens create`."

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        row = tokens.find_active(token)
        if row is None:
            return None
        # Keyed by the token's hash, never reused (a row id can be, after a rollback).
        allowed, retry_after = throttle.hit(f"token:{row.digest[:32]}")
        if not allowed:
            raise Throttled(retry_after)
        request.user = row.user
        request.api_token = row  # type: ignore[attr-defined]
        # Messages in Swedish unless the client asks for English (as the web's switch).
        wanted = request.headers.get("Accept-Language", "").strip().lower()
        translation.activate("en" if wanted.startswith("en") else "sv")
        return row


AUTH = TokenAuth()


def token_of(request: HttpRequest) -> ApiToken:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def require_write(request: HttpRequest) -> None:
    if not token_of(request).may_write:
        raise PermissionDenied("this token may only read (scope read)")


def units(request: HttpRequest) -> Any:
    """The units the request may reach (the token's unit, or all of its owner's)."""
    return tokens.units_of(token_of(request))


def unit(request: HttpRequest, unit_id: int) -> Unit:
    found = units(request).filter(pk=unit_id).first()
    if found is None:
        raise Http404
    return found


def log_detail(request: HttpRequest, detail: str = "") -> str:
    """Access-log detail of an API read: which token, then what."""
    return f"API {token_of(request).prefix}… {detail}".strip()


def registration(request: HttpRequest, registration_id: int) -> Any:
    """A registration at one of the request's units (404 otherwise)."""
    for candidate in units(request):
        found = access.registrations_for(request.user, candidate).filter(pk=registration_id)
        if found.exists():
            return found.get()
    raise Http404


def occasion(request: HttpRequest, registration_id: int, kind: str) -> Any:
    reg = registration(request, registration_id)
    return access.get_occasion_for_user(request.user, reg.unit, reg.pk, kind)


def _json(api: NinjaAPI, request: HttpRequest, status: int, detail: str, errors: list) -> Any:
    return api.create_response(request, {"detail": detail, "errors": errors}, status=status)


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    """A Django ``ValidationError`` (of a form or an action) as field errors."""
    out = []
    if hasattr(error, "error_dict"):
        for name, items in error.error_dict.items():
            for item in items:
                for message in item.messages:
                    out.append({"field": name, "code": item.code or "invalid", "message": message})
    else:
        for item in error.error_list:
            for message in item.messages:
                out.append({"field": "__all__", "code": item.code or "invalid", "message": message})
    return out


def form_errors(form: Any) -> list[dict[str, str]]:
    out = []
    for name, items in form.errors.as_data().items():
        for item in items:
            for message in item.messages:
                out.append({"field": name, "code": item.code or "invalid", "message": message})
    return out


class FormInvalid(Exception):
    """A form (the web form reused) refused the input."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("invalid input")
        self.errors = errors


def install_handlers(api: NinjaAPI) -> None:
    """JSON errors of one shape for every failure (see the module's docstring)."""

    @api.exception_handler(NinjaValidationError)
    def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = []
        for item in exc.errors:
            loc = [str(p) for p in item.get("loc", ()) if p not in ("body", "payload", "query")]
            errors.append(
                {
                    "field": ".".join(loc) or "__all__",
                    "code": str(item.get("type", "invalid")),
                    "message": str(item.get("msg", "")),
                }
            )
        return _json(api, request, 422, "The request is not valid.", errors)

    @api.exception_handler(ValidationError)
    def _refused(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return _json(api, request, 422, "The request was refused.", field_errors(exc))

    @api.exception_handler(FormInvalid)
    def _form(request: HttpRequest, exc: FormInvalid) -> HttpResponse:
        return _json(api, request, 422, "The request was refused.", exc.errors)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = _json(api, request, 401, "A valid API token is needed.", [])
        response["WWW-Authenticate"] = 'Bearer realm="painreg"'
        return response

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return _json(api, request, 403, str(exc) or "Not allowed.", [])

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return _json(api, request, 404, "Not found.", [])

    @api.exception_handler(Throttled)
    def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        response = _json(api, request, 429, "Too many requests.", [])
        response["Retry-After"] = str(max(1, exc.retry_after))
        return response

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return _json(api, request, exc.status_code, str(exc), [])


#: The error answers every authenticated operation may give.
ERRORS: dict[int, Any] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    422: Error,
    429: Error,
}


def responses(ok: Any, status: int = 200) -> dict[int, Any]:
    return {status: ok, **ERRORS}

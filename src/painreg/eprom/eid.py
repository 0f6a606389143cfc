"""Patients identified with e-ID: the sign-in, and the patient's own answers.

A unit may let its patients prove who they are with e-identification
(BankID, Freja eID) through the region's e-ID broker, an OpenID provider
(``accounts.oidc``, ``PATIENT``), instead of (``eid``) or besides
(``either``) the date-of-birth check (``Unit.patient_identification``).
The broker's personnummer claim must be the invitation's patient's
(``eprom.actions.verify_identity_eid``); another person's e-ID gets a page
saying so, is logged, and sees nothing.

A patient who signed in with e-ID may also see, and download as a PDF, what
they have answered to the register and their response profile (as 1177
shows a patient's own records), for :data:`EID_SESSION_SECONDS` after the
sign-in; each view and download is in the access log as a read of the
patient's data, by the patient. They sign in through a questionnaire link,
or on the own-answers page itself ("Legitimera dig", :func:`own_sign_in`).
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from painreg import audit, instruments
from painreg.accounts import oidc
from painreg.audit.models import AccessAction
from painreg.eprom import actions, profile_views, views_patient
from painreg.eprom.models import Invitation
from painreg.registry import access
from painreg.reports import profile
from painreg.tidy import vocabulary

#: The invitation (and its link's token) a sign-in at the broker is for.
SESSION_PENDING = "eprom_eid_pending"
#: The patient who signed in with e-ID, and until when (epoch seconds).
SESSION_PATIENT = "eprom_eid_patient"
#: How long an e-ID sign-in shows the patient's own answers.
EID_SESSION_SECONDS = 30 * 60
#: The access log's name for the reader: the patient, signed in with e-ID.
READER = "patient (e-legitimation)"


def signed_in_patient(request: HttpRequest) -> int | None:
    """The patient signed in with e-ID in this session, while the sign-in lasts
    (0: a person signed in whom the register does not hold)."""
    entry = request.session.get(SESSION_PATIENT)
    if not entry or entry.get("until", 0) < time.time():
        return None
    return int(entry["patient"])


def _message(request: HttpRequest, kind: str, status: int, **context: Any) -> HttpResponse:
    ui = views_patient.language_of(request)
    return views_patient.render_patient(
        request, "eprom/message.html", ui, {"kind": kind, **context}, status
    )


def _expired(request: HttpRequest) -> HttpResponse:
    """No e-ID sign-in in this session (or it has lasted its time): offer one."""
    return _message(request, "eid_expired", 403, eid_sign_in=oidc.configured(oidc.PATIENT))


@views_patient.answers_unknown_link_floods
@never_cache
@require_POST
def start(request: HttpRequest, token: str) -> HttpResponse:
    """The identity page's e-ID button: to the broker's sign-in."""
    invitation = views_patient.get_invitation(request, token)
    if not views_patient.offers_eid(invitation):
        return redirect("eprom:start", token=token)
    request.session[SESSION_PENDING] = {"invitation": invitation.pk, "token": token}
    try:
        return oidc.redirect_to_provider(request, oidc.PATIENT, reverse("eprom:eid_callback"))
    except oidc.LoginRefused:
        return _message(request, "eid_failed", 503, token=token)


@never_cache
@require_POST
def own_sign_in(request: HttpRequest) -> HttpResponse:
    """The own-answers page's e-ID button (no questionnaire link): to the broker."""
    if not oidc.configured(oidc.PATIENT):
        return _expired(request)
    request.session[SESSION_PENDING] = {"own": True}
    try:
        return oidc.redirect_to_provider(request, oidc.PATIENT, reverse("eprom:eid_callback"))
    except oidc.LoginRefused:
        return _message(request, "eid_failed", 503)


def _own_callback(request: HttpRequest) -> HttpResponse:
    """The broker's answer to a sign-in for the own-answers page: the person's patient
    record, if the register has one (then an audit event of the patient)."""
    try:
        identity = oidc.identity_from_callback(request, oidc.PATIENT)
    except oidc.LoginRefused as exc:
        return _message(request, "eid_failed", 403 if exc.reason == "wrong_acr" else 400)
    patient_id = actions.record_own_sign_in(personnummer=identity.identifier, acr=identity.acr)
    request.session.cycle_key()
    request.session[SESSION_PATIENT] = {
        "patient": patient_id or 0,
        "until": time.time() + EID_SESSION_SECONDS,
    }
    return redirect("eprom:own_answers")


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """The broker's answer: the personnummer, compared with the invitation's patient."""
    pending = request.session.pop(SESSION_PENDING, None)
    if not pending or not oidc.configured(oidc.PATIENT):
        return _message(request, "eid_failed", 400)
    if pending.get("own"):
        return _own_callback(request)
    token = pending["token"]
    invitation = Invitation.objects.filter(pk=pending["invitation"]).first()
    if invitation is None:
        return _message(request, "closed", 410)
    try:
        identity = oidc.identity_from_callback(request, oidc.PATIENT)
    except oidc.LoginRefused as exc:
        actions.record_eid_refused(invitation=invitation, reason=exc.reason)
        status = 403 if exc.reason == "wrong_acr" else 400
        return _message(request, "eid_failed", status, token=token)
    result = actions.verify_identity_eid(
        invitation=invitation,
        personnummer=identity.identifier,
        acr=identity.acr,
        address_hash=views_patient.address_hash(request),
    )
    if result.outcome == "mismatch":
        return _message(request, "eid_mismatch", 403, token=token)
    if result.outcome != "ok":
        invitation.refresh_from_db()
        return views_patient.closed_page(request, invitation, token)
    request.session.cycle_key()  # a new session id once the person is known
    views_patient.remember_verified(request, invitation)
    request.session[SESSION_PATIENT] = {
        "patient": invitation.occasion.registration.patient_id,
        "until": time.time() + EID_SESSION_SECONDS,
    }
    invitation.refresh_from_db()
    return redirect(views_patient.page_url(token, invitation.current_page))


def _answer_rows(occasion: Any, language: str) -> list[dict[str, Any]]:
    """The occasion's answers as the patient saw the questions: per instrument, item, answer."""
    lang = language if language in ("sv", "en") else "sv"
    groups: dict[str, list[dict[str, str]]] = {}
    for answer in sorted(occasion.answers.all(), key=lambda a: a.item):
        value = views_patient.code_text(answer.value)
        try:
            instrument_id = instruments.find_item(answer.item).instrument
            labels = instruments.option_labels(answer.item, lang)
            question = instruments.item_text(answer.item, lang)
        except instruments.InstrumentError:
            # An item of an instrument the catalogue no longer has: shown by its id.
            instrument_id, labels, question = answer.item.split("_")[0], {}, answer.item
        groups.setdefault(instrument_id, []).append(
            {"question": question, "answer": labels.get(answer.value, value)}
        )
    return [{"name": _instrument_name(i, lang), "items": items} for i, items in groups.items()]


def _instrument_name(instrument_id: str, language: str) -> str:
    try:
        return views_patient.instrument_name(instrument_id, language)
    except instruments.InstrumentError:
        return instrument_id


def _own_context(request: HttpRequest, patient_id: int, language: str, action: str) -> dict:
    registrations = list(access.own_registrations(patient_id))
    lang = language if language in ("sv", "en") else "sv"
    occasion_names = vocabulary.OCCASIONS.labels(lang)
    shown = []
    for registration in registrations:
        occasions = [
            {
                "name": occasion_names.get(o.kind, o.kind),
                "answered_on": max((a.answered_on for a in o.answers.all()), default=None),
                "instruments": _answer_rows(o, lang),
            }
            for o in sorted(registration.occasions.all(), key=lambda o: o.pk)
            if o.answers.all()
        ]
        with translation.override(lang):
            measures = profile_views.measures_for(registration, lang)
        shown.append(
            {
                "registration": registration,
                "occasions": occasions,
                "measures": [
                    {
                        "measure": m,
                        "rows": profile.table_rows(m, lang),
                        "bands": profile.band_text(m, lang),
                    }
                    for m in measures
                ],
            }
        )
        audit.log_access(
            user=None,
            username=READER,
            action=action,
            patient=registration.patient,
            unit=registration.unit,
            detail=f"registration {registration.pk}",
        )
    return {"registrations": shown, "min_n": profile.MIN_REFERENCE_N}


@never_cache
@require_GET
def own_answers(request: HttpRequest) -> HttpResponse:
    """The signed-in patient's own answers and response profile, at every unit."""
    patient_id = signed_in_patient(request)
    if patient_id is None:
        return _expired(request)
    ui = views_patient.language_of(request)
    context = _own_context(request, patient_id, ui.language, AccessAction.VIEW_ANSWERS)
    return views_patient.render_patient(request, "eprom/own_answers.html", ui, context)


@never_cache
@require_GET
def own_answers_pdf(request: HttpRequest) -> HttpResponse:
    """The same as a PDF to keep (A4, WeasyPrint)."""
    import weasyprint

    patient_id = signed_in_patient(request)
    if patient_id is None:
        return _expired(request)
    ui = views_patient.language_of(request)
    context = _own_context(request, patient_id, ui.language, AccessAction.EXPORT)
    lang = ui.language if ui.language in ("sv", "en") else "sv"
    with translation.override(lang):
        html = render_to_string(
            "eprom/own_answers_pdf.html", {"ui": ui, "t": ui.texts, **context}, request
        )
    pdf = weasyprint.HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="mina-svar.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the e-ID sign-in (the whole patient session)."""
    request.session.flush()
    return _message(request, "eid_signed_out", 200)

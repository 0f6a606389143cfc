"""The patient's pages: identity check, one page at a time, review, submit.

The identity check is the date of birth or, where the unit chose it,
e-identification (``eprom.eid``), or either.

Public by design (the link's token is the key); nothing identifying is shown
before the identity check, after which the session remembers the check for
this invitation. Server-rendered, no JavaScript: every step is a form that
posts and redirects (post/redirect/get), so the browser's back button and a
reload never resubmit. Every page save is an autosave (``eprom.actions``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from painreg import instruments
from painreg.accounts import oidc
from painreg.accounts.addresses import client_address
from painreg.eprom import actions, questionnaire, tokens, uitext
from painreg.eprom.models import Invitation, InvitationStatus
from painreg.registry.models import PatientIdentification

SESSION_VERIFIED = "eprom_verified"
SESSION_LANGUAGE = "eprom_language"


def address_hash(request: HttpRequest) -> str:
    # The client's address behind the trusted proxies (PAINREG_TRUSTED_PROXIES).
    return tokens.hash_address(client_address(request))


class _TooManyUnknownLinks(Exception):
    """An address asked for too many links that do not exist (answered with 429)."""


class _UnknownLink(Exception):
    """A link that does not exist (mistyped, cut short, or removed): a patient page, 404."""


def get_invitation(request: HttpRequest, token: str) -> Invitation:
    invitation = actions.find_by_token(token)
    if invitation is None:
        if actions.record_unknown_link(address_hash(request)):
            raise _TooManyUnknownLinks
        raise _UnknownLink
    return invitation


def answers_unknown_link_floods(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A patient page that answers 429 once the address asked for too many unknown links."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except _TooManyUnknownLinks:
            return render_patient(
                request, "eprom/message.html", language_of(request), {"kind": "throttled"}, 429
            )
        except _UnknownLink:
            return unknown_link_page(request)

    return wrapper


def unknown_link_page(request: HttpRequest) -> HttpResponse:
    """A broken link's page: calm, in the patient's language, no staff menu (404).

    Also the answer to any other address under the questionnaire's path that
    does not exist (``painreg.views.page_not_found``).
    """
    return render_patient(
        request, "eprom/message.html", language_of(request), {"kind": "unknown"}, status=404
    )


def language_of(request: HttpRequest, invitation: Invitation | None = None) -> uitext.UiPack:
    chosen = request.session.get(SESSION_LANGUAGE)
    if chosen is None and invitation is not None:
        chosen = invitation.language
    return uitext.get(chosen)


def remember_verified(request: HttpRequest, invitation: Invitation) -> None:
    """The identity check passed: this session may answer the invitation."""
    request.session[SESSION_VERIFIED] = [*request.session.get(SESSION_VERIFIED, []), invitation.pk]
    if SESSION_LANGUAGE in request.session:
        actions.set_language(invitation=invitation, language=request.session[SESSION_LANGUAGE])


def offers_eid(invitation: Invitation) -> bool:
    """Whether the link's identity page offers e-identification (``eprom.eid``)."""
    method = invitation.occasion.registration.unit.patient_identification
    return method != PatientIdentification.BIRTH_DATE and oidc.configured(oidc.PATIENT)


def offers_birth_date(invitation: Invitation) -> bool:
    """Whether it offers the date-of-birth check (also when e-ID is chosen but not
    configured: a unit is never left without a way in)."""
    method = invitation.occasion.registration.unit.patient_identification
    return method != PatientIdentification.EID or not oidc.configured(oidc.PATIENT)


def _verified(request: HttpRequest, invitation: Invitation) -> bool:
    return invitation.pk in request.session.get(SESSION_VERIFIED, [])


def render_patient(
    request: HttpRequest,
    template: str,
    ui: uitext.UiPack,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    languages = [(p.language, p.name) for p in uitext.packs().values()]
    with translation.override(ui.language if ui.language in ("sv", "en") else "sv"):
        response = render(
            request,
            template,
            {"ui": ui, "t": ui.texts, "languages": languages, **context},
            status=status,
        )
    # Answers are personal: never stored by shared caches or the browser's disk cache.
    response["Cache-Control"] = "no-store"
    return response


def page_url(token: str, number: int) -> str:
    if number == 0:
        return reverse("eprom:review", args=[token])
    return reverse("eprom:page", args=[token, number])


def closed_page(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    """The page of a link that takes no more answers (submitted, locked, expired)."""
    return _closed_page(request, invitation, language_of(request, invitation), token)


def _closed_page(
    request: HttpRequest, invitation: Invitation, ui: uitext.UiPack, token: str | None = None
) -> HttpResponse:
    if invitation.status == InvitationStatus.SUBMITTED and _verified(request, invitation):
        return redirect("eprom:done", token=token or request.resolver_match.kwargs["token"])
    if invitation.locked:
        return render_patient(request, "eprom/message.html", ui, {"kind": "locked"}, status=403)
    return render_patient(request, "eprom/message.html", ui, {"kind": "closed"}, status=410)


def _switch_language(request: HttpRequest) -> HttpResponse | None:
    """``?lang=xx`` on any page: remember the choice, show the same page without it."""
    wanted = request.GET.get("lang")
    if wanted is None:
        return None
    if wanted in uitext.packs():
        request.session[SESSION_LANGUAGE] = wanted
    return redirect(request.path)


@answers_unknown_link_floods
@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, token: str) -> HttpResponse:
    """The link's landing page: the identity check, then where the patient left off."""
    switched = _switch_language(request)
    if switched:
        return switched
    invitation = get_invitation(request, token)
    ui = language_of(request, invitation)
    if not invitation.answerable:
        return _closed_page(request, invitation, ui)
    if _verified(request, invitation):
        return redirect(page_url(token, invitation.current_page))
    error = ""
    status = 200
    birth_date = offers_birth_date(invitation)
    if request.method == "POST" and not birth_date:
        return redirect("eprom:start", token=token)  # this unit's patients use e-ID
    if request.method == "POST":
        answer = request.POST.get("identity", "").strip()
        if not answer:
            error = ui.t("identity_empty")
        else:
            result = actions.verify_identity(
                invitation=invitation, answer=answer[:20], address_hash=address_hash(request)
            )
            if result.outcome == "ok":
                request.session.cycle_key()  # a new session id once the person is known
                remember_verified(request, invitation)
                invitation.refresh_from_db()
                return redirect(page_url(token, invitation.current_page))
            if result.outcome == "wrong":
                error = ui.t("identity_wrong", tries=result.tries_left)
                status = 400
            elif result.outcome == "throttled":
                return render_patient(request, "eprom/message.html", ui, {"kind": "throttled"}, 429)
            else:
                invitation.refresh_from_db()
                return _closed_page(request, invitation, ui)
    context = {
        "token": token,
        "error": error,
        "birth_date": birth_date,
        "eid": offers_eid(invitation),
    }
    return render_patient(request, "eprom/identity.html", ui, context, status)


def _require_session(request: HttpRequest, token: str) -> tuple[Invitation, uitext.UiPack]:
    invitation = get_invitation(request, token)
    return invitation, language_of(request, invitation)


def demo_text(item_id: str, language: str, ui: uitext.UiPack) -> str | None:
    """The demo's neutral sample text for an item without a licensed text, else None.

    Only in the demo (``PAINREG_DEMO``): "Fråga 3 av 14 – exempeltext i demon",
    in the page's language, so an evaluator sees the real flow and the real
    response scales without the licensed wording.
    """
    if not settings.DEMO or instruments.has_text(item_id, language):
        return None
    item = instruments.find_item(item_id)
    ids = instruments.get_instrument(item.instrument).item_ids
    return ui.t("demo_item", number=ids.index(item_id) + 1, count=len(ids))


def _item_rows(
    page: questionnaire.Page, values: dict[str, Any], ui: uitext.UiPack
) -> list[dict[str, Any]]:
    rows = []
    language = ui.language
    item_lang = language if language in ("sv", "en") else "sv"
    for item_id in page.items:
        item = instruments.find_item(item_id)
        current = values.get(item_id)
        shown = "" if current in (None, "") else code_text(current)
        if item.values is None:
            shown = number_text(shown, language)
        demo = demo_text(item_id, item_lang, ui)
        row: dict[str, Any] = {
            "id": item_id,
            "text": demo or instruments.item_text(item_id, item_lang),
            "required": item.required,
            "value": shown,
            "demo": demo is not None,
        }
        if demo is not None and item.values is not None:
            # the real response scale, each answer by its number
            row["options"] = [{"code": code_text(v), "label": code_text(v)} for v in item.values]
        elif item.values is not None:
            labels = instruments.option_labels(item_id, item_lang)
            row["options"] = [
                {"code": code_text(v), "label": labels.get(v, code_text(v))} for v in item.values
            ]
        else:
            row["min"], row["max"], row["integer"] = (
                code_text(item.min),
                code_text(item.max),
                item.integer,
            )
            row["hint"] = ui.t("range_hint", min=row["min"], max=row["max"])
        rows.append(row)
    return rows


def number_text(text: str, language: str) -> str:
    """A number as the patient writes it: ``0,5`` on a Swedish page, ``0.5`` on an English one.

    The decimal sign is the language's (Django's locale formats; a point for a
    language Django does not know). What the patient typed and could not be
    read (shown back next to its message) is left as typed.
    """
    try:
        float(text)
    except ValueError:
        return text
    separator = formats.get_format("DECIMAL_SEPARATOR", lang=language, use_l10n=True)
    return text.replace(".", separator)


def code_text(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(number)) if number.is_integer() else str(number)


def instrument_name(instrument_id: str, language: str) -> str:
    name = instruments.get_instrument(instrument_id).name
    return name.get(language) or name.get("sv") or instrument_id


@answers_unknown_link_floods
@never_cache
@require_http_methods(["GET", "POST"])
def page(request: HttpRequest, token: str, number: int) -> HttpResponse:
    """One page of items; POST autosaves it and moves on (or back)."""
    switched = _switch_language(request)
    if switched:
        return switched
    errors: list[questionnaire.PageError] = []
    if request.method == "POST":
        # The hot path (docs/eprom.md, "Load"): the save finds and locks the
        # invitation by its token itself; the page is built only to show errors.
        forward = request.POST.get("move") != "back"
        result = actions.save_page(
            token=token,
            verified=request.session.get(SESSION_VERIFIED, []),
            page_number=number,
            raw=request.POST,
            forward=forward,
        )
        if result.outcome == "saved" and (not result.errors or not forward):
            return redirect(page_url(token, result.next_page))
        errors = result.errors
    invitation, ui = _require_session(request, token)
    if not _verified(request, invitation):
        return redirect("eprom:start", token=token)
    if not invitation.answerable:
        return _closed_page(request, invitation, ui)
    pages = questionnaire.pages(invitation.instruments)
    if not 1 <= number <= len(pages):
        return unknown_link_page(request)
    this = pages[number - 1]
    values: dict[str, Any] = dict(invitation.draft)
    if errors:
        # show what was typed, next to its message
        values.update({item_id: request.POST.get(item_id, "") for item_id in this.items})
    language = ui.language
    error_by_item = {
        e.item: e.message(language if language in ("sv", "en") else "sv") for e in errors
    }
    rows = _item_rows(this, values, ui)
    for row in rows:
        row["error"] = error_by_item.get(row["id"], "")
    context = {
        "token": token,
        "page": this,
        "pages": len(pages),
        "rows": rows,
        "demo": any(row["demo"] for row in rows),
        "errors": [(r["id"], r["text"], r["error"]) for r in rows if r["error"]],
        "instrument_name": instrument_name(this.instrument, language),
        "credit": _credit(this.instrument, language),
        "progress_percent": int(100 * (number - 1) / len(pages)),
        "progress_text": ui.t("page_of", page=number, pages=len(pages)),
        "part_text": ui.t("part_of", part=this.part, parts=this.parts),
        "reminders_possible": bool(invitation.email or invitation.phone)
        and invitation.reminders_stopped_at is None,
    }
    return render_patient(request, "eprom/page.html", ui, context, status=400 if errors else 200)


def _credit(instrument_id: str, language: str) -> str:
    from painreg.instruments.texts import text_pack

    pack = text_pack(instrument_id, language if language in ("sv", "en") else "sv")
    return pack.credit if pack is not None else ""


@answers_unknown_link_floods
@never_cache
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, token: str) -> HttpResponse:
    """The last step: what is missing, and the button that submits (exactly once)."""
    switched = _switch_language(request)
    if switched:
        return switched
    invitation, ui = _require_session(request, token)
    if not _verified(request, invitation):
        return redirect("eprom:start", token=token)
    if invitation.status == InvitationStatus.SUBMITTED:
        return redirect("eprom:done", token=token)
    if not invitation.answerable:
        return _closed_page(request, invitation, ui)
    message = ""
    if request.method == "POST":
        result = actions.submit(invitation=invitation)
        if result.outcome in ("submitted", "already"):
            return redirect("eprom:done", token=token)
        if result.outcome == "closed":
            invitation.refresh_from_db()
            return _closed_page(request, invitation, ui)
        if result.outcome == "refused":
            message = ui.t("refused_text")
    missing = questionnaire.missing_required(invitation.instruments, invitation.draft)
    pages = questionnaire.pages(invitation.instruments)
    context = {
        "token": token,
        "missing": [
            {
                "number": p.number,
                "name": instrument_name(p.instrument, ui.language),
                "url": page_url(token, p.number),
            }
            for p in missing
        ],
        "pages": len(pages),
        "last_page_url": page_url(token, len(pages)),
        "progress_text": ui.t("page_of", page=len(pages), pages=len(pages)),
        "message": message,
    }
    return render_patient(request, "eprom/review.html", ui, context, status=400 if message else 200)


@answers_unknown_link_floods
@never_cache
def done(request: HttpRequest, token: str) -> HttpResponse:
    invitation, ui = _require_session(request, token)
    if invitation.status != InvitationStatus.SUBMITTED or not _verified(request, invitation):
        return redirect("eprom:start", token=token)
    from painreg.eprom.eid import signed_in_patient

    context = {"kind": "done", "own_answers": signed_in_patient(request) is not None}
    return render_patient(request, "eprom/message.html", ui, context)


@answers_unknown_link_floods
@require_POST
def stop_reminders(request: HttpRequest, token: str) -> HttpResponse:
    """The patient opts out of reminders for this link."""
    invitation, ui = _require_session(request, token)
    if not _verified(request, invitation):
        return redirect("eprom:start", token=token)
    actions.stop_reminders(invitation=invitation)
    return render_patient(
        request, "eprom/message.html", ui, {"kind": "reminders_stopped", "token": token}
    )

"""Every write of the ePROM app: one function per action, atomic, audited.

The same habit as ``registry.actions``: keyword-only arguments, the user's
right checked inside the action (views check too, for a 404 before any
work), an ``audit`` event in the same transaction. Answers reach the register
only through ``registry.actions.save_answers`` (validated, scored, audited).

The patient is not a user: patient actions take the invitation (found by
its token) and record events with the username ``patient``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import string
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from painreg import audit
from painreg.eprom import questionnaire, tokens
from painreg.eprom.models import (
    IdentityAttempt,
    Invitation,
    InvitationStatus,
    MessageKind,
    MessageStatus,
    ScheduledMessage,
    UnknownLinkThrottle,
    answerable,
)
from painreg.registry import access, validation
from painreg.registry.models import ENTRY_ROLES, Occasion, OccasionStatus
from painreg.tidy import personnummer as pnr

#: Wrong identity answers before the link locks (staff reopen it).
MAX_FAILED_ATTEMPTS = 5
#: Tries of the identity check per link in ``TOKEN_WINDOW`` (right or wrong).
TOKEN_RATE_LIMIT = 10
TOKEN_WINDOW = dt.timedelta(minutes=15)
#: Requests for unknown links per address in ``ADDRESS_WINDOW`` (then HTTP 429 for
#: unknown links only: a link that exists is limited by the two rules above alone).
ADDRESS_RATE_LIMIT = 20
ADDRESS_WINDOW = dt.timedelta(hours=1)
#: Days after the invitation that reminders are sent.
REMINDER_DAYS = (7, 14)
DEFAULT_VALID_DAYS = 30
PATIENT = "patient"


def _today() -> dt.date:
    # registry.validation refuses answer dates after dt.date.today(); never be ahead of it.
    return min(timezone.localdate(), dt.date.today())


def _error(field_name: str, code: str, sv: str, en: str) -> ValidationError:
    """A staff-facing refusal in the active language (Swedish or English)."""
    message = validation.Issue(field_name, code, sv, en).message
    return ValidationError({field_name: [ValidationError(message, code=code)]})


def _require_staff(user: Any, occasion: Occasion) -> None:
    unit = occasion.registration.unit
    if user is None:
        return
    if not access.units_for(user).filter(pk=unit.pk).exists():
        raise PermissionDenied
    access.require_role(user, unit, *ENTRY_ROLES)


def _event(
    *,
    user: Any,
    name: str,
    invitation: Invitation,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    registration = invitation.occasion.registration
    audit.record_event(
        user=user,
        username=PATIENT if user is PATIENT else (None if user else "system"),
        action=name,
        unit=registration.unit,
        patient=registration.patient,
        obj=invitation,
        reason=reason,
        detail={"occasion": invitation.occasion.kind, **(detail or {})},
    )


def _locked(invitation: Invitation) -> Invitation:
    # Lock the invitation row only: the registry's rows are locked by its own actions.
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("occasion__registration__patient", "occasion__registration__unit")
        .get(pk=invitation.pk)
    )


def _skip_pending(invitation: Invitation, note: str) -> None:
    invitation.messages.filter(status=MessageStatus.PENDING).update(
        status=MessageStatus.SKIPPED, handled_at=timezone.now(), note=note
    )


def token_of(invitation: Invitation) -> str:
    """The link token (rebuilt from the stored nonce and the server secret)."""
    return tokens.token_of(invitation.token_nonce, invitation.token_hash)


def find_by_token(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("occasion__registration__patient")
        .filter(token_hash=tokens.hash_token(token))
        .first()
    )


# --- staff -------------------------------------------------------------------


@transaction.atomic
def create_invitation(
    *,
    user: Any,
    occasion: Occasion,
    valid_days: int = DEFAULT_VALID_DAYS,
    language: str = "sv",
    email: str = "",
    phone: str = "",
    reminder_days: tuple[int, ...] = REMINDER_DAYS,
) -> tuple[Invitation, str]:
    """Invite the patient to answer ``occasion``; returns the invitation and its token.

    The form is the configured one for the unit's care level and the
    occasion. An open invitation of the same occasion is revoked (one live
    link). Messages (invitation now, reminders after ``reminder_days``) are
    scheduled when an e-mail address or a mobile number is given.
    """
    occasion = Occasion.objects.select_related("registration__patient", "registration__unit").get(
        pk=occasion.pk
    )
    _require_staff(user, occasion)
    registration = occasion.registration
    if not registration.patient.can_be_invited:
        raise _error(
            "__all__",
            "cannot_invite",
            "Patienten kan inte bjudas in (avböjt registret eller saknar personnummer).",
            "The patient cannot be invited (declined the register or has no personal number).",
        )
    if occasion.status in (OccasionStatus.ANSWERED, OccasionStatus.SIGNED_OFF):
        raise _error(
            "__all__", "answered", "Tillfället är redan besvarat.", "The occasion is answered."
        )
    if not 1 <= valid_days <= 120:
        raise _error(
            "valid_days",
            "valid_days",
            "Giltighetstiden ska vara 1–120 dagar.",
            "The link is valid for 1-120 days.",
        )
    for old in Invitation.objects.select_for_update().filter(
        occasion=occasion, status=InvitationStatus.OPEN
    ):
        old.status = InvitationStatus.REVOKED
        old.save(update_fields=["status"])
        _skip_pending(old, "revoked")
        _event(user=user, name="invitation.revoke", invitation=old, detail={"replaced": True})
    nonce = tokens.new_nonce()
    token = tokens.token_for(nonce)
    now = timezone.now()
    invitation = Invitation.objects.create(
        occasion=occasion,
        token_hash=tokens.hash_token(token),
        token_nonce=nonce,
        instruments=questionnaire.form_instruments(registration.unit.care_level, occasion.kind),
        created_by=user if getattr(user, "pk", None) else None,
        created_at=now,
        valid_until=now + dt.timedelta(days=valid_days),
        language=language if language in ("sv", "en") else "sv",
        email=email.strip(),
        phone=phone.strip(),
    )
    schedule_messages(invitation, reminder_days)
    _event(
        user=user,
        name="invitation.create",
        invitation=invitation,
        detail={
            "valid_until": invitation.valid_until.isoformat(),
            "email": bool(invitation.email),
            "sms": bool(invitation.phone),
            "instruments": invitation.instruments,
        },
    )
    return invitation, token


def schedule_messages(invitation: Invitation, reminder_days: tuple[int, ...]) -> None:
    """Schedule the invitation message (today) and reminders, within the validity."""
    if not (invitation.email or invitation.phone):
        return
    start = timezone.localdate(invitation.created_at)
    last = timezone.localdate(invitation.valid_until)
    days = [0, *sorted(d for d in reminder_days if d > 0)]
    for sequence, offset in enumerate(days):
        due = start + dt.timedelta(days=offset)
        if due > last:
            break
        ScheduledMessage.objects.get_or_create(
            invitation=invitation,
            sequence=sequence,
            defaults={
                "kind": MessageKind.INVITATION if sequence == 0 else MessageKind.REMINDER,
                "due_on": due,
            },
        )


@transaction.atomic
def reopen_invitation(
    *, user: Any, invitation: Invitation, reason: str, valid_days: int = DEFAULT_VALID_DAYS
) -> Invitation:
    """Open a submitted, locked or expired link again (with a reason, audited).

    The patient's earlier answers are shown again; submitting again replaces
    them in the register. Refused while the occasion is signed off.
    """
    invitation = _locked(invitation)
    _require_staff(user, invitation.occasion)
    if not (reason or "").strip():
        raise _error(
            "reason",
            "reason_required",
            "Ange en orsak till att länken öppnas igen.",
            "Give the reason for opening the link again.",
        )
    if invitation.status == InvitationStatus.REVOKED:
        raise _error(
            "__all__",
            "replaced",
            "Länken är ersatt av en nyare inbjudan.",
            "The link was replaced by a newer invitation.",
        )
    if invitation.occasion.signed_off:
        raise _error(
            "__all__",
            "signed_off",
            "Tillfället är klarmarkerat; öppna tillfället först.",
            "The occasion is signed off; reopen the occasion first.",
        )
    before = {
        "status": invitation.status,
        "locked": invitation.locked,
        "expired": invitation.expired,
    }
    if invitation.status == InvitationStatus.SUBMITTED:
        invitation.current_page = 1  # go through the answers again from the start
    invitation.status = InvitationStatus.OPEN
    invitation.locked_at = None
    invitation.failed_attempts = 0
    if invitation.expired:
        invitation.valid_until = timezone.now() + dt.timedelta(days=valid_days)
    invitation.save()
    _event(
        user=user, name="invitation.reopen", invitation=invitation, reason=reason.strip(),
        detail={"before": before, "valid_until": invitation.valid_until.isoformat()},
    )  # fmt: skip
    return invitation


# --- the patient ---------------------------------------------------------------


@dataclass
class IdentityResult:
    outcome: str  # ok | wrong | mismatch (e-ID) | locked | throttled | closed
    tries_left: int = 0


def _identity_matches(invitation: Invitation, answer: str) -> bool:
    """Date of birth (ÅÅÅÅ-MM-DD, ÅÅÅÅMMDD or ÅÅMMDD) or the personnummer's last four digits."""
    patient = invitation.occasion.registration.patient
    number = patient.personnummer or ""
    answer = pnr.normalise(answer)  # digits of any script, as the staff forms read them
    digits = "".join(ch for ch in answer if ch in string.digits)
    if len(number) != 12 or len(digits) != len("".join(answer.split()).replace("-", "")):
        return False
    candidates: list[str] = []
    if len(digits) == 4:
        candidates = [number[8:]]
    elif len(digits) == 8:
        # The real birth date, or the date part as written (coordination numbers add 60).
        candidates = [number[:8]]
        if patient.birth_date:
            candidates.append(patient.birth_date.strftime("%Y%m%d"))
    elif len(digits) == 6:
        candidates = [number[2:8]]
        if patient.birth_date:
            candidates.append(patient.birth_date.strftime("%y%m%d"))
    # compare_digest on every candidate: the time taken says nothing about which was close.
    return any([hmac.compare_digest(digits, c) for c in candidates])


@transaction.atomic
def record_unknown_link(address_hash: str) -> bool:
    """Count a request for a link that does not exist; True when the address is over
    ``ADDRESS_RATE_LIMIT`` in ``ADDRESS_WINDOW``. Rows of past windows are deleted."""
    now = timezone.now()
    UnknownLinkThrottle.objects.filter(window_start__lt=now - ADDRESS_WINDOW).delete()
    row, _ = UnknownLinkThrottle.objects.select_for_update().get_or_create(
        address_hash=address_hash, defaults={"window_start": now}
    )
    if row.count >= ADDRESS_RATE_LIMIT:
        return True  # over the bound: not counted further, the row stays as it is
    row.count = F("count") + 1
    row.save(update_fields=["count"])
    return False


@transaction.atomic
def verify_identity(*, invitation: Invitation, answer: str, address_hash: str) -> IdentityResult:
    """The identity check before the first question; lockout and rate limits.

    Every try is logged (``IdentityAttempt``); the fifth wrong answer locks
    the link (audited) until staff reopen it.
    """
    invitation = _locked(invitation)
    if invitation.status != InvitationStatus.OPEN or invitation.expired:
        return IdentityResult("closed")
    if invitation.locked:
        return IdentityResult("locked")
    recent = invitation.attempts.filter(at__gte=timezone.now() - TOKEN_WINDOW).count()
    if recent >= TOKEN_RATE_LIMIT:
        return IdentityResult("throttled")
    now = timezone.now()
    if _identity_matches(invitation, answer):
        _opened(invitation, address_hash)
        return IdentityResult("ok")
    IdentityAttempt.objects.create(invitation=invitation, address_hash=address_hash, success=False)
    invitation.failed_attempts += 1
    if invitation.failed_attempts >= MAX_FAILED_ATTEMPTS:
        invitation.locked_at = now
        invitation.save(update_fields=["failed_attempts", "locked_at"])
        _event(
            user=PATIENT, name="invitation.lock", invitation=invitation,
            detail={"failed_attempts": invitation.failed_attempts},
        )  # fmt: skip
        return IdentityResult("locked")
    invitation.save(update_fields=["failed_attempts"])
    return IdentityResult("wrong", MAX_FAILED_ATTEMPTS - invitation.failed_attempts)


def _opened(invitation: Invitation, address_hash: str) -> None:
    """A passed identity check: the attempt logged, the link opened (audited the first time)."""
    now = timezone.now()
    IdentityAttempt.objects.create(invitation=invitation, address_hash=address_hash, success=True)
    invitation.failed_attempts = 0
    first = invitation.opened_at is None
    invitation.opened_at = invitation.opened_at or now
    invitation.last_activity_at = now
    invitation.save(update_fields=["failed_attempts", "opened_at", "last_activity_at"])
    if first:
        _event(user=PATIENT, name="invitation.open", invitation=invitation)


@transaction.atomic
def verify_identity_eid(
    *, invitation: Invitation, personnummer: str, acr: str, address_hash: str
) -> IdentityResult:
    """The identity check by e-identification: the broker's personnummer claim against
    the invitation's patient.

    ``ok``: the same person (the link opens, as after the date-of-birth check).
    ``mismatch``: someone else signed in (a relative, a shared phone): logged as
    a failed attempt and an audit event of the link, without the other
    person's number; it does not count towards the lockout, which is against
    guessing, and e-identification cannot be guessed. ``closed``/``locked``:
    as for the date of birth.
    """
    invitation = _locked(invitation)
    if invitation.status != InvitationStatus.OPEN or invitation.expired:
        return IdentityResult("closed")
    if invitation.locked:
        return IdentityResult("locked")
    patient = invitation.occasion.registration.patient
    try:
        claimed = pnr.parse(personnummer).digits
    except pnr.PersonnummerError:
        claimed = ""
    if claimed and patient.personnummer and hmac.compare_digest(claimed, patient.personnummer):
        _opened(invitation, address_hash)
        _event(
            user=PATIENT, name="invitation.identity_eid", invitation=invitation,
            detail={"acr": acr},
        )  # fmt: skip
        return IdentityResult("ok")
    IdentityAttempt.objects.create(invitation=invitation, address_hash=address_hash, success=False)
    _event(
        user=PATIENT, name="invitation.identity_eid_mismatch", invitation=invitation,
        detail={"acr": acr, "valid_number": bool(claimed)},
    )  # fmt: skip
    return IdentityResult("mismatch")


@transaction.atomic
def record_eid_refused(*, invitation: Invitation, reason: str) -> None:
    """The broker's answer to a link's e-ID sign-in could not be used (a lower
    assurance level, an invalid or cancelled answer): an audit event of the link."""
    _event(
        user=PATIENT, name="invitation.identity_eid_refused", invitation=invitation,
        detail={"reason": reason},
    )  # fmt: skip


@transaction.atomic
def record_own_sign_in(*, personnummer: str, acr: str) -> int | None:
    """An e-ID sign-in to read one's own answers: the patient record of that
    personnummer (None when the register holds none), with an audit event of it."""
    from painreg.registry.models import Patient

    try:
        digits = pnr.parse(personnummer).digits
    except pnr.PersonnummerError:
        return None
    patient = Patient.objects.filter(personnummer=digits, deleted_at__isnull=True).first()
    if patient is not None:
        audit.record_event(
            user=None, username=PATIENT, action="patient.sign_in_eid", patient=patient,
            detail={"acr": acr},
        )  # fmt: skip
    return patient.pk if patient is not None else None


@dataclass
class PageResult:
    errors: list[questionnaire.PageError] = field(default_factory=list)
    next_page: int = 1  # 0 = the review page
    #: saved | unknown (no such link) | unverified (not this session's) | closed | no_page
    outcome: str = "saved"

    @property
    def closed(self) -> bool:
        return self.outcome == "closed"


@transaction.atomic
def save_page(
    *,
    token: str,
    verified: Collection[int],
    page_number: int,
    raw: Mapping[str, Any],
    forward: bool = True,
) -> PageResult:
    """Autosave one page of the link ``token``: keep every valid answer; move on
    only without errors.

    Saves only for an invitation the caller has verified (``verified``: the
    ids whose identity check this session passed). Going back
    (``forward=False``) saves what is valid without asking for required
    answers. Saving the same page twice gives the same state.

    The hot path of the patient pages (one call per page; docs/eprom.md,
    "Load"): one locked read of the few columns it needs, straight from the
    token (no models built, no second lookup), and one UPDATE.
    """
    if not token or len(token) > 100:
        return PageResult(outcome="unknown")
    row = (
        Invitation.objects.select_for_update(of=("self",))
        .filter(token_hash=tokens.hash_token(token))
        .values(
            "id",
            "status",
            "locked_at",
            "valid_until",
            "draft",
            "instruments",
            "current_page",
            opted_out_at=F("occasion__registration__patient__opted_out_at"),
            deleted_at=F("occasion__registration__patient__deleted_at"),
        )
        .first()
    )
    if row is None:
        return PageResult(outcome="unknown")
    if row["id"] not in verified:
        return PageResult(outcome="unverified")
    if not answerable(
        status=row["status"],
        locked_at=row["locked_at"],
        valid_until=row["valid_until"],
        opted_out_at=row["opted_out_at"],
        deleted_at=row["deleted_at"],
    ):
        return PageResult(outcome="closed")
    pages = questionnaire.pages(row["instruments"])
    if not 1 <= page_number <= len(pages):
        return PageResult(outcome="no_page", next_page=row["current_page"])
    page = pages[page_number - 1]
    clean, errors = questionnaire.check_answers(page.items, raw, require=forward)
    draft = dict(row["draft"])
    bad = {e.item for e in errors if e.code == "value"}
    for item_id, value in clean.items():
        if item_id in bad:
            continue  # a value we cannot accept must not erase an earlier valid one
        if value is None:
            draft.pop(item_id, None)
        else:
            draft[item_id] = value
    if errors and forward:
        next_page = page_number
    elif forward:
        next_page = page_number + 1 if page_number < len(pages) else 0
    else:
        next_page = max(1, page_number - 1)
    Invitation.objects.filter(pk=row["id"]).update(
        draft=draft, current_page=next_page, last_activity_at=timezone.now()
    )
    return PageResult(errors=errors, next_page=next_page)


@dataclass
class SubmitResult:
    outcome: str  # submitted | already | incomplete | closed | refused
    missing: list[questionnaire.Page] = field(default_factory=list)
    message: str = ""


@transaction.atomic
def submit(*, invitation: Invitation) -> SubmitResult:
    """Send the answers to the register, exactly once.

    The invitation row is locked and its state checked in this transaction:
    a second submit returns ``already`` and writes nothing. The answers go
    through ``registry.actions.save_answers`` (catalogue validation, scores,
    audit) with source ``patient``; pending reminders are cancelled.
    """
    from painreg.registry import actions as registry_actions

    invitation = _locked(invitation)
    if invitation.status == InvitationStatus.SUBMITTED:
        return SubmitResult("already")
    if not invitation.answerable:
        return SubmitResult("closed")
    missing = questionnaire.missing_required(invitation.instruments, invitation.draft)
    if missing:
        return SubmitResult("incomplete", missing=missing)
    items = questionnaire.form_items(invitation.instruments)
    answers = {k: invitation.draft[k] for k in items if invitation.draft.get(k) is not None}
    try:
        registry_actions.save_answers(
            user=None,
            occasion=invitation.occasion,
            answers=answers,
            answered_on=_today(),
            source="patient",
        )
    except ValidationError as exc:
        # E.g. the occasion was signed off meanwhile: save_answers wrote nothing.
        return SubmitResult("refused", message="; ".join(exc.messages))
    invitation.status = InvitationStatus.SUBMITTED
    invitation.submitted_at = timezone.now()
    invitation.current_page = 0
    invitation.save(update_fields=["status", "submitted_at", "current_page"])
    _skip_pending(invitation, "answered")
    _event(
        user=PATIENT, name="invitation.submit", invitation=invitation,
        detail={"items": len(answers)},
    )  # fmt: skip
    return SubmitResult("submitted")


@transaction.atomic
def set_language(*, invitation: Invitation, language: str) -> None:
    Invitation.objects.filter(pk=invitation.pk).update(language=language)


@transaction.atomic
def stop_reminders(*, invitation: Invitation) -> Invitation:
    """The patient declines further reminders for this link (audited)."""
    invitation = _locked(invitation)
    if invitation.reminders_stopped_at is None:
        invitation.reminders_stopped_at = timezone.now()
        invitation.save(update_fields=["reminders_stopped_at"])
        _skip_pending(invitation, "opted out")
        _event(user=PATIENT, name="invitation.stop_reminders", invitation=invitation)
    return invitation

"""What ``painreg send-reminders`` does: follow-up invitations, then due messages.

Decisions (docs/eprom.md, "Reminders"):

* **Idempotent.** Each scheduled message is handled once: its row is locked
  (``select_for_update(skip_locked=True)``) and leaves ``pending`` in the
  same transaction in which it is sent, so a second run, or two runs at the
  same time, send nothing twice.
* **Stops at once.** Just before sending, the message is skipped when the
  occasion is answered (through the link or entered by staff), the patient
  declined reminders or left the register, or the link is closed.
* **One-year follow-up.** For a rehab registration the follow-up link is
  created automatically when 12 months have passed since the rehab end date
  (DOMAIN.md: due 12 months after, ± 1 month), valid to the end of that
  window, sent to the contact the patient gave for an earlier occasion.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from typing import Any

from django.db import transaction
from django.utils import timezone

from painreg.eprom import actions, messaging
from painreg.eprom.models import Invitation, InvitationStatus, MessageStatus, ScheduledMessage
from painreg.registry.models import (
    Category,
    Occasion,
    OccasionKind,
    OccasionStatus,
    add_months,
)

TEXTS = {
    "sv": {
        "invitation": "Frågeformulär från din vårdenhet",
        "reminder": "Påminnelse: frågeformulär från din vårdenhet",
        "body": (
            "Hej!\n\nDin vårdenhet ber dig svara på ett frågeformulär om din smärta och "
            "hälsa. Öppna länken:\n{link}\n\nLänken gäller till och med {until}. Du bekräftar "
            "med ditt födelsedatum innan du börjar. Dina svar sparas efter varje sida.\n"
        ),
    },
    "en": {
        "invitation": "Questionnaire from your care unit",
        "reminder": "Reminder: questionnaire from your care unit",
        "body": (
            "Hello,\n\nYour care unit asks you to answer a questionnaire about your pain and "
            "health. Open the link:\n{link}\n\nThe link is valid until {until}. You confirm "
            "your date of birth before you start. Your answers are saved after each page.\n"
        ),
    },
}


def public_base_url() -> str:
    from painreg.errors import UserError

    base = os.environ.get("PAINREG_PUBLIC_URL", "").rstrip("/")
    if not base:
        raise UserError(
            "PAINREG_PUBLIC_URL is not set; set it to the address patients use, "
            "e.g. https://smartregistret.example.se"
        )
    return base


def link_for(invitation: Invitation, base: str) -> str:
    from django.urls import reverse

    return base + reverse("eprom:start", args=[actions.token_of(invitation)])


def compose(invitation: Invitation, kind: str, link: str) -> tuple[str, str]:
    texts = TEXTS.get(invitation.language, TEXTS["sv"])
    until = timezone.localdate(invitation.valid_until).isoformat()
    return texts[kind], texts["body"].format(link=link, until=until)


def create_followup_invitations(today: dt.date) -> int:
    """Create the one-year follow-up links that are due (see the module docstring)."""
    created = 0
    candidates = (
        Occasion.objects.filter(
            kind=OccasionKind.FOLLOWUP_1Y,
            registration__category=Category.REHAB,
            registration__rehab_end_date__isnull=False,
            registration__patient__opted_out_at__isnull=True,
            registration__patient__deleted_at__isnull=True,
            registration__patient__personnummer__isnull=False,
            invitations__isnull=True,
        )
        .exclude(status__in=[OccasionStatus.ANSWERED, OccasionStatus.SIGNED_OFF])
        .select_related("registration")
    )
    for occasion in candidates:
        end = occasion.registration.rehab_end_date
        opens, closes = add_months(end, 12), add_months(end, 13)
        if not opens <= today <= closes:
            continue
        earlier = (
            Invitation.objects.filter(occasion__registration=occasion.registration)
            .exclude(email="", phone="")
            .order_by("-created_at")
            .first()
        )
        if earlier is None:
            continue  # nobody to send it to: staff see the occasion as not invited
        actions.create_invitation(
            user=None,
            occasion=occasion,
            valid_days=(closes - today).days + 1,
            language=earlier.language,
            email=earlier.email,
            phone=earlier.phone,
        )
        created += 1
    return created


def _skip_reason(invitation: Invitation) -> str:
    occasion = invitation.occasion
    patient = occasion.registration.patient
    if invitation.status == InvitationStatus.SUBMITTED or occasion.status in (
        OccasionStatus.ANSWERED,
        OccasionStatus.SIGNED_OFF,
    ):
        return "answered"
    if invitation.reminders_stopped_at is not None or patient.opted_out_at is not None:
        return "opted out"
    if not invitation.answerable or patient.deleted_at is not None:
        return "closed"
    return ""


def send_due(today: dt.date | None = None, *, dry_run: bool = False) -> Counter[str]:
    """Create due follow-up links, then send every pending message due by ``today``."""
    today = today or timezone.localdate()
    counts: Counter[str] = Counter()
    if dry_run:
        due = ScheduledMessage.objects.filter(status=MessageStatus.PENDING, due_on__lte=today)
        counts["due"] = due.count()
        return counts
    base = public_base_url()
    counts["followup_invitations"] = create_followup_invitations(today)
    backends: dict[str, Any] = {}
    ids = list(
        ScheduledMessage.objects.filter(status=MessageStatus.PENDING, due_on__lte=today)
        .order_by("due_on", "pk")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            message = (
                ScheduledMessage.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, status=MessageStatus.PENDING)
                .select_related("invitation__occasion__registration__patient")
                .first()
            )
            if message is None:
                continue  # handled by another run meanwhile
            invitation = message.invitation
            reason = _skip_reason(invitation)
            message.handled_at = timezone.now()
            if reason:
                message.status, message.note = MessageStatus.SKIPPED, reason
                message.save(update_fields=["status", "note", "handled_at"])
                counts[f"skipped ({reason})"] += 1
                continue
            subject, body = compose(invitation, message.kind, link_for(invitation, base))
            channels = []
            try:
                for channel, address in (("email", invitation.email), ("sms", invitation.phone)):
                    if not address:
                        continue
                    if channel not in backends:
                        backends[channel] = messaging.backend_for(channel)
                    backends[channel].send(messaging.Message(channel, address, subject, body))
                    channels.append(channel)
            except Exception as exc:  # the gateway's failure is recorded, not raised
                message.status = MessageStatus.FAILED
                message.note = f"{type(exc).__name__}: {exc}"[:200]
                counts["failed"] += 1
            else:
                message.status = MessageStatus.SENT
                counts["sent"] += 1
            message.channel = ",".join(channels)
            message.save(update_fields=["status", "note", "channel", "handled_at"])
    return counts

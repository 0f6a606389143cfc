"""Where each occasion of a unit stands with its patient questionnaire.

States, in the order a questionnaire moves through them: ``not_invited``,
``invited`` (a link exists), ``opened`` (identity confirmed), ``partial``
(pages saved, not submitted), ``answered`` (submitted through the link, or
answers entered by staff that make the occasion answered or signed off).
``overdue`` is a flag on top: not answered and the occasion's answering
window (DOMAIN.md, registration workflow) has ended.

Response rate per occasion kind = answered / invited (occasions that got a
link). Non-responders to call: invited, not answered, and overdue or the
link expired or locked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from painreg.eprom.models import Invitation, InvitationStatus
from painreg.registry.models import Occasion, OccasionKind, OccasionStatus, due_window

STATES = ("not_invited", "invited", "opened", "partial", "answered")
STATE_LABELS = {
    "not_invited": _("not invited"),
    "invited": _("invited"),
    "opened": _("opened"),
    "partial": _("partially answered"),
    "answered": _("answered"),
}


@dataclass
class OccasionRow:
    occasion: Occasion
    invitation: Invitation | None
    state: str
    overdue: bool

    @property
    def registration(self) -> Any:
        return self.occasion.registration

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def to_call(self) -> bool:
        inv = self.invitation
        if inv is None or self.state == "answered":
            return False
        return self.overdue or inv.expired or inv.locked


def state_of(occasion: Occasion, invitation: Invitation | None) -> str:
    if occasion.status in (OccasionStatus.ANSWERED, OccasionStatus.SIGNED_OFF):
        return "answered"
    if invitation is None:
        return "not_invited"
    if invitation.status == InvitationStatus.SUBMITTED:
        return "answered"
    if invitation.draft or occasion.status == OccasionStatus.PARTIAL:
        return "partial"
    if invitation.opened_at is not None:
        return "opened"
    return "invited"


def rows_for(registrations: Any, today: dt.date) -> list[OccasionRow]:
    """One row per occasion of ``registrations`` (an access-scoped queryset)."""
    latest = Invitation.objects.exclude(status=InvitationStatus.REVOKED).order_by("-created_at")
    occasions = (
        Occasion.objects.filter(registration__in=registrations)
        .select_related("registration__patient", "registration__unit")
        .prefetch_related(Prefetch("invitations", queryset=latest, to_attr="live_invitations"))
        .order_by("registration_id", "pk")
    )
    rows = []
    for occasion in occasions:
        invitation = occasion.live_invitations[0] if occasion.live_invitations else None
        state = state_of(occasion, invitation)
        reg = occasion.registration
        window = due_window(
            occasion.kind, first_visit_date=reg.first_visit_date, rehab_end_date=reg.rehab_end_date
        )
        overdue = state != "answered" and window is not None and window[1] < today
        rows.append(OccasionRow(occasion, invitation, state, overdue))
    return rows


def summary(rows: list[OccasionRow]) -> list[dict[str, Any]]:
    """Counts per occasion kind and state, the overdue count and the response rate."""
    out = []
    for kind in OccasionKind:
        of_kind = [r for r in rows if r.occasion.kind == kind.value]
        counts = {state: sum(1 for r in of_kind if r.state == state) for state in STATES}
        invited = [r for r in of_kind if r.invitation is not None]
        answered = sum(1 for r in invited if r.state == "answered")
        out.append(
            {
                "kind": kind.value,
                "label": kind.label,
                "counts": counts,
                "overdue": sum(1 for r in of_kind if r.overdue),
                "invited": len(invited),
                "answered_invited": answered,
                "response_rate": (answered / len(invited)) if invited else None,
            }
        )
    return out

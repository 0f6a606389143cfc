"""A patient questionnaire link for the demo (``painreg demo`` prints it).

Finds a demo registration whose initial occasion is not answered, reuses its
open invitation or creates one (as ``system``), and returns a line with the
link and the date of birth to confirm with. The token can be shown again on
every demo start because the server rebuilds it from the stored nonce.
"""

from __future__ import annotations

from painreg.eprom import actions
from painreg.eprom.models import Invitation, InvitationStatus
from painreg.registry.models import Occasion, OccasionKind, OccasionStatus


def demo_link_line(base_url: str) -> str | None:
    """``"Patient questionnaire: <url> (date of birth YYYY-MM-DD)"``, or None if no candidate."""
    occasion = (
        Occasion.objects.filter(
            kind=OccasionKind.INITIAL,
            status=OccasionStatus.NOT_STARTED,
            registration__patient__personnummer__isnull=False,
            registration__patient__opted_out_at__isnull=True,
            registration__patient__deleted_at__isnull=True,
        )
        .select_related("registration__patient")
        .order_by("pk")
        .first()
    )
    if occasion is None:
        return None
    invitation = Invitation.objects.filter(occasion=occasion, status=InvitationStatus.OPEN).first()
    if invitation is None or not invitation.answerable:
        invitation, token = actions.create_invitation(user=None, occasion=occasion, valid_days=120)
    else:
        token = actions.token_of(invitation)
    number = occasion.registration.patient.personnummer
    url = f"{base_url.rstrip('/')}/enkat/{token}/"
    return f"Patient questionnaire: {url} (date of birth {number[:4]}-{number[4:6]}-{number[6:8]})"

"""Staff pages: invite, see and reopen links, the overview; other units see nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from painreg.accounts.testing import login_verified

from .conftest import answer_pages, verify

pytestmark = pytest.mark.django_db


def _invite_url(registration):
    return f"/enkat/personal/registreringar/{registration.pk}/tillfallen/initial/inbjudan/"


def test_it_creates_an_invitation_with_a_link_and_a_qr_code(client, world, registration):
    from painreg.audit.models import AuditEvent
    from painreg.eprom.models import Invitation

    login_verified(client, world.alice)
    response = client.post(
        _invite_url(registration), {"valid_days": 30, "language": "sv", "email": "", "phone": ""}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    html = client.get(response.url).content.decode()
    assert "<svg" in html and "/enkat/" in html
    assert invitation.instruments[:2] == ["background", "painsites"]
    assert AuditEvent.objects.filter(action="invitation.create", username="alice").exists()


def test_staff_of_another_unit_can_neither_create_nor_see_invitations(
    client, world, registration, invitation
):
    from painreg.eprom import actions
    from painreg.eprom.models import Invitation

    login_verified(client, world.bob)
    assert client.get(_invite_url(registration)).status_code == 404
    assert (
        client.post(_invite_url(registration), {"valid_days": 30, "language": "sv"}).status_code
        == 404
    )
    detail = f"/enkat/personal/inbjudningar/{invitation.obj.pk}/"
    assert client.get(detail).status_code == 404
    assert client.post(detail + "oppna-igen/", {"reason": "x"}).status_code == 404
    overview = client.get("/enkat/personal/oversikt/").content.decode()
    assert "19121212" not in overview
    with pytest.raises(PermissionDenied):
        actions.create_invitation(user=world.bob, occasion=invitation.occasion)
    assert Invitation.objects.count() == 1


def test_a_new_invitation_revokes_the_open_one(world, invitation):
    from painreg.eprom import actions
    from painreg.eprom.models import Invitation

    actions.create_invitation(user=world.alice, occasion=invitation.occasion)
    states = sorted(Invitation.objects.values_list("status", flat=True))
    assert states == ["open", "revoked"]


def test_the_overview_counts_states_and_lists_non_responders(client, world, invitation):
    from django.test import Client

    from painreg.eprom import status
    from painreg.registry.models import Registration

    patient = Client()
    verify(patient, invitation.token)
    answer_pages(patient, invitation.token, invitation.obj, upto=1)
    rows = status.rows_for(Registration.objects.all(), __import__("datetime").date.today())
    initial = next(r for r in rows if r.occasion.kind == "initial")
    assert initial.state == "partial"
    # The initial window ended at the first visit (5 days ago): overdue, so someone to call.
    assert initial.overdue and initial.to_call
    login_verified(client, world.alice)
    html = client.get("/enkat/personal/oversikt/").content.decode()
    assert "19121212-1212" in html
    assert "Patientenkäter" in html and "delvis besvarad" in html  # Swedish first


def test_reopening_a_submitted_link_lets_the_patient_answer_again(client, world, invitation):
    from painreg.eprom import actions

    verify(client, invitation.token)
    answer_pages(client, invitation.token, invitation.obj)
    client.post(f"/enkat/{invitation.token}/skicka/")
    actions.reopen_invitation(user=world.alice, invitation=invitation.obj, reason="Ändrade sig")
    response = client.get(f"/enkat/{invitation.token}/")
    assert response.status_code == 302 and "/sida/" in response.url


def test_the_staff_pages_and_refusals_are_english_in_english(client, world, invitation):
    """State labels (Swedish message ids in the models) and the actions' refusals
    have English texts; Swedish stays the default."""
    from django.core.exceptions import ValidationError
    from django.urls import reverse
    from django.utils import translation

    from painreg.eprom import actions

    login_verified(client, world.alice)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(f"/enkat/personal/inbjudningar/{invitation.obj.pk}/").content.decode()
    assert '<html lang="en">' in html
    # the scheduled messages' kind and status (Swedish message ids in the models)
    assert "pending" in html and "reminder" in html
    assert "väntar" not in html and "påminnelse" not in html
    for language, text in (("en", "Give the reason"), ("sv", "Ange en orsak")):
        with translation.override(language), pytest.raises(ValidationError) as exc:
            actions.reopen_invitation(user=world.alice, invitation=invitation.obj, reason=" ")
        assert text in exc.value.message_dict["reason"][0]

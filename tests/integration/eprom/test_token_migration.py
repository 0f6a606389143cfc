"""Links sent before the token key moved to salted_hmac keep working; new ones use it."""

from __future__ import annotations

import datetime as dt

import pytest

from painreg.eprom import actions, tokens

from .conftest import verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_before(invitation):
    """The fixture's invitation as if its link had been sent with the earlier derivation."""
    from painreg.eprom.models import Invitation

    legacy = tokens._legacy_token_for(invitation.obj.token_nonce)
    Invitation.objects.filter(pk=invitation.obj.pk).update(token_hash=tokens.hash_token(legacy))
    invitation.obj.refresh_from_db()
    return legacy


def test_a_new_invitation_gets_only_the_salted_hmac_token(invitation):
    nonce = invitation.obj.token_nonce
    assert invitation.token == tokens.token_for(nonce)
    assert invitation.obj.token_hash != tokens.hash_token(tokens._legacy_token_for(nonce))


def test_a_link_sent_before_opens_and_passes_the_identity_check(client, invitation, sent_before):
    assert client.get(f"/enkat/{sent_before}/").status_code == 200
    response = verify(client, sent_before, "1212")
    assert response.status_code == 302 and response.url.endswith("/sida/1/")
    # The new derivation of the same nonce opens nothing: nothing was re-keyed.
    assert client.get(f"/enkat/{tokens.token_for(invitation.obj.token_nonce)}/").status_code == 404


def test_a_reminder_repeats_the_link_that_was_sent_before(invitation, sent_before, mailoutbox,
                                                           monkeypatch):  # fmt: skip
    from painreg.eprom import reminders

    monkeypatch.setenv("PAINREG_PUBLIC_URL", "https://enkat.example.se")
    assert actions.token_of(invitation.obj) == sent_before
    reminders.send_due(dt.date.today() + dt.timedelta(days=7))
    assert mailoutbox and all(f"/enkat/{sent_before}/" in m.body for m in mailoutbox)


def test_a_link_sent_before_closes_when_it_expires(client, invitation, sent_before):
    from django.utils import timezone

    from painreg.eprom.models import Invitation

    Invitation.objects.filter(pk=invitation.obj.pk).update(
        valid_until=timezone.now() - dt.timedelta(minutes=1)
    )
    assert verify(client, sent_before, "1212").status_code == 410  # the "closed" page

"""Reminders: due messages are sent once, stop when answered or declined; one-year links."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from painreg.cli import main

from .conftest import answer_pages, verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def outbox(mailoutbox, monkeypatch):
    """The e-mails sent, in Django's in-memory outbox (pytest-django's ``mailoutbox``)."""
    monkeypatch.setenv("PAINREG_PUBLIC_URL", "https://enkat.example.se")
    return mailoutbox


def _sent(outbox):
    return sorted(f"To: {', '.join(m.to)}\nSubject: {m.subject}\n\n{m.body}" for m in outbox)


def test_the_invitation_message_is_sent_once_however_often_the_command_runs(invitation, outbox):
    today = dt.date.today()
    assert main(["send-reminders", "--date", today.isoformat()]) == 0
    assert main(["send-reminders", "--date", today.isoformat()]) == 0
    messages = _sent(outbox)
    assert len(messages) == 1
    assert f"https://enkat.example.se/enkat/{invitation.token}/" in messages[0]
    assert "19121212" not in messages[0] and "Smärtrehab" not in messages[0]


def test_reminders_follow_after_7_and_14_days(invitation, outbox):
    from painreg.eprom import reminders

    start = dt.date.today()
    for day in range(0, 20):
        reminders.send_due(start + dt.timedelta(days=day))
    assert len(_sent(outbox)) == 3
    assert sorted(invitation.obj.messages.values_list("status", flat=True)) == ["sent"] * 3


def test_reminders_stop_as_soon_as_the_occasion_is_answered(client, invitation, outbox):
    from painreg.eprom import reminders

    reminders.send_due(dt.date.today())
    verify(client, invitation.token)
    answer_pages(client, invitation.token, invitation.obj)
    client.post(f"/enkat/{invitation.token}/skicka/")
    reminders.send_due(dt.date.today() + dt.timedelta(days=30))
    assert len(_sent(outbox)) == 1


def test_reminders_stop_when_staff_enter_the_answers_on_paper(world, invitation, outbox):
    from painreg.eprom import questionnaire, reminders
    from painreg.registry import actions

    from .conftest import valid_answers

    items = questionnaire.form_items(invitation.obj.instruments)
    actions.save_answers(
        user=world.alice,
        occasion=invitation.occasion,
        answers=valid_answers(items),
        answered_on=dt.date.today(),
    )
    counts = reminders.send_due(dt.date.today() + dt.timedelta(days=30))
    assert counts["skipped (answered)"] == 3 and _sent(outbox) == []


def test_reminders_stop_when_the_patient_opts_out(client, invitation, outbox):
    from painreg.eprom import reminders

    verify(client, invitation.token)
    client.post(f"/enkat/{invitation.token}/paminnelser/")
    reminders.send_due(dt.date.today() + dt.timedelta(days=30))
    assert _sent(outbox) == []


def test_the_one_year_follow_up_link_is_created_from_the_rehab_end_date(
    world, registration, invitation, outbox
):
    from painreg.eprom import reminders
    from painreg.eprom.models import Invitation
    from painreg.registry import actions

    end = dt.date.today() - dt.timedelta(days=1)
    actions.update_registration(user=world.alice, registration=registration,
                                rehab_end_date=end)  # fmt: skip
    followup = registration.occasions.get(kind="followup_1y")
    before = end + dt.timedelta(days=300)
    assert reminders.send_due(before)["followup_invitations"] == 0
    one_year = end.replace(year=end.year + 1)
    counts = reminders.send_due(one_year)
    assert counts["followup_invitations"] == 1
    link = Invitation.objects.get(occasion=followup)
    assert link.email == "patient@example.org"
    assert reminders.send_due(one_year)["followup_invitations"] == 0  # only once


def test_a_failing_gateway_is_recorded_and_reported(invitation, settings, capsys):
    with socket.socket() as probe:  # a port nothing listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    assert main(["send-reminders"]) == 1
    assert "failed: 1" in capsys.readouterr().out
    assert invitation.obj.messages.get(sequence=0).status == "failed"


def test_it_refuses_to_send_without_a_public_address(invitation, monkeypatch, capsys):
    monkeypatch.delenv("PAINREG_PUBLIC_URL")
    assert main(["send-reminders"]) == 2
    assert "PAINREG_PUBLIC_URL" in capsys.readouterr().err

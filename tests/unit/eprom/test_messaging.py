"""Invitation messages: e-mail through Django's e-mail backends, SMS through ours."""

from __future__ import annotations

import importlib

import pytest

from painreg.eprom import messaging
from painreg.errors import UserError

MESSAGE = messaging.Message("email", "patient@example.org", "Dags att svara", "Länk: https://x/")


def test_an_email_goes_through_djangos_backend_from_the_configured_sender(settings, mailoutbox):
    settings.DEFAULT_FROM_EMAIL = "smartregistret@region.example"
    messaging.backend_for("email").send(MESSAGE)
    [sent] = mailoutbox
    assert (sent.from_email, sent.to, sent.subject) == (
        "smartregistret@region.example",
        ["patient@example.org"],
        "Dags att svara",
    )
    assert sent.body == "Länk: https://x/"


def test_the_file_backend_writes_each_email_into_the_outbox(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    messaging.backend_for("email").send(MESSAGE)
    [written] = tmp_path.iterdir()
    text = written.read_text(encoding="utf-8")
    assert "To: patient@example.org" in text and "Subject: Dags att svara" in text


def test_an_sms_is_written_to_the_same_outbox_by_the_file_backend(settings, tmp_path):
    settings.PAINREG_EPROM_SMS_BACKEND = "file"
    settings.EMAIL_FILE_PATH = tmp_path
    sms = messaging.Message("sms", "+46701234567", "Dags att svara", "Länk: https://x/")
    messaging.backend_for("sms").send(sms)
    [written] = tmp_path.iterdir()
    assert written.read_text(encoding="utf-8") == (
        "To: +46701234567\nSubject: Dags att svara\n\nLänk: https://x/\n"
    )


def test_an_sms_gateway_is_a_dotted_path_to_a_class(settings):
    settings.PAINREG_EPROM_SMS_BACKEND = "painreg.eprom.messaging.SmsBackend"
    assert type(messaging.backend_for("sms")) is messaging.SmsBackend


@pytest.mark.parametrize(
    ("setting", "value", "channel", "label"),
    [
        ("EMAIL_BACKEND", "painreg.nowhere.Backend", "email", "e-mail"),
        ("PAINREG_EPROM_SMS_BACKEND", "painreg.nowhere.Gateway", "sms", "sms"),
    ],
)
def test_an_unknown_backend_is_one_clear_error(settings, setting, value, channel, label):
    setattr(settings, setting, value)
    with pytest.raises(UserError, match=f"^unknown {label} backend '{value}'; use console"):
        messaging.backend_for(channel)


@pytest.mark.parametrize(
    ("name", "backend"),
    [
        ("console", "django.core.mail.backends.console.EmailBackend"),
        ("file", "django.core.mail.backends.filebased.EmailBackend"),
        ("locmem", "django.core.mail.backends.locmem.EmailBackend"),
        ("smtp", "django.core.mail.backends.smtp.EmailBackend"),
        ("myregion.mail.Backend", "myregion.mail.Backend"),
    ],
)
def test_the_environment_names_djangos_email_backend_and_server(monkeypatch, name, backend):
    import painreg.settings

    monkeypatch.setenv("PAINREG_EPROM_EMAIL_BACKEND", name)
    monkeypatch.setenv("PAINREG_SMTP_HOST", "smtp.region.example")
    monkeypatch.setenv("PAINREG_SMTP_PORT", "465")
    monkeypatch.setenv("PAINREG_SMTP_TLS", "0")
    monkeypatch.setenv("PAINREG_SMTP_FROM", "smartregistret@region.example")
    try:
        loaded = importlib.reload(painreg.settings)
        assert loaded.EMAIL_BACKEND == backend
        assert (loaded.EMAIL_HOST, loaded.EMAIL_PORT, loaded.EMAIL_USE_TLS) == (
            "smtp.region.example",
            465,
            False,
        )
        assert loaded.DEFAULT_FROM_EMAIL == "smartregistret@region.example"
    finally:
        monkeypatch.undo()
        importlib.reload(painreg.settings)

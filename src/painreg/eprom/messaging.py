"""Message backends for invitations and reminders: e-mail and SMS, pluggable.

Chosen by environment variables (docs/eprom.md, "Message backends"):

=============================  ==================================================
``PAINREG_EPROM_EMAIL_BACKEND``  ``console`` (default), ``file``, ``smtp`` or a
                                 dotted path to a class
``PAINREG_EPROM_SMS_BACKEND``    ``console`` (default), ``file`` or a dotted path
                                 to a :class:`SmsBackend` subclass (the region's
                                 SMS gateway)
``PAINREG_EPROM_OUTBOX``         directory of the ``file`` backend (``var/outbox``)
``PAINREG_SMTP_HOST`` ...        ``_PORT``, ``_USER``, ``_PASSWORD``, ``_TLS``,
                                 ``_FROM`` for the ``smtp`` backend
=============================  ==================================================

A backend has one method, ``send(message)``, which raises on failure; the
caller records the outcome. Message texts never name the clinic or the
patient: an e-mail or SMS may be read by someone else.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Message:
    channel: str  # "email" | "sms"
    to: str
    subject: str
    body: str


class MessageBackend(Protocol):
    def send(self, message: Message) -> None: ...


class ConsoleBackend:
    """Prints the message (development and the demo)."""

    def send(self, message: Message) -> None:
        print(
            f"--- {message.channel} to {message.to}: {message.subject}\n{message.body}\n---",
            file=sys.stdout,
        )


class FileBackend:
    """Writes each message to its own file in the outbox directory (tests, staging)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or Path(os.environ.get("PAINREG_EPROM_OUTBOX", "var/outbox"))

    def send(self, message: Message) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        safe_to = "".join(ch if ch.isalnum() else "_" for ch in message.to)
        path = self.directory / f"{stamp}-{message.channel}-{safe_to}.txt"
        path.write_text(
            f"To: {message.to}\nSubject: {message.subject}\n\n{message.body}\n", encoding="utf-8"
        )


class SmtpBackend:
    """E-mail through Django's SMTP backend, configured from PAINREG_SMTP_* variables."""

    def send(self, message: Message) -> None:
        from django.core.mail import EmailMessage, get_connection

        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host=os.environ.get("PAINREG_SMTP_HOST", "localhost"),
            port=int(os.environ.get("PAINREG_SMTP_PORT", "587")),
            username=os.environ.get("PAINREG_SMTP_USER", ""),
            password=os.environ.get("PAINREG_SMTP_PASSWORD", ""),
            use_tls=os.environ.get("PAINREG_SMTP_TLS", "1") == "1",
            timeout=30,
        )
        sender = os.environ.get("PAINREG_SMTP_FROM", "no-reply@localhost")
        EmailMessage(
            message.subject, message.body, sender, [message.to], connection=connection
        ).send()


class SmsBackend:
    """The interface of an SMS gateway: subclass and implement ``send``.

    A region points ``PAINREG_EPROM_SMS_BACKEND`` at its subclass (for
    example one that posts to the region's SMS service over HTTPS).
    """

    def send(self, message: Message) -> None:
        raise NotImplementedError("an SMS gateway implements send(message)")


_BUILTIN: dict[str, type] = {"console": ConsoleBackend, "file": FileBackend, "smtp": SmtpBackend}


def _load(spec: str, channel: str) -> MessageBackend:
    if spec in _BUILTIN and not (channel == "sms" and spec == "smtp"):
        return _BUILTIN[spec]()
    module_name, _, class_name = spec.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError):
        from painreg.errors import UserError

        raise UserError(
            f"unknown {channel} backend {spec!r}; use console, file"
            f"{', smtp' if channel == 'email' else ''} or a dotted path to a class"
        ) from None
    return cls()


def backend_for(channel: str) -> MessageBackend:
    variable = "PAINREG_EPROM_EMAIL_BACKEND" if channel == "email" else "PAINREG_EPROM_SMS_BACKEND"
    return _load(os.environ.get(variable, "console"), channel)

"""Message backends for invitations and reminders: e-mail through Django, SMS pluggable.

E-mail is sent by Django's e-mail framework (``django.core.mail``) with the
backend and server in the settings, which ``painreg.settings`` reads from the
environment (docs/eprom.md, "Message backends"):

=============================  ==================================================
``PAINREG_EPROM_EMAIL_BACKEND``  ``EMAIL_BACKEND``: ``console`` (default), ``file``,
                                 ``locmem``, ``smtp`` (Django's backends) or a
                                 dotted path to a Django e-mail backend
``PAINREG_EPROM_OUTBOX``         ``EMAIL_FILE_PATH``: directory of the ``file``
                                 backends of both channels (``var/outbox``)
``PAINREG_SMTP_HOST`` ...        ``_PORT``, ``_USER``, ``_PASSWORD``, ``_TLS``,
                                 ``_FROM``: ``EMAIL_HOST`` ... ``DEFAULT_FROM_EMAIL``
``PAINREG_EPROM_SMS_BACKEND``    ``console`` (default), ``file`` or a dotted path
                                 to a :class:`SmsBackend` subclass (the region's
                                 SMS gateway); Django has no SMS framework
=============================  ==================================================

A backend has one method, ``send(message)``, which raises on failure; the
caller records the outcome. Message texts never name the clinic or the
patient: an e-mail or SMS may be read by someone else.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from painreg.errors import UserError


@dataclass(frozen=True)
class Message:
    channel: str  # "email" | "sms"
    to: str
    subject: str
    body: str


class MessageBackend(Protocol):
    def send(self, message: Message) -> None: ...


class EmailBackend:
    """E-mail through the Django e-mail backend of the settings (``EMAIL_BACKEND``).

    One connection for all the messages of a run: the SMTP backend then logs
    in to the server once.
    """

    def __init__(self) -> None:
        try:
            self.connection = get_connection(fail_silently=False)
        except ImportError:
            raise UserError(
                f"unknown e-mail backend {settings.EMAIL_BACKEND!r}; use console, file,"
                " locmem, smtp or a dotted path to a Django e-mail backend"
            ) from None

    def send(self, message: Message) -> None:
        EmailMessage(
            message.subject, message.body, to=[message.to], connection=self.connection
        ).send()


class ConsoleBackend:
    """SMS printed to standard output (development and the demo)."""

    def send(self, message: Message) -> None:
        print(
            f"--- {message.channel} to {message.to}: {message.subject}\n{message.body}\n---",
            file=sys.stdout,
        )


class FileBackend:
    """SMS written each to its own file in the outbox (``EMAIL_FILE_PATH``; tests, staging)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or Path(settings.EMAIL_FILE_PATH)

    def send(self, message: Message) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        safe_to = "".join(ch if ch.isalnum() else "_" for ch in message.to)
        path = self.directory / f"{stamp}-{message.channel}-{safe_to}.txt"
        path.write_text(
            f"To: {message.to}\nSubject: {message.subject}\n\n{message.body}\n", encoding="utf-8"
        )


class SmsBackend:
    """The interface of an SMS gateway: subclass and implement ``send``.

    A region points ``PAINREG_EPROM_SMS_BACKEND`` at its subclass (for
    example one that posts to the region's SMS service over HTTPS).
    """

    def send(self, message: Message) -> None:
        raise NotImplementedError("an SMS gateway implements send(message)")


_SMS_BUILTIN: dict[str, type[MessageBackend]] = {"console": ConsoleBackend, "file": FileBackend}


def _sms_backend(spec: str) -> MessageBackend:
    if spec in _SMS_BUILTIN:
        return _SMS_BUILTIN[spec]()
    module_name, _, class_name = spec.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError):
        raise UserError(
            f"unknown sms backend {spec!r}; use console, file or a dotted path to a class"
        ) from None
    return cls()


def backend_for(channel: str) -> MessageBackend:
    """The backend of ``channel`` ("email" or "sms") as the settings configure it."""
    if channel == "email":
        return EmailBackend()
    return _sms_backend(settings.PAINREG_EPROM_SMS_BACKEND)

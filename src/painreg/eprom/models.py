"""Invitations to answer, their identity checks, autosaved progress and reminders.

Design decisions (docs/eprom.md):

* **Token.** An invitation's link carries a token of 256 bits derived as
  HMAC-SHA256(server secret, random 128-bit nonce). Only the SHA-256 of the
  token is stored (``token_hash``, the lookup key); the nonce is stored so
  that the server, and only the server, can rebuild the link for a reminder.
  Someone who reads the database gets neither a working link nor a way to
  make one without the secret key.
* **Progress is not the register.** Pages the patient has answered are kept
  in ``draft`` (autosave) and go to the register (``registry.actions.save_answers``,
  validated and scored) once, when the patient submits. A half-answered form
  is visible to staff as *partial*; it is not an answer the register counts.
* **Exactly once.** Submission locks the invitation row and checks its state
  in the same transaction as the write; a second submit (double tap, retry
  after a lost response) finds it submitted and stores nothing more.
* These are not patient-data models of the register (no ``GuardedModel``):
  every write still goes through :mod:`painreg.eprom.actions`, which writes
  the audit events.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InvitationStatus(models.TextChoices):
    OPEN = "open", _("öppen")
    SUBMITTED = "submitted", _("besvarad")
    REVOKED = "revoked", _("återkallad")


class Invitation(models.Model):
    """A patient's link to answer the questionnaire of one occasion."""

    occasion = models.ForeignKey(
        "registry.Occasion", on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    token_nonce = models.CharField(max_length=32)
    instruments = models.JSONField(_("instrument"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=InvitationStatus.choices, default="open"
    )
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    valid_until = models.DateTimeField(_("giltig till"))
    language = models.CharField(_("språk"), max_length=8, default="sv")
    email = models.EmailField(_("e-post"), blank=True)
    phone = models.CharField(_("mobilnummer"), max_length=20, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(_("låst"), null=True, blank=True)
    opened_at = models.DateTimeField(_("öppnad"), null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    draft = models.JSONField(default=dict, blank=True)
    current_page = models.PositiveSmallIntegerField(default=1)
    submitted_at = models.DateTimeField(_("inskickad"), null=True, blank=True)
    reminders_stopped_at = models.DateTimeField(_("avböjt påminnelser"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("inbjudan")
        verbose_name_plural = _("inbjudningar")
        constraints = [
            # One live link per occasion: a new invitation revokes the old one.
            models.UniqueConstraint(
                fields=["occasion"], condition=Q(status="open"), name="invitation_one_open"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "submitted", "revoked"]),
                name="invitation_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                name="invitation_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} ({self.status})"

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    @property
    def expired(self) -> bool:
        return timezone.now() > self.valid_until

    @property
    def answerable(self) -> bool:
        patient = self.occasion.registration.patient
        return answerable(
            status=self.status,
            locked_at=self.locked_at,
            valid_until=self.valid_until,
            opted_out_at=patient.opted_out_at,
            deleted_at=patient.deleted_at,
        )


def answerable(
    *,
    status: str,
    locked_at: Any,
    valid_until: Any,
    opted_out_at: Any,
    deleted_at: Any,
) -> bool:
    """Whether an invitation in this state takes answers (the one place of the rule;
    ``eprom.actions.save_page`` applies it to a row read without building models)."""
    return (
        status == InvitationStatus.OPEN
        and locked_at is None
        and not timezone.now() > valid_until
        # A patient who left the register (opt-out, deletion) answers nothing more.
        and opted_out_at is None
        and deleted_at is None
    )


class IdentityAttempt(models.Model):
    """One try at the identity check of a link: the log behind the lockout and the
    per-link rate limit. The address is kept only as a keyed hash."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    address_hash = models.CharField(max_length=64, db_index=True)
    success = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'ok' if self.success else 'fail'}"


class UnknownLinkThrottle(models.Model):
    """Requests for links that do not exist, counted per address (keyed hash) in a window.

    One row per address: a flood of made-up links adds to a count, not to the
    table, and a row whose window has passed is deleted by the next request
    for an unknown link (``eprom.actions.record_unknown_link``). It never
    limits the identity check of a link that exists.
    """

    address_hash = models.CharField(max_length=64, unique=True)
    window_start = models.DateTimeField(default=timezone.now, db_index=True)
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.count} since {self.window_start:%Y-%m-%d %H:%M}"


class MessageKind(models.TextChoices):
    INVITATION = "invitation", _("inbjudan")
    REMINDER = "reminder", _("påminnelse")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("väntar")
    SENT = "sent", _("skickad")
    SKIPPED = "skipped", _("inte skickad")
    FAILED = "failed", _("misslyckades")


class ScheduledMessage(models.Model):
    """An invitation or reminder message due on a day (``painreg send-reminders``).

    ``(invitation, sequence)`` is unique, and a message is claimed (status
    leaves ``pending``) in the same transaction that decides to send it, so
    running the command twice sends nothing twice.
    """

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="messages")
    sequence = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    due_on = models.DateField(db_index=True)
    status = models.CharField(
        max_length=8, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    channel = models.CharField(max_length=8, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["due_on", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "sequence"], name="scheduled_message_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.due_on} ({self.status})"

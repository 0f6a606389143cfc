"""Audit records: events (what was done) and the access log (who looked).

Both are append-only from the application: a row can be created, never
changed or deleted through the ORM (``save`` of an existing row, ``delete``
and queryset ``update``/``delete`` raise). Field-level change history (old
and new values) is django-simple-history's, on the registry models; an
``AuditEvent`` names the action that caused those changes, in the same
transaction.

Rows keep a copy of the username so the record survives a removed account;
their references carry no database constraint and ``DO_NOTHING`` on delete,
so deleting a user, unit or patient never rewrites an audit row.
"""

from __future__ import annotations

import contextvars

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    """Audit records cannot be changed or deleted by the application."""


#: Set only while a patient's data is deleted on request (``audit.history.purge_allowed``):
#: history rows may then be deleted, and audit rows' payloads redacted.
PURGE: contextvars.ContextVar[bool] = contextvars.ContextVar("history_purge", default=False)

#: The fields a redaction may blank: what was written, never that it was written.
REDACTABLE = frozenset({"reason", "detail"})


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        if PURGE.get() and set(kwargs) <= REDACTABLE:
            return super().update(**kwargs)
        raise AppendOnlyError(f"{self.model.__name__} is append-only")

    def delete(self):  # type: ignore[no-untyped-def]
        raise AppendOnlyError(f"{self.model.__name__} is append-only")

    def bulk_update(self, objs, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError(f"{self.model.__name__} is append-only")

    def bulk_create(self, objs, *args, **kwargs):  # type: ignore[no-untyped-def]
        objs = list(objs)
        for obj in objs:
            _require_link(obj)
        return super().bulk_create(objs, *args, **kwargs)


def _require_link(row: models.Model) -> None:
    if getattr(row, "seq", None) is None:
        raise AppendOnlyError(
            f"{type(row).__name__} rows are written through painreg.audit (record_event, "
            "log_access, log_access_many), which links them into their chain"
        )


class AppendOnlyModel(models.Model):
    """An append-only audit row, a link of its table's hash chain (``audit.chain``).

    ``seq`` numbers the rows of the table without gaps; ``prev_hash`` is the
    ``row_hash`` of row ``seq - 1``; ``payload_hash`` the keyed digest of the
    payload (reason, detail) when written, which a redaction keeps; ``row_hash``
    the SHA-256 of the row's facts, its ``payload_hash`` and ``prev_hash``.
    """

    seq = models.BigIntegerField(_("löpnummer"), unique=True, editable=False)
    prev_hash = models.CharField(_("föregående kedjesumma"), max_length=64, editable=False)
    payload_hash = models.CharField(_("innehållssumma"), max_length=64, editable=False)
    row_hash = models.CharField(_("kedjesumma"), max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} is append-only")
        _require_link(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError(f"{type(self).__name__} is append-only")


def _loose_reference(to: str) -> models.ForeignKey:
    """A reference an audit row keeps without a database constraint (see above)."""
    return models.ForeignKey(
        to,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )


class AuditEvent(AppendOnlyModel):
    """One write through ``registry.actions`` (``action`` like ``registration.update``)."""

    at = models.DateTimeField(_("tidpunkt"), default=timezone.now, db_index=True)
    user = _loose_reference(settings.AUTH_USER_MODEL)
    username = models.CharField(_("användare"), max_length=150, blank=True)
    action = models.CharField(_("händelse"), max_length=60, db_index=True)
    unit = _loose_reference("registry.Unit")
    patient = _loose_reference("registry.Patient")
    object_type = models.CharField(_("objekttyp"), max_length=40, blank=True)
    object_id = models.CharField(_("objekt-id"), max_length=40, blank=True)
    reason = models.TextField(_("orsak"), blank=True)
    detail = models.JSONField(_("detaljer"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("händelse")
        verbose_name_plural = _("händelser")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"


class AccessAction(models.TextChoices):
    VIEW_PATIENT = "view_patient", _("visade patient")
    VIEW_REGISTRATION = "view_registration", _("visade registrering")
    VIEW_ANSWERS = "view_answers", _("visade svar")
    VIEW_HISTORY = "view_history", _("visade ändringshistorik")
    VIEW_PROFILE = "view_profile", _("visade svarsprofil")
    SEARCH = "search", _("sökte patient")
    EXPORT = "export", _("exporterade")
    BROWSE_ACCESS_LOG = "browse_access_log", _("läste åtkomstloggen")
    ACCESS_EXTRACT = "access_extract", _("tog ut loggutdrag")


class AccessLog(AppendOnlyModel):
    """One view of identifiable patient data (or of the log itself)."""

    at = models.DateTimeField(_("tidpunkt"), default=timezone.now, db_index=True)
    user = _loose_reference(settings.AUTH_USER_MODEL)
    username = models.CharField(_("användare"), max_length=150, blank=True)
    action = models.CharField(_("åtgärd"), max_length=24, choices=AccessAction.choices)
    unit = _loose_reference("registry.Unit")
    patient = _loose_reference("registry.Patient")
    detail = models.CharField(_("detaljer"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("åtkomst")
        verbose_name_plural = _("åtkomstlogg")
        indexes = [models.Index(fields=["patient", "at"]), models.Index(fields=["unit", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"


class ChainHead(models.Model):
    """The last link of each audit table's chain: its number and hash.

    Every append updates its chain's head first, in the append's transaction:
    that one row lock (PostgreSQL) or the database's write lock (SQLite)
    serialises the writers, so two never link to the same predecessor. The
    head also tells a deleted last event: ``audit verify`` compares it with
    the table's last row.
    """

    chain = models.CharField(_("kedja"), max_length=20, primary_key=True)
    seq = models.BigIntegerField(_("löpnummer"), default=0)
    row_hash = models.CharField(_("kedjesumma"), max_length=64)
    #: The last full check (``painreg audit verify``): when, whether intact, and the
    #: link it ended on when intact, from which the audit page checks what came since.
    checked_at = models.DateTimeField(_("senast kontrollerad"), null=True, blank=True)
    check_ok = models.BooleanField(_("obruten vid kontrollen"), null=True, blank=True)
    checked_seq = models.BigIntegerField(_("kontrollerad till"), default=0)
    checked_hash = models.CharField(_("kontrollerad kedjesumma"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("kedjans huvud")
        verbose_name_plural = _("kedjornas huvuden")

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq}"

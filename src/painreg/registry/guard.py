"""Writes to patient data go through ``registry.actions`` (the job-server habit).

Patient-data models (patients, registrations, occasions, answers, scores)
refuse ``save``, ``delete`` and bulk queryset writes unless they happen inside
:func:`writes_allowed`, which only action functions enter. A write that
bypasses the actions would also bypass the audit event and the stored scores,
so it is better refused loudly than allowed quietly.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from django.db import models

_ALLOWED: contextvars.ContextVar[bool] = contextvars.ContextVar("registry_writes", default=False)


class DirectWriteError(RuntimeError):
    """Raised when code writes patient data without going through ``registry.actions``."""


@contextlib.contextmanager
def writes_allowed() -> Iterator[None]:
    """Let the enclosed code write patient data. For action functions only."""
    token = _ALLOWED.set(True)
    try:
        yield
    finally:
        _ALLOWED.reset(token)


def check_allowed(what: str) -> None:
    if not _ALLOWED.get():
        raise DirectWriteError(
            f"{what}: patient data is written through painreg.registry.actions "
            "(which audits the change), not directly"
        )


class GuardedQuerySet(models.QuerySet):
    """A queryset whose bulk writes are refused outside the actions."""

    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        check_allowed(f"{self.model.__name__}.objects.update")
        return super().update(**kwargs)

    def delete(self):  # type: ignore[no-untyped-def]
        check_allowed(f"{self.model.__name__}.objects.delete")
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):  # type: ignore[no-untyped-def]
        check_allowed(f"{self.model.__name__}.objects.bulk_create")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, *args, **kwargs):  # type: ignore[no-untyped-def]
        check_allowed(f"{self.model.__name__}.objects.bulk_update")
        return super().bulk_update(objs, *args, **kwargs)


class GuardedModel(models.Model):
    """Base of the patient-data models: ``save``/``delete`` only inside the actions."""

    objects = GuardedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        check_allowed(f"{type(self).__name__}.save")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        check_allowed(f"{type(self).__name__}.delete")
        return super().delete(*args, **kwargs)

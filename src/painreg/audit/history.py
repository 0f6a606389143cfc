"""Change history (django-simple-history) is append-only from the application.

History rows of the registry models may be created (simple-history does that
on every save) but not changed or deleted, with one lawful exception:
deletion of a patient's data on request (patientdatalagen 7 kap. 6 §, the
patient's right to have data removed from a national quality register)
must also remove the identifying values kept in the history, and the values
the audit events' payloads hold (:func:`painreg.audit.redact_patient`). That
purge runs only inside :func:`purge_allowed`, used by
``registry.actions.delete_patient``, which writes its own audit event.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db.models.signals import pre_delete, pre_save

from painreg.audit.models import PURGE as _PURGE
from painreg.audit.models import AppendOnlyError


@contextlib.contextmanager
def purge_allowed() -> Iterator[None]:
    """Allow deleting history rows: only for deletion of a patient on request."""
    token = _PURGE.set(True)
    try:
        yield
    finally:
        _PURGE.reset(token)


def _refuse_update(sender, instance, raw=False, **kwargs):  # type: ignore[no-untyped-def]
    if not instance._state.adding and not _PURGE.get():
        raise AppendOnlyError(f"{sender.__name__} is append-only")


def _refuse_delete(sender, instance, **kwargs):  # type: ignore[no-untyped-def]
    if not _PURGE.get():
        raise AppendOnlyError(f"{sender.__name__} is append-only")


def history_models() -> list[type]:
    from simple_history.models import registered_models

    return [
        getattr(model, model._meta.simple_history_manager_attribute).model
        for model in registered_models.values()
        if hasattr(model._meta, "simple_history_manager_attribute")
    ]


def protect_history_models() -> None:
    for model in history_models():
        pre_save.connect(_refuse_update, sender=model, dispatch_uid=f"append_only_save_{model}")
        pre_delete.connect(_refuse_delete, sender=model, dispatch_uid=f"append_only_del_{model}")

"""Every write to the register: one function per create/update/delete, one module per entity.

The opensafely job-server habit: each action is ``@transaction.atomic``,
takes keyword-only arguments, checks that the user may do it, validates
(errors raise ``django.core.exceptions.ValidationError`` keyed by field, so a
form shows each next to its field; nothing is written), writes, and records
an audit event in the same transaction. Field-level history (old/new values,
who, reason) is kept by django-simple-history on the models; patient-data
models refuse writes made outside these functions (``registry.guard``).

When answers are saved the occasion's scores are recomputed with
``painreg.instruments.score_answers`` and stored (ARCHITECTURE.md, "where
scores are computed").

``user=None`` means the system itself (the demo loader, a command run by an
operator); role checks then do not apply and the audit row names
``username``.

The modules: :mod:`.units`, :mod:`.memberships`, :mod:`.patients`,
:mod:`.registrations`, :mod:`.occasions`, :mod:`.answers` (answers and their
scores). Callers write ``from painreg.registry import actions`` and
``actions.<function>``: every action is named here.
"""

from __future__ import annotations

from painreg.registry.actions.answers import recompute_scores, save_answers
from painreg.registry.actions.memberships import add_membership, remove_membership
from painreg.registry.actions.occasions import (
    reopen_occasion,
    set_not_administered,
    sign_off_occasion,
)
from painreg.registry.actions.patients import (
    cancel_opt_out,
    create_external_patient,
    delete_patient,
    opt_out_patient,
    reapply_deletions,
)
from painreg.registry.actions.registrations import (
    create_registration,
    reopen_registration,
    sign_off_registration,
    update_registration,
)
from painreg.registry.actions.units import create_unit, set_unit_year_total, update_unit

__all__ = [
    "add_membership",
    "cancel_opt_out",
    "create_external_patient",
    "create_registration",
    "create_unit",
    "delete_patient",
    "opt_out_patient",
    "reapply_deletions",
    "recompute_scores",
    "remove_membership",
    "reopen_occasion",
    "reopen_registration",
    "save_answers",
    "set_not_administered",
    "set_unit_year_total",
    "sign_off_occasion",
    "sign_off_registration",
    "update_registration",
    "update_unit",
]

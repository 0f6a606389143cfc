"""The migration that makes the audit tables hash chains links the rows already there."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from painreg.audit.chain import verify


@pytest.mark.django_db(transaction=True)
def test_existing_audit_rows_are_linked_in_the_order_they_were_written() -> None:
    before, after = [("audit", "0001_initial")], [("audit", "0002_audit_chain")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    event, access = old.get_model("audit", "AuditEvent"), old.get_model("audit", "AccessLog")
    at = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)
    for i in range(3):
        event.objects.create(at=at, username=f"u{i}", action="old.write", detail={"i": i})
    access.objects.create(at=at, username="u", action="view_patient", detail="sökte")
    access.objects.create(at=at, username="u", action="search", detail="")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)

    from painreg import audit
    from painreg.audit.models import AuditEvent, ChainHead

    events, views = verify("events"), verify("access")
    assert events.ok and views.ok, events.findings + views.findings
    assert (events.rows, views.rows) == (3, 2)
    assert list(AuditEvent.objects.order_by("pk").values_list("seq", flat=True)) == [1, 2, 3]
    assert ChainHead.objects.get(chain="events").seq == 3
    # The application goes on from the migration's head.
    audit.record_event(user=None, username="new", action="new.write")
    assert verify("events").ok and AuditEvent.objects.get(username="new").seq == 4

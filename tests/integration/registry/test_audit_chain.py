"""The audit trail's hash chains: linked on every write, verified, and each kind of
tampering found and named (edited, deleted, inserted), a redaction after deletion
on request still verifying (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
from django.db import connection

from painreg import audit
from painreg.audit.chain import GENESIS, link_hash, verify
from painreg.audit.models import AccessLog, AuditEvent, ChainHead
from painreg.cli import main
from painreg.registry import actions

from .conftest import HADS_ALL_ONES

pytestmark = pytest.mark.django_db


def _events(n: int = 5) -> list[AuditEvent]:
    return [
        audit.record_event(
            user=None, username=f"user{i}", action="test.write", reason=f"r{i}", detail={"i": i}
        )
        for i in range(n)
    ]


def _sql(statement: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _kinds(chain: str = "events") -> list[tuple[str, int | None]]:
    return [(f.kind, f.pk) for f in verify(chain).findings]


def test_every_write_links_to_the_one_before(world: Any) -> None:
    events = _events(4)
    rows = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.row_hash
    head = ChainHead.objects.get(chain="events")
    assert (head.seq, head.row_hash) == (rows[-1].seq, rows[-1].row_hash)
    assert events[-1].row_hash == rows[-1].row_hash
    assert verify("events").ok and verify("access").ok


def test_a_row_hash_is_the_documented_recipe(world: Any) -> None:
    """docs/security.md gives the recipe: an auditor recomputes it without the secret."""
    import hashlib

    event = _events(1)[0]
    event.refresh_from_db()
    body = {
        "chain": "events",
        "seq": event.seq,
        "prev_hash": event.prev_hash,
        "payload_hash": event.payload_hash,
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "user_id": None,
        "username": event.username,
        "action": event.action,
        "unit_id": None,
        "patient_id": None,
        "object_type": "",
        "object_id": "",
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert hashlib.sha256(text.encode()).hexdigest() == event.row_hash


def test_the_payload_digest_is_django_s_salted_hmac(settings: Any) -> None:
    from django.utils.crypto import salted_hmac

    from painreg.audit.chain import payload_digest, payload_text

    text = payload_text("orsak", {"a": [1, "å"]})
    expected = salted_hmac("painreg.audit.payload", text, algorithm="sha256").hexdigest()
    assert payload_digest("orsak", {"a": [1, "å"]}) == expected
    assert payload_digest("orsak", {"a": [1, "å"]}, key="other-key") != expected


def test_an_edited_event_is_named(world: Any) -> None:
    events = _events()
    _sql("UPDATE audit_auditevent SET username = %s WHERE id = %s", "mallory", events[2].pk)
    findings = verify("events").findings
    assert [(f.kind, f.pk) for f in findings] == [("edited", events[2].pk)]
    assert f"event {events[2].pk} (#{events[2].seq}" in findings[0].message
    assert "edited" in findings[0].message


def test_an_edited_payload_is_named(world: Any) -> None:
    events = _events()
    _sql("UPDATE audit_auditevent SET reason = %s WHERE id = %s", "ändrad", events[1].pk)
    assert _kinds() == [("payload", events[1].pk)]


def test_a_deleted_event_is_named_with_its_neighbours(world: Any) -> None:
    events = _events()
    _sql("DELETE FROM audit_auditevent WHERE id = %s", events[2].pk)
    findings = verify("events").findings
    assert [(f.kind, f.pk) for f in findings] == [("deleted", events[3].pk)]
    assert f"#{events[2].seq} missing after event {events[1].pk}" in findings[0].message
    assert f"before event {events[3].pk}" in findings[0].message


def test_deleted_last_events_are_found_by_the_head(world: Any) -> None:
    events = _events()
    _sql("DELETE FROM audit_auditevent WHERE id >= %s", events[3].pk)
    findings = verify("events").findings
    assert [f.kind for f in findings] == ["deleted"]
    assert f"#{events[3].seq}–#{events[4].seq}) are missing" in findings[0].message
    # The next write follows the head: the gap stays visible.
    _events(1)
    assert [f.kind for f in verify("events").findings] == ["deleted"]


def _insert(seq: int, prev_hash: str, row_hash: str, payload_hash: str) -> int:
    _sql(
        "INSERT INTO audit_auditevent (at, username, action, object_type, object_id, reason, "
        "detail, seq, prev_hash, payload_hash, row_hash) "
        "VALUES (%s, 'mallory', 'registration.update', '', '', '', '{}', %s, %s, %s, %s)",
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        seq,
        prev_hash,
        payload_hash,
        row_hash,
    )
    return AuditEvent.objects.get(seq=seq).pk


def test_an_event_inserted_outside_the_application_is_named(world: Any) -> None:
    events = _events()
    last = AuditEvent.objects.get(pk=events[-1].pk)
    # A forger who knows the recipe and copies a payload digest: only the head shows it.
    payload = audit.payload_digest(AuditEvent(reason="", detail={}))
    facts = {
        "at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "user_id": None,
        "username": "mallory",
        "action": "registration.update",
        "unit_id": None,
        "patient_id": None,
        "object_type": "",
        "object_id": "",
    }
    seq = last.seq + 1
    forged = link_hash("events", seq, last.row_hash, payload, facts)
    pk = _insert(seq, last.row_hash, forged, payload)
    findings = verify("events").findings
    assert [(f.kind, f.pk) for f in findings] == [("inserted", pk)]
    assert "added after the chain's head" in findings[0].message


def test_an_event_inserted_with_a_made_up_hash_is_named(world: Any) -> None:
    events = _events()
    last = AuditEvent.objects.get(pk=events[-1].pk)
    pk = _insert(last.seq + 1, last.row_hash, "f" * 64, "e" * 64)
    assert set(_kinds()) == {("edited", pk), ("payload", pk), ("inserted", pk)}


def test_an_event_inserted_in_the_middle_breaks_the_link_of_the_one_it_took_the_place_of(
    world: Any,
) -> None:
    events = _events()
    # Make room: the later events are moved up by one (as an insert in the middle must).
    _sql("UPDATE audit_auditevent SET seq = seq + 100 WHERE seq > %s", events[2].seq)
    _sql("UPDATE audit_auditevent SET seq = seq - 99 WHERE seq > 100")
    pk = _insert(events[2].seq + 1, events[2].row_hash, "a" * 64, "b" * 64)
    kinds = _kinds()
    assert ("edited", pk) in kinds
    assert ("inserted", events[3].pk) in kinds  # no longer links to the row before it


def test_a_chain_rewritten_from_scratch_is_caught_by_an_earlier_anchor(world: Any) -> None:
    events = _events()
    anchor = (events[-1].seq, AuditEvent.objects.get(pk=events[-1].pk).row_hash)
    _sql("UPDATE audit_auditevent SET row_hash = %s WHERE id = %s", "0" * 64, events[-1].pk)
    findings = verify("events", anchors=[anchor]).findings
    assert ("edited", events[-1].pk) in [(f.kind, f.pk) for f in findings]
    assert any("anchor" in f.message for f in findings)


def test_a_redaction_after_deletion_on_request_keeps_both_chains_verifiable(
    world: Any, registration: Any
) -> None:
    actions.save_answers(
        user=world.alice,
        occasion=registration.occasions.get(kind="initial"),
        answers=HADS_ALL_ONES,
        answered_on=dt.date(2025, 1, 20),
    )
    audit.log_access(
        user=world.alice, action="search", patient=registration.patient, detail="sökte 1912"
    )
    actions.delete_patient(
        user=world.erik, unit=None, patient=registration.patient, reason="begäran"
    )
    events, access = verify("events"), verify("access")
    assert events.ok and access.ok, events.findings + access.findings
    assert len(events.redacted) >= 2 and len(access.redacted) == 1
    # A payload blanked outside a redaction is still found.
    other = AuditEvent.objects.exclude(detail={}).exclude(action="audit.redact").first()
    if other is not None:
        _sql("UPDATE audit_auditevent SET detail = '{}' WHERE id = %s", other.pk)
        assert ("payload", other.pk) in _kinds()


def test_the_access_log_is_a_chain_too_and_bulk_writes_link(world: Any, registration: Any) -> None:
    count = audit.log_access_many(
        user=world.alice, action="export", patient_ids=[registration.patient_id, 10**6]
    )
    assert count == 2
    rows = list(AccessLog.objects.order_by("seq"))
    assert rows[-1].prev_hash == rows[-2].row_hash
    assert verify("access").ok
    _sql("DELETE FROM audit_accesslog WHERE id = %s", rows[-2].pk)
    assert [f.kind for f in verify("access").findings] == ["deleted"]


def test_the_verify_command_names_the_break_and_fails(world: Any, capsys: Any) -> None:
    events = _events()
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    head = AuditEvent.objects.order_by("-seq").first()
    assert f"head events:{head.seq}:{head.row_hash}" in out and "ok" in out
    assert main(["audit", "verify", "--anchor", f"events:{head.seq}:{head.row_hash}"]) == 0
    capsys.readouterr()
    _sql("UPDATE audit_auditevent SET action = %s WHERE id = %s", "x", events[0].pk)
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN" in out and f"event {events[0].pk} (#{events[0].seq}" in out


def test_the_verify_command_refuses_a_malformed_anchor(capsys: Any) -> None:
    with pytest.raises(SystemExit):
        main(["audit", "verify", "--anchor", "events:1:nothex"])
    assert "CHAIN:SEQ:HASH" in capsys.readouterr().err


@pytest.mark.never(
    ["sqlite"],
    reason="SQLite serialises every write transaction (IMMEDIATE); the row lock "
    "of the chain's head is PostgreSQL's",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain_on_postgresql() -> None:
    """Eight connections append at once (single events, bulk access entries, and events
    inside longer transactions): every row gets its own number and links to the one
    before it."""
    import threading

    from django.db import close_old_connections, transaction

    writers, per_writer = 8, 40
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                if i % 3 == 0:
                    with transaction.atomic():
                        audit.record_event(user=None, username=f"w{n}", action="test.a")
                        audit.record_event(user=None, username=f"w{n}", action="test.b")
                else:
                    audit.record_event(user=None, username=f"w{n}", action="test.c")
                audit.log_access_many(
                    user=None, username=f"w{n}", action="export", patient_ids=[n, n + 100]
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    events, access = verify("events"), verify("access")
    assert events.ok and access.ok, (events.findings[:3], access.findings[:3])
    assert events.rows == writers * (per_writer + (per_writer + 2) // 3)
    assert access.rows == writers * per_writer * 2
    assert ChainHead.objects.get(chain="events").seq == events.rows


def test_the_page_s_check_starts_at_the_last_intact_full_check(world: Any, capsys: Any) -> None:
    from painreg.audit.chain import verify_since_last_check

    old = _events(3)
    assert main(["audit", "verify"]) == 0  # the daily full check: intact, remembered
    head = ChainHead.objects.get(chain="events")
    assert head.check_ok and head.checked_seq == old[-1].seq and head.checked_at
    new = _events(2)
    report, _head = verify_since_last_check("events")
    assert report.ok and report.rows == 2 and report.since_seq == old[-1].seq
    # A row written since is checked at once; an older one by the next full check.
    _sql("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", new[0].pk)
    assert [(f.kind, f.pk) for f in verify_since_last_check("events")[0].findings] == [
        ("edited", new[0].pk)
    ]
    _sql("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", old[0].pk)
    assert ("edited", old[0].pk) not in [
        (f.kind, f.pk) for f in verify_since_last_check("events")[0].findings
    ]
    assert main(["audit", "verify"]) == 1
    head.refresh_from_db()
    assert head.check_ok is False and head.checked_seq == old[-1].seq  # the last intact one


def test_an_audit_row_saved_around_the_chain_is_refused(world: Any) -> None:
    from painreg.audit.models import AppendOnlyError

    with pytest.raises(AppendOnlyError, match=r"written through painreg\.audit"):
        AuditEvent.objects.create(username="x", action="test.direct")
    with pytest.raises(AppendOnlyError, match=r"written through painreg\.audit"):
        AccessLog.objects.bulk_create([AccessLog(username="x", action="search")])

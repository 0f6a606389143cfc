"""The hash chains of the audit records: append, verify.

Decisions (docs/security.md, "Tamper-evident audit trail"):

* **One chain per table**: the audit events (``events``) and the access log
  (``access``). Each row carries ``seq`` (1, 2, 3, … without gaps),
  ``prev_hash`` (the ``row_hash`` of row ``seq - 1``; 64 zeros for the first),
  ``payload_hash`` and ``row_hash``.
* ``payload_hash`` is the keyed digest (HMAC-SHA256 with the secret key) of
  what the row says beyond the fact (reason and detail): the same digest a
  redaction after deletion on request records for each payload it blanks.
  So a redacted row still verifies: its payload is empty and the redaction
  event (itself a link of the chain) lists its ``payload_hash``. Keyed,
  because an answer value has few enough candidates that a plain hash of it
  could be reversed by guessing.
* ``row_hash`` is a plain SHA-256 of canonical JSON of the chain's name, the
  row's facts (time, user, action, unit, patient, object), ``seq``,
  ``payload_hash`` and ``prev_hash``. Plain, so anyone holding an audit
  export can recompute the chain without the secret (docs/security.md gives
  the recipe), and a key rotation never breaks it.
* **Writers are serialised per chain**: an append first updates the chain's
  head (:class:`~painreg.audit.models.ChainHead`) in the append's
  transaction, then reads it. The update takes the head's row lock on
  PostgreSQL (a second writer waits, then reads the first one's committed
  head) and SQLite's write lock (painreg opens SQLite transactions
  ``IMMEDIATE``), so two writers never link to the same predecessor.

A chain shows an edited, deleted or inserted row to anyone who checks it
without rewriting every row after it; someone able to rewrite the whole
table (and its head) is caught by a head recorded outside the database
earlier (``painreg audit verify --anchor``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64

#: Canonical JSON: keys sorted, no spaces, UTF-8 as is (one encoder, reused).
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))

#: Chain name -> (model name, the facts its row hash commits to, besides seq and hashes).
CHAINS: dict[str, tuple[str, tuple[str, ...]]] = {
    "events": (
        "AuditEvent",
        (
            "at",
            "user_id",
            "username",
            "action",
            "unit_id",
            "patient_id",
            "object_type",
            "object_id",
        ),
    ),
    "access": ("AccessLog", ("at", "user_id", "username", "action", "unit_id", "patient_id")),
}  # fmt: skip

#: What a row is called in a finding.
ROW_NAMES = {"events": "event", "access": "access-log entry"}


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return value


def payload_text(reason: str, detail: Any) -> str:
    """The canonical JSON of a payload that :func:`payload_digest` keys."""
    return _CANONICAL.encode({"reason": reason or "", "detail": detail})


PAYLOAD_SALT = "painreg.audit.payload"


@functools.lru_cache(maxsize=8)
def _payload_key(secret: str) -> bytes:
    """Django's ``salted_hmac`` key derivation, once per secret (verify digests many rows)."""
    return hashlib.sha256((PAYLOAD_SALT + secret).encode("utf-8")).digest()


def payload_digest(reason: str, detail: Any, *, key: str | None = None) -> str:
    """Keyed SHA-256 of the payload: Django's ``salted_hmac`` (salt
    ``painreg.audit.payload``, SHA-256) with ``key``, by default the secret key."""
    if key is None:
        from django.conf import settings

        key = settings.SECRET_KEY
    text = payload_text(reason, detail).encode("utf-8")
    return hmac.new(_payload_key(key), text, hashlib.sha256).hexdigest()


def link_hash(chain: str, seq: int, prev_hash: str, payload_hash: str, facts: dict) -> str:
    """The row hash: SHA-256 of canonical JSON of the chain, the facts and the links."""
    body = {k: _canonical(v) for k, v in facts.items()}
    body.update(chain=chain, seq=seq, prev_hash=prev_hash, payload_hash=payload_hash)
    return hashlib.sha256(_CANONICAL.encode(body).encode("utf-8")).hexdigest()


def _model(chain: str) -> Any:
    from django.apps import apps

    return apps.get_model("audit", CHAINS[chain][0])


def _facts(chain: str, row: Any) -> dict:
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return {name: get(name) for name in CHAINS[chain][1]}


def _claim(chain: str, count: int) -> tuple[int, str]:
    """Take ``chain``'s lock for the caller's transaction; the number of the first
    of ``count`` new rows and the hash to link it to.

    The head is updated (the lock) and read in one statement. The table's last row is
    read too: when it is ahead of the head (a database restored with an older
    head than rows, never the application's own writes) the new rows follow
    that row, so a write never fails on a taken number. A head ahead of the
    table (its last rows deleted) is followed as it is: the gap stays visible.
    """
    from django.db import IntegrityError, connection, transaction

    from painreg.audit.models import ChainHead

    head = _lock_head(connection, chain)
    if head is None:
        # A new database (or one a test emptied): the chain starts here.
        try:
            with transaction.atomic():
                ChainHead.objects.create(chain=chain, seq=0, row_hash=GENESIS)
        except IntegrityError:
            pass  # another writer created it first
        head = _lock_head(connection, chain)
    last = _model(chain).objects.order_by("-seq").values_list("seq", "row_hash").first()
    if last is not None and last[0] > head[0]:
        return last[0] + 1, last[1]
    return head[0] + 1, head[1]


def _lock_head(connection: Any, chain: str) -> tuple[int, str] | None:
    """Lock the chain's head for the transaction and read it, in one statement
    (PostgreSQL and SQLite 3.35+ both return what an UPDATE touched)."""
    from painreg.audit.models import ChainHead

    table = connection.ops.quote_name(ChainHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET seq = seq WHERE chain = %s RETURNING seq, row_hash", [chain]
        )
        return cursor.fetchone()


def append(chain: str, rows: Sequence[Any]) -> None:
    """Link ``rows`` (unsaved instances of the chain's model) and insert them at the
    end of ``chain``, in the caller's transaction (or one of their own)."""
    from django.db import transaction

    from painreg.audit.models import ChainHead

    if not rows:
        return
    model = _model(chain)
    with transaction.atomic():
        seq, prev = _claim(chain, len(rows))
        for row in rows:
            row.seq = seq
            row.prev_hash = prev
            row.payload_hash = payload_digest(getattr(row, "reason", ""), row.detail)
            row.row_hash = link_hash(chain, seq, prev, row.payload_hash, _facts(chain, row))
            seq, prev = seq + 1, row.row_hash
        if len(rows) == 1:
            rows[0].save()
        else:
            model.objects.bulk_create(rows, batch_size=5_000)
        ChainHead.objects.filter(chain=chain).update(seq=seq - 1, row_hash=prev)


# --------------------------------------------------------------------------- verify


@dataclass(frozen=True)
class Finding:
    """One break of a chain: where (``seq``, ``pk``: None when the row is gone) and what."""

    chain: str
    kind: str  # "edited", "deleted", "inserted", "payload"
    seq: int | None
    pk: int | None
    message: str


@dataclass
class ChainReport:
    chain: str
    since_seq: int = 0  # rows after this number were checked (0: the whole chain)
    rows: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    redacted: set[int] = field(default_factory=set)  # ids of redacted rows
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


class _Name:
    """:func:`describe` of a row, made only when a finding needs it."""

    def __init__(self, chain: str, row: dict) -> None:
        self.chain, self.row = chain, row

    def __str__(self) -> str:
        return describe(self.chain, self.row)


def describe(chain: str, row: dict) -> str:
    """A row as a finding names it: its id, number, time, action and user."""
    at = row["at"].astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if row["at"] else "?"
    who = row["username"] or "-"
    return f"{ROW_NAMES[chain]} {row['id']} (#{row['seq']}, {at}, {row['action']}, {who})"


def redacted_digests(chain: str) -> dict[int, str]:
    """Row id -> payload digest, of every row of ``chain`` a redaction blanked."""
    from painreg.audit.models import AuditEvent

    key = {"events": "events", "access": "access"}[chain]
    found: dict[int, str] = {}
    for detail in AuditEvent.objects.filter(action="audit.redact").values_list("detail", flat=True):
        for pk, digest in ((detail or {}).get("digests") or {}).get(key, {}).items():
            found[int(pk)] = digest
    return found


def secret_keys() -> list[str]:
    """The secret key and its fallbacks: a payload digest written under any of them checks."""
    from django.conf import settings

    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def _payload_ok(row: dict, keys: list[str], redacted: dict[int, str]) -> str:
    """ "ok", "redacted" or "" (the payload is not the one the row was written with)."""
    reason, detail = row.get("reason", ""), row["detail"]
    if any(payload_digest(reason, detail, key=k) == row["payload_hash"] for k in keys):
        return "ok"
    if not reason and not detail and redacted.get(row["id"]) == row["payload_hash"]:
        return "redacted"
    return ""


def verify(
    chain: str,
    *,
    anchors: Iterable[tuple[int, str]] = (),
    since: tuple[int, str] | None = None,
) -> ChainReport:
    """Check every row of ``chain`` in order; each break is a :class:`Finding`.

    ``anchors``: (seq, row_hash) pairs recorded earlier (the head printed by an
    earlier verify): a chain rewritten since no longer holds them. ``since``:
    (seq, row_hash) of a link an earlier full check found intact: only the rows
    after it are checked, and the first must link to it.
    """
    from painreg.audit.models import ChainHead

    model = _model(chain)
    report = ChainReport(chain)
    keys, redacted = secret_keys(), redacted_digests(chain)
    names = ["id", "seq", "prev_hash", "payload_hash", "row_hash", "detail", *CHAINS[chain][1]]
    if chain == "events":
        names.append("reason")
    start, prev = since or (0, GENESIS)
    report.since_seq = start
    expected, last = start + 1, None
    hashes = {seq: digest for seq, digest in anchors if seq > start}
    found_anchors: set[int] = set()

    def add(kind: str, row: dict | None, message: str) -> None:
        seq, pk = (row["seq"], row["id"]) if row else (None, None)
        report.findings.append(Finding(chain, kind, seq, pk, message))

    rows = model.objects.filter(seq__gt=start).order_by("seq").values(*names)
    for row in rows.iterator(chunk_size=5_000):
        report.rows += 1
        name = _Name(chain, row)
        if row["seq"] > expected:
            gap = f"#{expected}" if row["seq"] == expected + 1 else f"#{expected}–#{row['seq'] - 1}"
            before = f"after {describe(chain, last)} " if last else ""
            add(
                "deleted",
                row,
                f"{row['seq'] - expected} {ROW_NAMES[chain]}(s) {gap} missing {before}and "
                f"before {name}: deleted",
            )
        elif row["prev_hash"] != prev:
            add(
                "inserted",
                row,
                f"{name} does not link to the {ROW_NAMES[chain]} before it (#{row['seq'] - 1}): "
                "it was inserted, or the one before it replaced",
            )
        facts = _facts(chain, row)
        if (
            link_hash(chain, row["seq"], row["prev_hash"], row["payload_hash"], facts)
            != (row["row_hash"])
        ):
            add("edited", row, f"{name}: its content does not match its hash: edited or forged")
        status = _payload_ok(row, keys, redacted)
        if status == "redacted":
            report.redacted.add(row["id"])
        elif not status:
            add(
                "payload",
                row,
                f"{name}: its reason or detail is not what was written (and no redaction lists "
                "it): edited, or written with a secret key no longer configured",
            )
        if row["seq"] in hashes:
            found_anchors.add(row["seq"])
            if hashes[row["seq"]] != row["row_hash"]:
                add("edited", row, f"{name}: differs from the anchor recorded earlier: rewritten")
        expected, prev, last = row["seq"] + 1, row["row_hash"], row
    for seq in sorted(set(hashes) - found_anchors):
        add("deleted", None, f"the anchored {ROW_NAMES[chain]} #{seq} is missing: deleted")

    head = ChainHead.objects.filter(chain=chain).first()
    report.head_seq = last["seq"] if last else start
    report.head_hash = prev
    if head is not None and head.seq > report.head_seq:
        gap = head.seq - report.head_seq
        add(
            "deleted",
            None,
            f"the last {gap} {ROW_NAMES[chain]}(s) (#{report.head_seq + 1}–#{head.seq}) are "
            "missing: deleted",
        )
    elif head is not None and head.seq < report.head_seq:
        add(
            "inserted",
            last,
            f"{describe(chain, last)} and any after #{head.seq} were added after the chain's "
            "head, outside the application: inserted",
        )
    elif head is not None and last is not None and head.row_hash != last["row_hash"]:
        add("edited", last, f"{describe(chain, last)}: not the last link the application wrote")
    return report


def record_check(report: ChainReport) -> None:
    """Keep a full check's result in the chain's head: when, whether intact and,
    when intact, the link it ended on (:func:`verify_since_last_check` starts there)."""
    from django.utils import timezone

    from painreg.audit.models import ChainHead

    fields: dict[str, Any] = {"checked_at": timezone.now(), "check_ok": report.ok}
    if report.ok:
        fields.update(checked_seq=report.head_seq, checked_hash=report.head_hash)
    ChainHead.objects.filter(chain=report.chain).update(**fields)


def verify_since_last_check(chain: str) -> tuple[ChainReport, Any]:
    """The rows written since the last intact full check, checked (all rows when
    there was none), and the chain's head with that check's time and result.

    Fast enough for a page; the full check (``painreg audit verify``, daily)
    is what finds a change to an older row."""
    from painreg.audit.models import ChainHead

    head = ChainHead.objects.filter(chain=chain).first()
    since = None
    if head is not None and head.checked_seq and head.checked_hash:
        since = (head.checked_seq, head.checked_hash)
    return verify(chain, since=since), head

"""The audit export: the rows of both chains, filtered, with the chains' check.

For the national coordinator (a web page) and the operator (``painreg audit
export``). Each row carries its links (``seq``, ``prev_hash``,
``payload_hash``, ``row_hash``) and ``check``: ``ok``, ``redacted`` (its
payload blanked by a deletion on request, the digest kept) or what
:func:`painreg.audit.chain.verify` found wrong with it. The whole chains are
checked for every export from the last intact full check (``painreg audit
verify``, which finds a change to any older row) to the end (a filtered
selection of rows is not a chain by itself); their heads, the last full
check and the findings are in the JSON export's ``chains`` and, in the CSV,
in the rows' ``check`` column.

Rows name the patient by the register's internal patient id, never a
personnummer, and leave out the payloads (reason and detail: health data and
text staff typed), which only their digest represents. An export that names
patients is a read of identifiable data: the caller logs it
(``registry.access.audit_export_for``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import Any

from painreg.audit.chain import CHAINS, ChainReport, verify_since_last_check

COLUMNS = [
    "chain", "seq", "id", "at", "username", "user_id", "action", "unit", "unit_id",
    "patient_id", "object_type", "object_id", "payload_hash", "prev_hash", "row_hash", "check",
]  # fmt: skip


@dataclass(frozen=True)
class AuditFilter:
    """What an export selects; every field optional. ``date_to`` is inclusive."""

    unit: str | None = None  # unit code
    username: str | None = None
    patient_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in asdict(self).items() if v not in (None, "")]
        return ", ".join(parts) or "everything"


@dataclass
class AuditExport:
    filter: AuditFilter
    rows: list[dict[str, Any]]
    chains: dict[str, ChainReport]
    heads: dict[str, Any]  # the chains' heads: the last full check's time and result

    @property
    def ok(self) -> bool:
        return all(report.ok for report in self.chains.values())

    @property
    def patient_ids(self) -> set[int]:
        return {r["patient_id"] for r in self.rows if r["patient_id"] is not None}


def _local_bounds(selection: AuditFilter) -> dict[str, dt.datetime]:
    from django.utils import timezone

    bounds = {}
    if selection.date_from:
        start = dt.datetime.combine(selection.date_from, dt.time())
        bounds["at__gte"] = timezone.make_aware(start)
    if selection.date_to:
        end = dt.datetime.combine(selection.date_to + dt.timedelta(days=1), dt.time())
        bounds["at__lt"] = timezone.make_aware(end)
    return bounds


def collect(selection: AuditFilter) -> AuditExport:
    """The selected rows of both chains (oldest first within each) and the check."""
    from django.apps import apps

    checked = {name: verify_since_last_check(name) for name in CHAINS}
    chains = {name: report for name, (report, _head) in checked.items()}
    rows: list[dict[str, Any]] = []
    for name, (model_name, facts) in CHAINS.items():
        findings: dict[int, list[str]] = {}
        for finding in chains[name].findings:
            if finding.pk is not None:
                findings.setdefault(finding.pk, []).append(finding.message)
        query = apps.get_model("audit", model_name).objects.filter(**_local_bounds(selection))
        if selection.unit:
            query = query.filter(unit__code=selection.unit)
        if selection.username:
            query = query.filter(username=selection.username)
        if selection.patient_id is not None:
            query = query.filter(patient_id=selection.patient_id)
        fields = ["id", "seq", "payload_hash", "prev_hash", "row_hash", "unit__code", *facts]
        for row in query.order_by("seq").values(*fields).iterator(chunk_size=5_000):
            problems = findings.get(row["id"])
            redacted = row["id"] in chains[name].redacted
            rows.append(
                {
                    "chain": name,
                    "seq": row["seq"],
                    "id": row["id"],
                    "at": row["at"].astimezone(dt.UTC).isoformat(timespec="microseconds"),
                    "username": row["username"],
                    "user_id": row["user_id"],
                    "action": row["action"],
                    "unit": row["unit__code"] or "",
                    "unit_id": row["unit_id"],
                    "patient_id": row["patient_id"],
                    "object_type": row.get("object_type", ""),
                    "object_id": row.get("object_id", ""),
                    "payload_hash": row["payload_hash"],
                    "prev_hash": row["prev_hash"],
                    "row_hash": row["row_hash"],
                    "check": "; ".join(problems)
                    if problems
                    else ("redacted" if redacted else "ok"),
                }
            )
    return AuditExport(selection, rows, chains, {name: h for name, (_r, h) in checked.items()})


def chain_summary(report: ChainReport, head: Any = None) -> dict[str, Any]:
    checked_at = getattr(head, "checked_at", None)
    return {
        "last_full_check": {
            "at": checked_at.astimezone(dt.UTC).isoformat() if checked_at else None,
            "ok": getattr(head, "check_ok", None),
        },
        "checked_after_seq": report.since_seq,
        "rows_checked": report.rows,
        "head_seq": report.head_seq,
        "head_hash": report.head_hash,
        "redacted": len(report.redacted),
        "ok": report.ok,
        "findings": [asdict(f) for f in report.findings],
    }


def to_json(export: AuditExport) -> str:
    document = {
        "filter": {
            k: (str(v) if v is not None else None) for k, v in asdict(export.filter).items()
        },
        "chains": {
            name: chain_summary(r, export.heads.get(name)) for name, r in export.chains.items()
        },
        "ok": export.ok,
        "rows": export.rows,
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def to_csv(export: AuditExport) -> str:
    """CSV for people and programs alike: text cells neutralised (``outputs.csv_text``)."""
    from painreg.outputs import csv_text

    table = [COLUMNS, *([row[c] for c in COLUMNS] for row in export.rows)]
    return csv_text(table, lineterminator="\n")

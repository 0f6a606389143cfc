"""The register as tidy tables for the quality rules, and the counts the pages show.

The tables are read from the database's views of the interchange shape (the
ones the dashboard reads): they carry no identity (``patient_id`` and
``registration_id`` are the database keys, meaningless outside), so a run
reads no identifiable data and logs no access; opted-out and deleted
patients are left out, as from every output. Scores are the stored ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa

#: The database's views of the interchange shape (registry migration 0004): pseudonymised
#: by construction (database keys for ids, no identity) and without opted-out or
#: deleted patients. Answers and scores are limited to those patients' registrations.
_VIEWS: dict[str, str] = {
    "units": "SELECT * FROM painreg_ix_units",
    "unit_year_totals": "SELECT * FROM painreg_ix_unit_year_totals",
    "patients": "SELECT * FROM painreg_ix_patients",
    "registrations": "SELECT * FROM painreg_ix_registrations",
    "answers": "SELECT * FROM painreg_ix_answers WHERE registration_id IN "
    "(SELECT registration_id FROM painreg_ix_registrations)",
    "scores": "SELECT * FROM painreg_ix_scores WHERE registration_id IN "
    "(SELECT registration_id FROM painreg_ix_registrations)",
}
_FETCH = 50_000


def _array(kind: str, values: list[Any]) -> pa.Array:
    """One column of a view as the interchange format types it (SQLite gives dates as
    text and booleans as integers; ids are integers in the views, text in the format)."""
    from painreg.tidy import schema

    if kind == "date":
        if any(isinstance(v, str) for v in values):
            return pa.array(values, pa.string()).cast(pa.date32())
        return pa.array(values, pa.date32())
    if kind == "bool":
        return pa.array([None if v is None else bool(v) for v in values], pa.bool_())
    if kind in ("string", "enum", "list"):
        return pa.array([None if v is None else str(v) for v in values], pa.string())
    return pa.array(values, schema.ARROW_TYPES[kind])


def _read_view(cursor: Any, name: str) -> pa.Table:
    from painreg.tidy import schema

    cursor.execute(_VIEWS[name])
    names = [d[0] for d in cursor.description]
    columns: dict[str, list[Any]] = {n: [] for n in names}
    while rows := cursor.fetchmany(_FETCH):
        for column, values in zip(names, zip(*rows, strict=True), strict=True):
            columns[column].extend(values)
    if name == "scores":
        kinds = {"registration_id": "string", "occasion": "enum", "instrument": "string",
                 "score": "string", "value": "float"}  # fmt: skip
        return pa.table({n: _array(kinds[n], columns[n]) for n in kinds})
    table = schema.get_table(name)
    data = pa.table({n: _array(table.column(n).type, columns[n]) for n in names})
    return schema.conform(table, data)


def register_tables() -> dict[str, pa.Table]:
    """units, unit_year_totals, patients, registrations, answers, scores and occasions."""
    from django.db import connection

    from painreg.registry.models import Occasion

    with connection.cursor() as cursor:
        tables = {name: _read_view(cursor, name) for name in _VIEWS}
    # An imported registration's occasions have no sign-off of their own (the files
    # carry none): unknown, not "not signed off".
    occasions = Occasion.objects.filter(
        registration__patient__opted_out_at__isnull=True,
        registration__patient__deleted_at__isnull=True,
    ).values_list("registration_id", "kind", "signed_off_at", "registration__ref")
    tables["occasions"] = pa.table(
        {
            "registration_id": pa.array([str(o[0]) for o in occasions], pa.string()),
            "occasion": pa.array([o[1] for o in occasions], pa.string()),
            "signed_off": pa.array(
                [None if o[3] and o[2] is None else o[2] is not None for o in occasions],
                pa.bool_(),
            ),
        }
    )
    return tables


def query_counts(units: Iterable[Any]) -> dict[int, dict[str, int]]:
    """Open (open or answered) and closed queries per unit pk."""
    from django.db.models import Count, Q

    from painreg.quality.models import Query, QueryStatus

    rows = (
        Query.objects.filter(unit__in=list(units))
        .values("unit_id")
        .annotate(
            closed=Count("pk", filter=Q(status=QueryStatus.CLOSED)),
            open=Count("pk", filter=~Q(status=QueryStatus.CLOSED)),
        )
    )
    return {r["unit_id"]: {"open": r["open"], "closed": r["closed"]} for r in rows}


def finding_counts(units: Iterable[Any]) -> dict[int, dict[str, int]]:
    """Open findings per unit pk and severity."""
    from django.db.models import Count

    from painreg.quality.models import Finding

    out: dict[int, dict[str, int]] = {}
    for r in (
        Finding.objects.filter(unit__in=list(units), resolved_at__isnull=True)
        .values("unit_id", "severity")
        .annotate(n=Count("pk"))
    ):
        out.setdefault(r["unit_id"], {})[r["severity"]] = r["n"]
    return out

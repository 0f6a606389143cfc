"""The register as tidy tables for the quality rules, and the counts the pages show.

The tables carry no identity: ``patient_id`` and ``registration_id`` are the
database keys (they mean nothing outside), so a run reads no identifiable
data and logs no access. Opted-out and deleted patients are left out, as from
every output.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa


def _table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    from painreg.tidy import schema

    table = schema.get_table(name)
    if not rows:
        return table.arrow_schema.empty_table()
    return schema.conform(table, pa.Table.from_pylist(rows))


def register_tables() -> dict[str, pa.Table]:
    """units, unit_year_totals, patients, registrations, answers and occasions."""
    from painreg.registry.models import Answer, Occasion, Registration, Unit, UnitYearTotal
    from painreg.tidy import schema

    units = [
        {"unit_id": code, "name": name, "region_code": region, "care_level": level,
         "active_from": start, "active_to": end}
        for code, name, region, level, start, end in Unit.objects.values_list(
            "code", "name", "region_id", "care_level", "active_from", "active_to"
        )
    ]  # fmt: skip
    totals = [
        {"unit_id": code, "year": year, "rehab_patients_total": total}
        for code, year, total in UnitYearTotal.objects.values_list(
            "unit__code", "year", "rehab_patients_total"
        )
    ]
    regs = Registration.objects.in_register()
    registrations = []
    patients: dict[int, dict[str, Any]] = {}
    for r in regs.values(
        "pk", "patient_id", "patient__sex", "patient__birth_year", "unit__code", "category",
        "referral_date", "first_visit_date", "rehab_start_date", "rehab_end_date",
        "discontinued", "discontinuation_reason", "main_diagnosis", "secondary_diagnoses",
        "education", "work_measures", "programme", "signed_off_at",
    ).iterator(chunk_size=5_000):  # fmt: skip
        patients[r["patient_id"]] = {
            "patient_id": str(r["patient_id"]),
            "sex": r["patient__sex"] or None,
            "birth_year": r["patient__birth_year"],
        }
        registrations.append(
            {
                "registration_id": str(r["pk"]),
                "patient_id": str(r["patient_id"]),
                "unit_id": r["unit__code"],
                "category": r["category"],
                "referral_date": r["referral_date"],
                "first_visit_date": r["first_visit_date"],
                "rehab_start_date": r["rehab_start_date"],
                "rehab_end_date": r["rehab_end_date"],
                "discontinued": r["discontinued"],
                "discontinuation_reason": r["discontinuation_reason"] or None,
                "main_diagnosis": r["main_diagnosis"] or None,
                "secondary_diagnoses": schema.join_list(r["secondary_diagnoses"] or []),
                "education": r["education"] or None,
                "work_measures": schema.join_list(r["work_measures"] or []),
                "programme": schema.join_list(r["programme"] or []),
                "signed_off": r["signed_off_at"] is not None,
            }
        )
    answers = [
        {"registration_id": str(reg), "occasion": kind, "item": item, "value": value,
         "answered_on": day, "source": source}
        for reg, kind, item, value, day, source in Answer.objects.filter(
            occasion__registration__in=regs
        ).values_list(
            "occasion__registration_id", "occasion__kind", "item", "value", "answered_on",
            "source",
        ).iterator(chunk_size=20_000)
    ]  # fmt: skip
    # An imported registration's occasions have no sign-off of their own (the files
    # carry none): unknown, not "not signed off".
    occasions = Occasion.objects.filter(registration__in=regs).values_list(
        "registration_id", "kind", "signed_off_at", "registration__ref"
    )
    return {
        "units": _table("units", units),
        "unit_year_totals": _table("unit_year_totals", totals),
        "patients": _table("patients", list(patients.values())),
        "registrations": _table("registrations", registrations),
        "answers": _table("answers", answers),
        "occasions": pa.table(
            {
                "registration_id": pa.array([str(o[0]) for o in occasions], pa.string()),
                "occasion": pa.array([o[1] for o in occasions], pa.string()),
                "signed_off": pa.array(
                    [None if o[3] and o[2] is None else o[2] is not None for o in occasions],
                    pa.bool_(),
                ),
            }
        ),
    }


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

"""Export the register to interchange tables (Django side).

Decisions (ARCHITECTURE.md "Interchange format"):

* **Export** streams from the database one chunk of registrations at a time
  (constant memory) and writes every column of the format plus the stored
  ``scores``. Rows are sorted by their keys in Python, not by the database,
  so SQLite and PostgreSQL write the same bytes and export → import → export
  gives identical files. Opted-out and deleted patients are never exported.
  Each export is written to the access log: who, what, how many patients.
  The codebook (``datapackage.json``, ``codebook.xlsx``) is written beside
  the tables (:mod:`painreg.reports.codebook`).
* **Pseudonymised export**: ``patient_id`` is HMAC-SHA256 of the 12-digit
  personnummer with the registry holder's secret (``PAINREG_PSEUDONYM_KEY``),
  hex. The same secret gives the same pseudonym in every export, so the
  holder (only) can link research extracts. External ids are keyed the same
  way (prefixed ``ext:``) so no id leaves the register as it is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from painreg.errors import UserError
from painreg.interop.results import ExportResult, Progress, no_progress
from painreg.reports.codebook import write_codebook
from painreg.tidy import schema

PSEUDONYM_KEY_ENV = "PAINREG_PSEUDONYM_KEY"
EXPORT_CHUNK = 2_000  # registrations per export chunk


def pseudonym_key() -> bytes:
    """The registry holder's secret for pseudonyms (settings or environment)."""
    from django.conf import settings

    from painreg.settings import key_problem

    key = getattr(settings, "PAINREG_PSEUDONYM_KEY", None) or os.environ.get(PSEUDONYM_KEY_ENV, "")
    problem = key_problem(PSEUDONYM_KEY_ENV, key)
    if problem:
        raise UserError(
            f"a pseudonymised export needs the registry holder's secret (the same secret "
            f"gives the same pseudonyms in every export; keep it): {problem}"
        )
    return key.encode("utf-8")


def pseudonymise(identifier: str, key: bytes, *, external: bool = False) -> str:
    """HMAC-SHA256 (hex) of a 12-digit personnummer, or of ``ext:<id>`` for an external id."""
    message = f"ext:{identifier}" if external else identifier
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def counting_date_between(lo: dt.date, hi: dt.date) -> Any:
    """:func:`painreg.tidy.rules.counting_date` in ``lo``..``hi``, as a Django ``Q``."""
    from django.db.models import Q

    return Q(category="rehab", rehab_end_date__range=(lo, hi)) | (
        ~Q(category="rehab") & Q(first_visit_date__range=(lo, hi))
    )


def export_register(
    directory: Path | str,
    *,
    format: str = "csv",
    units: Sequence[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    pseudonymised: bool = False,
    username: str,
    user: Any = None,
    progress: Progress = no_progress,
) -> ExportResult:
    """Write the interchange tables of the register (or a selection) to ``directory``.

    ``units`` limits to those unit codes; ``date_from``/``date_to`` to the
    registrations whose counting date (:func:`painreg.tidy.rules.counting_date`;
    an ongoing rehab has none) lies in the range, and to the unit-year totals
    of those years.
    """
    from painreg import audit
    from painreg.audit.models import AccessAction
    from painreg.registry.models import Patient, Registration, Unit, UnitYearTotal

    directory = Path(directory)
    key = pseudonym_key() if pseudonymised else None
    unit_qs = Unit.objects.all()
    if units:
        found = set(Unit.objects.filter(code__in=units).values_list("code", flat=True))
        unknown = [u for u in units if u not in found]
        if unknown:
            raise UserError(f"no unit with code {', '.join(unknown)}; unit codes are the unit_id")
        unit_qs = unit_qs.filter(code__in=units)
    result = ExportResult(directory)

    unit_rows = sorted(
        unit_qs.values_list(
            "code",
            "name",
            "region_id",
            "care_level",
            "active_from",
            "active_to",
            "hsa_id",
            "connected",
            "pain_care_level",
        )
    )
    result.rows["units"] = schema.write_table(
        directory, "units", [_rows_table("units", unit_rows)], format, private=True
    )
    totals = UnitYearTotal.objects.filter(unit__in=unit_qs)
    if date_from:
        totals = totals.filter(year__gte=date_from.year)
    if date_to:
        totals = totals.filter(year__lte=date_to.year)
    total_rows = sorted(totals.values_list("unit__code", "year", "rehab_patients_total"))
    result.rows["unit_year_totals"] = schema.write_table(
        directory,
        "unit_year_totals",
        [_rows_table("unit_year_totals", total_rows)],
        format,
        private=True,
    )

    regs = Registration.objects.in_register().filter(unit__in=unit_qs)
    if date_from or date_to:
        lo = date_from or dt.date(1900, 1, 1)
        hi = date_to or dt.date(2999, 12, 31)
        regs = regs.filter(counting_date_between(lo, hi))
    reg_fields = (
        "pk", "ref", "patient_id", "unit__code", "category", "referral_date",
        "first_visit_date", "rehab_start_date", "rehab_end_date", "discontinued",
        "discontinuation_reason", "main_diagnosis", "secondary_diagnoses", "education",
        "work_measures", "programme", "signed_off_at",
    )  # fmt: skip
    reg_list = list(regs.values_list(*reg_fields).iterator(chunk_size=5_000))
    selected = bool(units or date_from or date_to)
    patients = Patient.objects.in_register()
    if selected:
        wanted = {r[2] for r in reg_list}
        patient_list = [p for p in patients.values_list(
            "pk", "personnummer", "external_id", "sex", "birth_year"
        ).iterator(chunk_size=10_000) if p[0] in wanted]  # fmt: skip
    else:
        patient_list = list(
            patients.values_list("pk", "personnummer", "external_id", "sex", "birth_year")
        )
    patient_id = {}
    for pk, number, external, _sex, _year in patient_list:
        if key is None:
            patient_id[pk] = number or external
        else:
            patient_id[pk] = (
                pseudonymise(number, key) if number else pseudonymise(external, key, external=True)
            )
    patient_rows = sorted((patient_id[p[0]], p[3] or None, p[4]) for p in patient_list)
    result.rows["patients"] = schema.write_table(
        directory, "patients", [_rows_table("patients", patient_rows)], format, private=True
    )
    result.patients = len(patient_rows)

    public = {r[0]: (r[1] or str(r[0])) for r in reg_list}
    reg_list.sort(key=lambda r: public[r[0]])
    reg_rows = [
        (
            public[r[0]], patient_id[r[2]], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
            r[10] or None, r[11] or None, schema.join_list(r[12] or []), r[13] or None,
            schema.join_list(r[14] or []), schema.join_list(r[15] or []), r[16] is not None,
        )
        for r in reg_list
    ]  # fmt: skip
    result.rows["registrations"] = schema.write_table(
        directory, "registrations", [_rows_table("registrations", reg_rows)], format, private=True
    )

    pks = [r[0] for r in reg_list]
    result.rows["answers"], result.rows["scores"] = _export_answers_and_scores(
        directory, format, pks, public, progress
    )
    from painreg.interop.sick_leave import export_extract

    result.rows.update(
        export_extract(
            directory, format, patient_id, {r[2] for r in reg_list} if selected else None
        )
    )
    write_codebook(directory, format, pseudonymised=pseudonymised, private=True)
    what = "pseudonymised" if pseudonymised else "identified"
    scope = []
    if units:
        scope.append(f"units {','.join(units)}")
    if date_from or date_to:
        scope.append(f"dates {date_from or '…'}–{date_to or '…'}")
    detail = f"interchange export ({what}, {format}) to {directory}"
    audit.log_access(
        user=user,
        action=AccessAction.EXPORT,
        username=username,
        detail=(
            f"{detail}: {result.patients} patients, {result.rows['registrations']} registrations"
            + (f"; {'; '.join(scope)}" if scope else "")
        ),
    )
    # The files hold each patient's data: each patient's access extract lists the export.
    audit.log_access_many(
        user=user,
        action=AccessAction.EXPORT,
        username=username,
        patient_ids=[p[0] for p in patient_list],
        detail=detail,
    )
    return result


def _rows_table(name: str, rows: list[tuple]) -> pa.Table:
    """Rows holding every column of table ``name``, in order, as an Arrow table."""
    table = schema.get_table(name)
    if not rows:
        return table.arrow_schema.empty_table()
    columns = list(zip(*rows, strict=True))
    return pa.table(
        {
            col.name: pa.array(list(values), type=col.arrow_type)
            for col, values in zip(table.columns, columns, strict=True)
        }
    )


def _export_answers_and_scores(
    directory: Path, format: str, pks: list[int], public: dict[int, str], progress: Progress
) -> tuple[int, int]:
    from painreg.registry.models import Answer, Score

    with (
        schema.TableWriter(directory, "answers", format, private=True) as answers,
        schema.TableWriter(directory, "scores", format, private=True) as scores,
    ):
        for start in range(0, len(pks), EXPORT_CHUNK):
            chunk = pks[start : start + EXPORT_CHUNK]
            rows = list(
                Answer.objects.filter(occasion__registration_id__in=chunk)
                .values_list(
                    "occasion__registration_id",
                    "occasion__kind",
                    "item",
                    "value",
                    "answered_on",
                    "source",
                )
                .order_by()
            )
            answers.write(_sorted_chunk("answers", rows, public))
            rows = list(
                Score.objects.filter(occasion__registration_id__in=chunk)
                .values_list(
                    "occasion__registration_id", "occasion__kind", "instrument", "score", "value"
                )
                .order_by()
            )
            scores.write(_sorted_chunk("scores", rows, public))
            progress("exporting registrations", min(start + EXPORT_CHUNK, len(pks)), len(pks))
    return answers.rows, scores.rows


def _sorted_chunk(name: str, rows: list[tuple], public: dict[int, str]) -> pa.Table:
    table = schema.get_table(name)
    if not rows:
        return table.arrow_schema.empty_table()
    rows = [(public[r[0]], *r[1:]) for r in rows]
    rows.sort(key=lambda r: r[: len(table.key)])
    return _rows_table(name, rows)

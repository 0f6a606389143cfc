"""Bulk-import interchange tables into the register (Django side).

Decisions (ARCHITECTURE.md "Interchange format"):

* **Import** validates every file first (:mod:`painreg.tidy.validation`,
  with the ids the database holds) and writes nothing if anything is
  rejected; then it loads everything in one transaction by bulk loading:
  ``COPY`` on PostgreSQL, multi-row ``INSERT`` on SQLite. Rows whose id
  exists already (unit code, personnummer/external id, registration id,
  answer of the same occasion and item) are left as they are, so importing
  the same files twice adds nothing; corrections of existing rows go through
  the application, where every change is audited field by field.
* Bulk loading bypasses the per-row actions (``registry.actions``) by design,
  so it does what they would do in bulk: it creates the occasions of new
  registrations, stores the scores :func:`painreg.instruments.score_answers`
  computes for every occasion that received answers, sets the occasions'
  status, and writes ONE audit event for the whole import (with counts).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from painreg.interop import sick_leave
from painreg.interop.answers import AnswerWriter
from painreg.interop.bulk import db_datetime
from painreg.interop.results import ImportRejected, ImportResult, Progress, no_progress
from painreg.tidy import schema
from painreg.tidy.validation import Known, ValidationOutcome, validate_directory

OCCASION_KINDS = {"rehab": schema.OCCASIONS, "assessment": ("initial",)}


def known_ids() -> Known:
    """Ids the database holds, for the validator's references."""
    from painreg.registry.models import Patient, Registration, Unit

    known = Known()
    known.unit_ids = set(Unit.objects.values_list("code", flat=True))
    for number, external in Patient.objects.values_list("personnummer", "external_id"):
        known.patient_ids.add(number or external)
    for pk, ref, category in Registration.objects.values_list("pk", "ref", "category"):
        rid = ref or str(pk)
        known.registration_ids.add(rid)
        if category == "assessment":
            known.assessment_ids.add(rid)
    known.patient_ids.discard(None)  # type: ignore[arg-type]
    return known


def import_register(
    directory: Path | str,
    *,
    username: str,
    check_only: bool = False,
    skip_unknown_patients: bool = False,
    update_units: bool = False,
    progress: Progress = no_progress,
) -> ImportResult:
    """Validate ``directory``; unless ``check_only``, load it in one transaction.

    ``update_units``: units the register holds take the file's active period,
    connection and pain care level (each change audited through
    ``registry.actions.units.update_unit``); their code, region and care level
    must be the register's. Without it, existing units are left as they are.

    Raises :class:`ImportRejected` (nothing written) when any row is rejected.
    ``skip_unknown_patients``: sick-leave periods of patients not in the register
    are skipped and counted instead (:mod:`painreg.interop.sick_leave`).
    """
    from django.db import transaction

    directory = Path(directory)
    progress("validating", 0, None)
    report = validate_directory(directory, known_ids(), skip_unknown_patients=skip_unknown_patients)
    if report.ok:
        _check_existing_registrations(directory, report)
    if report.ok and update_units:
        _check_existing_units(directory, report)
    result = ImportResult(report)
    if not report.ok:
        raise ImportRejected(report)
    if check_only:
        return result
    with transaction.atomic():
        loader = _Loader(directory, report, result, username, progress)
        loader.update_units = update_units
        loader.run()
    result.written = True
    return result


def _check_existing_registrations(directory: Path, report: ValidationOutcome) -> None:
    """A registration_id the register holds must be the same patient at the same unit.

    Ids of registrations entered in the application are database ids, so a
    file from another database could name one of ours by accident; its
    answers must not be attached to someone else's registration.
    """
    from painreg.registry.models import Registration
    from painreg.tidy import personnummer as pnr
    from painreg.tidy.validation import Problem

    data = schema.read_table(directory, "registrations")
    if data is None or data.num_rows == 0:
        return
    ours: dict[str, tuple[str, str]] = {}
    for pk, ref, number, external, unit in Registration.objects.values_list(
        "pk", "ref", "patient__personnummer", "patient__external_id", "unit__code"
    ):
        ours[ref or str(pk)] = (number or external or "", unit)
    fname = report.files["registrations"].name
    for row, (rid, pid, unit) in enumerate(
        zip(
            data.column("registration_id").to_pylist(),
            data.column("patient_id").to_pylist(),
            data.column("unit_id").to_pylist(),
            strict=True,
        ),
        start=1,
    ):
        if rid not in ours:
            continue
        our_patient, our_unit = ours[rid]
        if our_patient != pnr.patient_key(pid):
            reason = (
                f"{rid} is the id of another patient's registration in the register (files from "
                "another register, or a pseudonymised export of this one, reuse its ids); "
                "give the registration another id"
            )
        elif our_unit != unit:
            reason = (
                f"{rid} is this patient's registration at unit {our_unit} in the register, "
                f"not at {unit}; correct the unit_id, or give the registration another id"
            )
        else:
            continue
        report.add(Problem(fname, row, "registration_id", reason))


def _check_existing_units(directory: Path, report: ValidationOutcome) -> None:
    """For ``--update-units``: an existing unit keeps its region and care level, and
    its pain care level must agree with that care level."""
    from painreg.registry.models import Unit
    from painreg.tidy.validation import Problem

    data = schema.read_table(directory, "units")
    if data is None:
        return
    ours = {u.code: u for u in Unit.objects.all()}
    fname = report.files["units"].name
    for row, values in enumerate(data.to_pylist(), start=1):
        unit = ours.get(values["unit_id"])
        if unit is None:
            continue
        for column, field in (("region_code", "region_id"), ("care_level", "care_level")):
            if values[column] != getattr(unit, field):
                report.add(
                    Problem(
                        fname, row, column,
                        f"unit {unit.code} has {getattr(unit, field)} in the register; an "
                        "update import changes only active_from, active_to, connected and "
                        "pain_care_level",
                    )
                )  # fmt: skip


class _Loader(AnswerWriter):
    """One import: bulk writes in dependency order, inside the caller's transaction."""

    def __init__(
        self,
        directory: Path,
        report: ValidationOutcome,
        result: ImportResult,
        username: str,
        progress: Progress,
    ) -> None:
        from django.utils import timezone

        super().__init__()
        self.directory = directory
        self.report = report
        self.result = result
        self.username = username
        self.progress = progress
        self.now = timezone.now()

    # ----------------------------------------------------------------- tables

    update_units = False

    def run(self) -> None:
        self._units()
        self._unit_year_totals()
        self._patients()
        self._registrations()
        touched = self._answers()
        self._scores_and_statuses(touched)
        sick_leave.load_extract(self)
        self._audit()
        self._analyse()

    def _read(self, name: str) -> pa.Table | None:
        return schema.read_table(self.directory, name)

    def _units(self) -> None:
        from painreg.registry.models import Unit

        data = self._read("units")
        if data is None:
            return
        existing = set(Unit.objects.values_list("code", flat=True))
        new = data.filter(
            pc.invert(pc.is_in(data.column("unit_id"), pa.array(sorted(existing), pa.string())))
        )
        table = pa.table(
            {
                "code": new.column("unit_id"),
                "name": new.column("name"),
                "region_id": new.column("region_code"),
                "care_level": new.column("care_level"),
                "active_from": new.column("active_from"),
                "active_to": new.column("active_to"),
                "hsa_id": new.column("hsa_id"),
                "connected": new.column("connected"),
                "pain_care_level": new.column("pain_care_level"),
            }
        )
        added = self._insert(Unit, table.column_names, table)
        self._count("units", added, data.num_rows - added)
        if self.update_units:
            known = pa.array(sorted(existing), pa.string())
            self._update_units(data.filter(pc.is_in(data.column("unit_id"), known)))
        self.unit_pk = dict(Unit.objects.values_list("code", "pk"))

    def _update_units(self, rows: pa.Table) -> None:
        """``--update-units``: an existing unit's active period, connection and
        level take the file's values, each change through the audited action."""
        from painreg.registry.actions.units import UPDATABLE, update_unit
        from painreg.registry.models import Unit

        units = Unit.objects.in_bulk(rows.column("unit_id").to_pylist(), field_name="code")
        changed = 0
        for row in rows.to_pylist():
            values = {field: row[field] for field in UPDATABLE}
            if update_unit(
                user=None, username=self.username, unit=units[row["unit_id"]], via="import",
                reason="update import of interchange files", **values,
            ):  # fmt: skip
                changed += 1
        self.result.updated["units"] = changed

    def _unit_pks(self) -> dict[str, int]:
        from painreg.registry.models import Unit

        if not hasattr(self, "unit_pk"):
            self.unit_pk = dict(Unit.objects.values_list("code", "pk"))
        return self.unit_pk

    def _unit_year_totals(self) -> None:
        from painreg.registry.models import UnitYearTotal

        data = self._read("unit_year_totals")
        if data is None:
            return
        unit_pk = self._unit_pks()
        existing = set(UnitYearTotal.objects.values_list("unit__code", "year"))
        rows = [
            (unit_pk[u], y, t)
            for u, y, t in zip(
                data.column("unit_id").to_pylist(),
                data.column("year").to_pylist(),
                data.column("rehab_patients_total").to_pylist(),
                strict=True,
            )
            if (u, y) not in existing
        ]
        table = pa.table(
            {
                "unit_id": pa.array([r[0] for r in rows], pa.int64()),
                "year": pa.array([r[1] for r in rows], pa.int64()),
                "rehab_patients_total": pa.array([r[2] for r in rows], pa.int64()),
            }
        )
        added = self._insert(UnitYearTotal, table.column_names, table)
        self._count("unit_year_totals", added, data.num_rows - added)

    def _patients(self) -> None:
        from painreg.registry.models import Patient
        from painreg.tidy import personnummer as pnr

        data = self._read("patients")
        if data is None:
            return
        existing = set()
        for number, external in Patient.objects.values_list("personnummer", "external_id"):
            existing.add(number or external)
        numbers, externals, births, sexes, years = [], [], [], [], []
        present = 0
        for pid, sex, year in zip(
            data.column("patient_id").to_pylist(),
            data.column("sex").to_pylist(),
            data.column("birth_year").to_pylist(),
            strict=True,
        ):
            if pnr.looks_like_personnummer(pid):
                parsed = pnr.parse(pid)  # validated already
                if parsed.digits in existing:
                    present += 1
                    continue
                numbers.append(parsed.digits)
                externals.append(None)
                births.append(parsed.birth_date)
            else:
                if pid in existing:
                    present += 1
                    continue
                numbers.append(None)
                externals.append(pid)
                births.append(None)
            sexes.append(sex)
            years.append(year)
        n = len(numbers)
        created = db_datetime(self.connection, self.now)
        table = pa.table(
            {
                "personnummer": pa.array(numbers, pa.string()),
                "external_id": pa.array(externals, pa.string()),
                "sex": pa.array(sexes, pa.string()),
                "birth_date": pa.array(births, pa.date32()),
                "birth_year": pa.array(years, pa.int64()),
                "created_at": pa.array([created] * n, pa.string()),
            }
        )
        added = self._insert(Patient, table.column_names, table)
        self._count("patients", added, present)

    def _patient_pks(self) -> dict[str, int]:
        from painreg.registry.models import Patient

        out: dict[str, int] = {}
        for pk, number, external in Patient.objects.values_list(
            "pk", "personnummer", "external_id"
        ):
            if number:
                out[number] = pk
            if external:
                out[external] = pk
        return out

    def _registrations(self) -> None:
        import json

        from painreg.registry.models import Occasion, Registration
        from painreg.tidy import personnummer as pnr

        data = self._read("registrations")
        self.reg_pk, self.reg_category, self.preexisting = self._registration_index()
        if data is None:
            return
        unit_pk = self._unit_pks()
        patient_pk = self._patient_pks()
        rows = data.to_pylist()
        new = [r for r in rows if r["registration_id"] not in self.reg_pk]
        created = db_datetime(self.connection, self.now)

        def patient(pid: str) -> int:
            return patient_pk[pnr.patient_key(pid)]

        def js(value: str | None) -> str:
            return json.dumps(schema.split_list(value))

        table = pa.table(
            {
                "ref": pa.array([r["registration_id"] for r in new], pa.string()),
                "patient_id": pa.array([patient(r["patient_id"]) for r in new], pa.int64()),
                "unit_id": pa.array([unit_pk[r["unit_id"]] for r in new], pa.int64()),
                "category": pa.array([r["category"] for r in new], pa.string()),
                "referral_date": pa.array([r["referral_date"] for r in new], pa.date32()),
                "first_visit_date": pa.array([r["first_visit_date"] for r in new], pa.date32()),
                "rehab_start_date": pa.array([r["rehab_start_date"] for r in new], pa.date32()),
                "rehab_end_date": pa.array([r["rehab_end_date"] for r in new], pa.date32()),
                "discontinued": pa.array([bool(r["discontinued"]) for r in new], pa.bool_()),
                "discontinuation_reason": pa.array(
                    [r["discontinuation_reason"] or "" for r in new], pa.string()
                ),
                "main_diagnosis": pa.array([r["main_diagnosis"] or "" for r in new], pa.string()),
                "secondary_diagnoses": pa.array([js(r["secondary_diagnoses"]) for r in new]),
                "education": pa.array([r["education"] or "" for r in new], pa.string()),
                "work_measures": pa.array([js(r["work_measures"]) for r in new]),
                "programme": pa.array([js(r["programme"]) for r in new]),
                "signed_off_at": pa.array(
                    [created if r["signed_off"] is not False else None for r in new], pa.string()
                ),
                "created_at": pa.array([created] * len(new), pa.string()),
                "updated_at": pa.array([created] * len(new), pa.string()),
            }
        )
        added = self._insert(Registration, table.column_names, table)
        self._count("registrations", added, len(rows) - len(new))
        # Occasions of the new registrations (the actions create them with the registration).
        self.reg_pk, self.reg_category, _ = self._registration_index()
        occ_reg, occ_kind = [], []
        for r in new:
            pk = self.reg_pk[r["registration_id"]]
            for kind in OCCASION_KINDS[r["category"]]:
                occ_reg.append(pk)
                occ_kind.append(kind)
        occasions = pa.table(
            {
                "registration_id": pa.array(occ_reg, pa.int64()),
                "kind": pa.array(occ_kind, pa.string()),
                "status": pa.array(["not_started"] * len(occ_reg), pa.string()),
                "not_administered": pa.array(["{}"] * len(occ_reg), pa.string()),
            }
        )
        self._insert(Occasion, occasions.column_names, occasions)

    def _registration_index(self) -> tuple[dict[str, int], dict[str, str], set[str]]:
        from painreg.registry.models import Registration

        pk_of: dict[str, int] = {}
        category: dict[str, str] = {}
        for pk, ref, cat in Registration.objects.values_list("pk", "ref", "category"):
            rid = ref or str(pk)
            pk_of[rid] = pk
            category[rid] = cat
        previous = getattr(self, "preexisting", None)
        return pk_of, category, set(pk_of) if previous is None else previous

    def _audit(self) -> None:
        from painreg import audit

        audit.record_event(
            user=None,
            username=self.username,
            action="register.import",
            reason="bulk import of interchange files",
            detail={
                "directory": str(self.directory),
                "added": self.result.added,
                "already_present": self.result.already_present,
                "updated": self.result.updated,
            },
        )


def iter_problems(report: ValidationOutcome) -> Iterable[str]:
    from painreg.tidy.validation import format_report

    return format_report(report)

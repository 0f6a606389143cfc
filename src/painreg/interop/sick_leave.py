"""Importing and exporting the sick-leave extract from Försäkringskassan (Django side).

Decisions (DOMAIN.md, "Sick leave from Försäkringskassan"; docs/decisions.md):

* An extract is imported whole, in the import's transaction, after
  validation (:mod:`painreg.tidy.validation`: nothing is written when a row
  is rejected). Periods partly outside the covered period are clipped to it
  and counted; periods of patients not in the register are refused, or with
  ``--skip-unknown-patients`` skipped and counted.
* A new extract **replaces** the previous one: its periods are deleted and
  the new ones written. The audit event of the import keeps what was
  replaced (covered period, digest, counts). The digest is SHA-256 over the
  extract's rows as they would be stored (register patient, benefit, clipped
  dates, extent; sorted), so the same extract imported twice changes
  nothing the second time.
* The export writes the extract beside the register's tables when the
  register holds one, with the same patient ids as ``patients`` (the keyed
  pseudonym in a pseudonymised export), losslessly: exported and imported
  again it gives the same digest.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from painreg.tidy import schema


def _patient_index(loader: Any) -> tuple[pa.Array, pa.Array]:
    """(the register's patient ids as in files, their database keys)."""
    pks = loader._patient_pks()
    return pa.array(list(pks), pa.string()), pa.array(list(pks.values()), pa.int64())


def _rows(directory: Path, loader: Any) -> tuple[Any, pa.Table, int, int]:
    """(coverage row, the periods to store with ``patient_pk``, clipped, skipped)."""
    from painreg.tidy import personnummer as pnr

    coverage = schema.read_table(directory, "sick_leave_coverage").to_pylist()[0]
    data = schema.read_table(directory, "sick_leave")
    ids = data.column("patient_id")
    unique = pc.unique(ids).to_pylist()
    keys = pa.array([pnr.patient_key(u) for u in unique], pa.string())
    known, pks = _patient_index(loader)
    at = pc.index_in(keys, value_set=known)
    pk_of_unique = pc.take(pks, at)
    patient_pk = pc.take(pk_of_unique, pc.index_in(ids, value_set=pa.array(unique, pa.string())))
    found = pc.is_valid(patient_pk)
    skipped = data.num_rows - pc.sum(found.cast(pa.int64())).as_py() if data.num_rows else 0
    data = data.append_column("patient_pk", patient_pk).filter(found)
    first = pa.scalar(coverage["covers_from"], pa.date32())
    last = pa.scalar(coverage["covers_to"], pa.date32())
    starts, ends = data.column("start_date"), data.column("end_date")
    outside = pc.or_(pc.less(starts, first), pc.greater(ends, last))
    clipped = pc.sum(outside.cast(pa.int64())).as_py() or 0
    rows = pa.table(
        {
            "patient_id": data.column("patient_pk"),
            "benefit": data.column("benefit"),
            "start_date": pc.max_element_wise(starts, first),
            "end_date": pc.min_element_wise(ends, last),
            "extent": data.column("extent"),
        }
    )
    rows = rows.sort_by([(c, "ascending") for c in rows.column_names])
    return coverage, rows, clipped, skipped


def digest(coverage: dict[str, Any], rows: pa.Table) -> str:
    """SHA-256 of an extract as stored: the covered period and the sorted rows."""
    h = hashlib.sha256(f"{coverage['covers_from']}..{coverage['covers_to']}\n".encode())
    for batch in rows.to_batches(max_chunksize=262_144):
        columns = [c.to_pylist() for c in batch.columns]
        h.update("\n".join(",".join(map(str, r)) for r in zip(*columns, strict=True)).encode())
        h.update(b"\n")
    return h.hexdigest()


def load_extract(loader: Any) -> None:
    """Replace the register's extract with the one in ``loader.directory`` (if any).

    ``loader`` is the import's :class:`painreg.interop.load._Loader`, inside its
    transaction.
    """
    from django.utils import timezone

    from painreg import audit
    from painreg.interop.bulk import writes
    from painreg.registry.models import SickLeaveExtract, SickLeavePeriod

    if "sick_leave" not in loader.report.files:
        return
    coverage, rows, clipped, skipped = _rows(loader.directory, loader)
    # The register's key: the same extract of the same patients is the same.
    key = digest(coverage, rows)
    previous = SickLeaveExtract.objects.first()
    if previous is not None and previous.digest == key:
        loader._count("sick_leave", 0, rows.num_rows)
        return
    replaced = None
    if previous is not None:
        replaced = {
            "covers_from": str(previous.covers_from),
            "covers_to": str(previous.covers_to),
            "digest": previous.digest,
            "periods": previous.periods,
            "imported_at": previous.imported_at.isoformat(),
            "imported_by": previous.imported_by,
        }
        with writes():
            SickLeavePeriod.objects.all().delete()
        previous.delete()
    extract = SickLeaveExtract.objects.create(
        covers_from=coverage["covers_from"],
        covers_to=coverage["covers_to"],
        digest=key,
        periods=rows.num_rows,
        clipped=clipped,
        skipped_unknown=skipped,
        imported_at=timezone.now(),
        imported_by=loader.username,
    )
    table = rows.rename_columns(["patient_id", "benefit", "start_date", "end_date", "extent"])
    table = table.append_column("extract_id", pa.array([extract.pk] * rows.num_rows, pa.int64()))
    added = loader._insert(SickLeavePeriod, table.column_names, table)
    loader._count("sick_leave", added, 0)
    audit.record_event(
        user=None,
        username=loader.username,
        action="sick_leave.import",
        reason="sick-leave extract from Försäkringskassan (replaces the previous one)",
        detail={
            "directory": str(loader.directory),
            "covers_from": str(coverage["covers_from"]),
            "covers_to": str(coverage["covers_to"]),
            "digest": key,
            "periods": rows.num_rows,
            "clipped": clipped,
            "skipped_unknown_patients": skipped,
            "replaced": replaced,
        },
    )


def export_extract(
    directory: Path, format: str, patient_id: dict[int, str], patients: set[int] | None
) -> dict[str, int]:
    """Write the register's extract (when it holds one) with the export's patient ids.

    ``patients``: only these patients' periods (a selected export), else every
    exported patient's. Returns rows per table written (nothing without an extract).
    """
    from painreg.registry.models import SickLeaveExtract, SickLeavePeriod

    extract = SickLeaveExtract.objects.first()
    if extract is None:
        return {}
    coverage = [{"covers_from": extract.covers_from, "covers_to": extract.covers_to}]
    out = {
        "sick_leave_coverage": schema.write_table(
            directory, "sick_leave_coverage", coverage, format, private=True
        )
    }
    wanted = set(patient_id) if patients is None else patients & set(patient_id)
    rows = [
        (patient_id[p], b, s, e, x)
        for p, b, s, e, x in SickLeavePeriod.objects.filter(extract=extract)
        .values_list("patient_id", "benefit", "start_date", "end_date", "extent")
        .iterator(chunk_size=20_000)
        if p in wanted
    ]
    rows.sort()
    table = schema.get_table("sick_leave")
    data = (
        pa.table(
            {
                c.name: pa.array(list(v), c.arrow_type)
                for c, v in zip(table.columns, zip(*rows, strict=True), strict=True)
            }
        )
        if rows
        else table.arrow_schema.empty_table()
    )
    out["sick_leave"] = schema.write_table(directory, "sick_leave", [data], format, private=True)
    return out

"""Database views of the interchange shape, for the unit dashboard (docs/dashboard.md).

Decision (ARCHITECTURE.md, "Where scores and indicators are computed"): the
indicators are Ibis expressions over tables shaped like the interchange
format; the web dashboard runs the same expressions on the live database
through these views. They are read-only and hold no data of their own.

* ``painreg_ix_*``: one view per interchange table (``units``,
  ``unit_year_totals``, ``patients``, ``registrations``, ``answers``,
  ``scores``) with the format's column names.
* Pseudonymised by construction: ``patient_id`` and ``registration_id`` are
  the database keys (meaningless outside this database); no personnummer,
  external id or birth date appears. They stay integers, not text as in the
  files, so the joins of the indicators use the tables' indexes and the
  planner's statistics (a join on ``CAST(id AS TEXT)`` makes PostgreSQL pick
  nested loops, far too slow on a register of national size). Nothing applies
  string operations to ids; the dashboard declares them as the format does. Patients who opted out
  or were deleted are left out (``in_register``), with their registrations.
* List columns (``work_measures``, ``programme``, ``secondary_diagnoses``) are
  stored as JSON arrays of plain codes; the views give the format's
  ``;``-joined text by stripping the JSON punctuation (codes hold no quotes,
  commas, brackets or spaces), which is the same on SQLite and PostgreSQL.
* ``signed_off`` is ``signed_off_at IS NOT NULL``; empty strings are null.
* One index, ``registry_score (instrument, score)``: every change measure
  reads one score of one instrument out of millions of score rows; on
  PostgreSQL also extended statistics on the two columns, which are strongly
  dependent (without them the planner estimates a few hundred rows where
  there are tens of thousands).
"""

from __future__ import annotations

from django.db import migrations

VIEWS = (
    "painreg_ix_scores",
    "painreg_ix_answers",
    "painreg_ix_registrations",
    "painreg_ix_patients",
    "painreg_ix_unit_year_totals",
    "painreg_ix_units",
)
SCORE_INDEX = "painreg_score_instrument_score"


def _list(column: str, vendor: str) -> str:
    text = f"CAST({column} AS TEXT)"
    for old, new in (("[", ""), ("]", ""), ('"', ""), (" ", ""), (",", ";")):
        text = f"REPLACE({text}, '{old}', '{new}')"
    return f"NULLIF({text}, '')"


def _sql(vendor: str) -> list[str]:
    true = "TRUE" if vendor == "postgresql" else "1"
    in_register = "p.opted_out_at IS NULL AND p.deleted_at IS NULL"
    statements = [
        f"CREATE INDEX {SCORE_INDEX} ON registry_score (instrument, score)",
        """CREATE VIEW painreg_ix_units AS
        SELECT u.code AS unit_id, u.name AS name, u.region_id AS region_code,
               u.care_level AS care_level, u.active_from AS active_from,
               u.active_to AS active_to, u.hsa_id AS hsa_id
        FROM registry_unit u""",
        """CREATE VIEW painreg_ix_unit_year_totals AS
        SELECT u.code AS unit_id, t.year AS year, t.rehab_patients_total AS rehab_patients_total
        FROM registry_unityeartotal t JOIN registry_unit u ON u.id = t.unit_id""",
        f"""CREATE VIEW painreg_ix_patients AS
        SELECT p.id AS patient_id, NULLIF(p.sex, '') AS sex,
               p.birth_year AS birth_year
        FROM registry_patient p WHERE {in_register}""",
        f"""CREATE VIEW painreg_ix_registrations AS
        SELECT r.id AS registration_id, r.patient_id AS patient_id,
               u.code AS unit_id, r.category AS category, r.referral_date AS referral_date,
               r.first_visit_date AS first_visit_date, r.rehab_start_date AS rehab_start_date,
               r.rehab_end_date AS rehab_end_date, r.discontinued AS discontinued,
               NULLIF(r.discontinuation_reason, '') AS discontinuation_reason,
               NULLIF(r.main_diagnosis, '') AS main_diagnosis,
               {_list("r.secondary_diagnoses", vendor)} AS secondary_diagnoses,
               NULLIF(r.education, '') AS education,
               {_list("r.work_measures", vendor)} AS work_measures,
               {_list("r.programme", vendor)} AS programme,
               CASE WHEN r.signed_off_at IS NULL THEN NOT {true} ELSE {true} END AS signed_off
        FROM registry_registration r
        JOIN registry_unit u ON u.id = r.unit_id
        JOIN registry_patient p ON p.id = r.patient_id
        WHERE {in_register}""",
        """CREATE VIEW painreg_ix_answers AS
        SELECT o.registration_id AS registration_id, o.kind AS occasion,
               a.item AS item, a.value AS value, a.answered_on AS answered_on,
               a.source AS source
        FROM registry_answer a JOIN registry_occasion o ON o.id = a.occasion_id""",
        """CREATE VIEW painreg_ix_scores AS
        SELECT o.registration_id AS registration_id, o.kind AS occasion,
               s.instrument AS instrument, s.score AS score, s.value AS value
        FROM registry_score s JOIN registry_occasion o ON o.id = s.occasion_id""",
    ]
    if vendor == "postgresql":
        statements.append(
            f"CREATE STATISTICS {SCORE_INDEX}_stats (dependencies, mcv) "
            "ON instrument, score FROM registry_score"
        )
    return statements


def create_views(apps: object, schema_editor: object) -> None:
    connection = schema_editor.connection  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        for statement in _sql(connection.vendor):
            cursor.execute(statement)


def drop_views(apps: object, schema_editor: object) -> None:
    with schema_editor.connection.cursor() as cursor:  # type: ignore[attr-defined]
        for name in VIEWS:
            cursor.execute(f"DROP VIEW IF EXISTS {name}")
        if schema_editor.connection.vendor == "postgresql":  # type: ignore[attr-defined]
            cursor.execute(f"DROP STATISTICS IF EXISTS {SCORE_INDEX}_stats")
        cursor.execute(f"DROP INDEX IF EXISTS {SCORE_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_registration_ref")]

    operations = [migrations.RunPython(create_views, drop_views)]

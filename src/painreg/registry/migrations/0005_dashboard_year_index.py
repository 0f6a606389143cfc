"""An index and statistics for the unit dashboard's year filter (PostgreSQL).

Every indicator starts from the registrations of one year, and the year is an
expression (``base_registrations``: rehab by the year of ``rehab_end_date``,
assessment by that of ``first_visit_date``), which the views of
``0004_interchange_views`` pass on unchanged. PostgreSQL can neither estimate
nor index a filter on an expression unless it has one of the same text:

* an index on exactly the expression Ibis writes for ``year`` (after the view
  is expanded): the year's registrations are read by index, 3,000 of 50,000
  rows on the scale-1 register, instead of evaluating it on every row;
* extended statistics (PostgreSQL 14+) over that expression and the other
  filters of the completed registrations (signed off, not discontinued,
  category), which are strongly dependent: with them the planner expects
  about 2,900 completed registrations where there are 3,010 (before: 24),
  and chooses index look-ups from them into occasions, scores and answers.

If Ibis ever wrote the expression differently, the index would just go
unused (the numbers do not depend on it); ``tests/integration/reports``
checks on PostgreSQL that the dashboard's query uses it. SQLite: nothing (its
planner keeps no such statistics; the dashboard is for PostgreSQL-sized
registers).
"""

from __future__ import annotations

from django.db import migrations

INDEX = "painreg_registration_year"
STATISTICS = "painreg_registration_completed_stats"
YEAR = (
    "(CASE WHEN category = 'rehab' THEN EXTRACT(year FROM rehab_end_date) "
    "ELSE EXTRACT(year FROM first_visit_date) END)"
)
SIGNED_OFF = "(COALESCE(CASE WHEN signed_off_at IS NULL THEN false ELSE true END, true))"
DISCONTINUED = "(COALESCE(discontinued, false))"


def create(apps: object, schema_editor: object) -> None:
    connection = schema_editor.connection  # type: ignore[attr-defined]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {INDEX} ON registry_registration ({YEAR})")
        cursor.execute(
            f"CREATE STATISTICS {STATISTICS} (mcv) ON {YEAR}, {SIGNED_OFF}, {DISCONTINUED}, "
            "category FROM registry_registration"
        )
        cursor.execute("ANALYZE registry_registration")


def drop(apps: object, schema_editor: object) -> None:
    connection = schema_editor.connection  # type: ignore[attr-defined]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_interchange_views")]

    operations = [migrations.RunPython(create, drop)]

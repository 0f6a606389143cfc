"""Answers and scores: no separate index on ``occasion``.

The unique constraints (occasion, item) and (occasion, instrument, score)
start with the occasion, so their indexes serve every look-up by occasion;
the foreign key's own index was redundant and cost a third index build on a
large import. The index is dropped by name (found by introspection) rather
than by ``AlterField``, which on SQLite rebuilds the table and would break
the ``painreg_ix_*`` views on it (migration 0004).
"""

import django.db.models.deletion
from django.db import migrations, models

TABLES = ("registry_answer", "registry_score")


def _occasion_indexes(schema_editor, table):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, c in constraints.items()
        if c["index"] and not c["unique"] and not c["primary_key"]
        and c["columns"] == ["occasion_id"]
    ]  # fmt: skip


def drop(apps, schema_editor):
    for table in TABLES:
        for name in _occasion_indexes(schema_editor, table):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create(apps, schema_editor):
    for table in TABLES:
        if not _occasion_indexes(schema_editor, table):
            name = schema_editor.quote_name(f"{table}_occasion_id_idx")
            schema_editor.execute(f"CREATE INDEX {name} ON {table} (occasion_id)")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_dashboard_year_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop, create)],
            state_operations=[
                migrations.AlterField(
                    model_name="answer",
                    name="occasion",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="registry.occasion",
                    ),
                ),
                migrations.AlterField(
                    model_name="score",
                    name="occasion",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scores",
                        to="registry.occasion",
                    ),
                ),
            ],
        ),
    ]

"""Units gain ``connected`` and ``pain_care_level`` (DOMAIN.md, "Unit coverage",
"Care levels 1-4"), and the ``painreg_ix_units`` view shows them.

The views of ``0004_interchange_views`` are dropped before the fields are
added and created again after: on SQLite, adding a column with a constraint
rebuilds ``registry_unit``, which a view referring to it would break (as
``0006`` explains). The score index and statistics of ``0004`` stay.
"""

import importlib

from django.db import migrations, models

_VIEWS = importlib.import_module("painreg.registry.migrations.0004_interchange_views")
UNITS_VIEW = """CREATE VIEW painreg_ix_units AS
        SELECT u.code AS unit_id, u.name AS name, u.region_id AS region_code,
               u.care_level AS care_level, u.active_from AS active_from,
               u.active_to AS active_to, u.hsa_id AS hsa_id, u.connected AS connected,
               u.pain_care_level AS pain_care_level
        FROM registry_unit u"""


def _drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for name in _VIEWS.VIEWS:
            cursor.execute(f"DROP VIEW IF EXISTS {name}")


def _create(units_view):
    def create(apps, schema_editor):
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            for statement in _VIEWS._sql(connection.vendor):
                if not statement.startswith("CREATE VIEW"):
                    continue  # the index and statistics of 0004 are kept
                if statement.startswith("CREATE VIEW painreg_ix_units ") and units_view:
                    statement = units_view
                cursor.execute(statement)

    return create



class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0007_sick_leave'),
    ]

    operations = [
        migrations.RunPython(_drop, _create(None)),
        migrations.AddField(
            model_name='historicalunit',
            name='connected',
            field=models.BooleanField(default=True, verbose_name='ansluten'),
        ),
        migrations.AddField(
            model_name='historicalunit',
            name='pain_care_level',
            field=models.PositiveSmallIntegerField(blank=True, choices=[(1, 'nivå 1: primärvård'), (2, 'nivå 2: interdisciplinärt team i primärvården'), (3, 'nivå 3: specialiserad smärtvård'), (4, 'nivå 4: regionalt smärt- och kunskapscentrum')], null=True, verbose_name='nivå i smärtvården (1–4)'),
        ),
        migrations.AddField(
            model_name='unit',
            name='connected',
            field=models.BooleanField(default=True, verbose_name='ansluten'),
        ),
        migrations.AddField(
            model_name='unit',
            name='pain_care_level',
            field=models.PositiveSmallIntegerField(blank=True, choices=[(1, 'nivå 1: primärvård'), (2, 'nivå 2: interdisciplinärt team i primärvården'), (3, 'nivå 3: specialiserad smärtvård'), (4, 'nivå 4: regionalt smärt- och kunskapscentrum')], null=True, verbose_name='nivå i smärtvården (1–4)'),
        ),
        migrations.AddConstraint(
            model_name='unit',
            constraint=models.CheckConstraint(condition=models.Q(('pain_care_level__isnull', True), models.Q(('care_level', 'primary'), ('pain_care_level__in', (1, 2))), models.Q(('care_level', 'specialist'), ('pain_care_level__in', (3, 4))), _connector='OR'), name='unit_pain_care_level_agrees_with_care_level'),
        ),
        migrations.RunPython(_create(UNITS_VIEW), _drop),
    ]

"""A unit's choice of how its patients show who they are: date of birth, e-ID, or either.

On SQLite a new NOT NULL column and a check constraint rebuild the unit table,
which the ``painreg_ix_*`` views of migration 0004 read; the views are dropped
first and made again after as 0008 left them (the units view with ``connected``
and ``pain_care_level``), on PostgreSQL too, which costs nothing. The column
has a database default as well: bulk imports (interop.bulk) insert units in SQL.
"""

import importlib

from django.db import migrations, models

_coverage = importlib.import_module("painreg.registry.migrations.0008_unit_coverage")
_create = _coverage._create(_coverage.UNITS_VIEW)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0008_unit_coverage'),
    ]

    operations = [
        migrations.RunPython(_coverage._drop, _create),
        migrations.AddField(
            model_name='historicalunit',
            name='patient_identification',
            field=models.CharField(choices=[('birth_date', 'födelsedatum'), ('eid', 'e-legitimation'), ('either', 'födelsedatum eller e-legitimation')], db_default='birth_date', default='birth_date', max_length=12, verbose_name='patientens identifiering'),
        ),
        migrations.AddField(
            model_name='unit',
            name='patient_identification',
            field=models.CharField(choices=[('birth_date', 'födelsedatum'), ('eid', 'e-legitimation'), ('either', 'födelsedatum eller e-legitimation')], db_default='birth_date', default='birth_date', max_length=12, verbose_name='patientens identifiering'),
        ),
        migrations.AddConstraint(
            model_name='unit',
            constraint=models.CheckConstraint(condition=models.Q(('patient_identification__in', ['birth_date', 'eid', 'either'])), name='unit_patient_identification_known'),
        ),
        migrations.RunPython(_create, _coverage._drop),
    ]

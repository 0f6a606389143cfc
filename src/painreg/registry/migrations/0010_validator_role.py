"""The validator role (source-data validation): scoped to a unit, granted by the coordinator."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0009_unit_patient_identification'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='membership',
            name='membership_scope_matches_role',
        ),
        migrations.AlterField(
            model_name='historicalmembership',
            name='role',
            field=models.CharField(choices=[('registrar', 'registrerare'), ('clinician', 'behandlare'), ('unit_manager', 'enhetsansvarig'), ('regional_analyst', 'regional analytiker'), ('national_coordinator', 'nationell koordinator'), ('validator', 'validerare')], max_length=24, verbose_name='roll'),
        ),
        migrations.AlterField(
            model_name='membership',
            name='role',
            field=models.CharField(choices=[('registrar', 'registrerare'), ('clinician', 'behandlare'), ('unit_manager', 'enhetsansvarig'), ('regional_analyst', 'regional analytiker'), ('national_coordinator', 'nationell koordinator'), ('validator', 'validerare')], max_length=24, verbose_name='roll'),
        ),
        migrations.AddConstraint(
            model_name='membership',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('region', None), ('role__in', ['registrar', 'clinician', 'unit_manager']), ('unit__isnull', False)), models.Q(('region__isnull', False), ('role', 'regional_analyst'), ('unit', None)), models.Q(('region', None), ('role', 'national_coordinator'), ('unit', None)), models.Q(('region', None), ('role', 'validator'), ('unit__isnull', False)), _connector='OR'), name='membership_scope_matches_role'),
        ),
    ]

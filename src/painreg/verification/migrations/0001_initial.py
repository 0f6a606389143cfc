"""Validation rounds, their sampled registrations and the values found in the records."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('registry', '0010_validator_role'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ValidationRound',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='namn')),
                ('year_from', models.PositiveSmallIntegerField(verbose_name='från år')),
                ('year_to', models.PositiveSmallIntegerField(verbose_name='till år')),
                ('sample_size', models.PositiveSmallIntegerField(verbose_name='stickprov per enhet')),
                ('groups', models.JSONField(default=list, verbose_name='variabler')),
                ('items', models.JSONField(blank=True, default=list, verbose_name='enkätfrågor')),
                ('seed', models.PositiveIntegerField(verbose_name='slumpfrö')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('drawn_at', models.DateTimeField(blank=True, null=True, verbose_name='stickprov draget')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('units', models.ManyToManyField(related_name='validation_rounds', to='registry.unit', verbose_name='enheter')),
                ('validators', models.ManyToManyField(blank=True, related_name='validation_rounds', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'valideringsomgång',
                'verbose_name_plural': 'valideringsomgångar',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='SampledRegistration',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(verbose_name='nummer')),
                ('variables', models.JSONField(default=list, verbose_name='variabler')),
                ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='validerad')),
                ('completed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('registration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='validation_samples', to='registry.registration')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.unit')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='samples', to='verification.validationround')),
            ],
            options={
                'verbose_name': 'stickprovsregistrering',
                'verbose_name_plural': 'stickprovsregistreringar',
                'ordering': ['round', 'number'],
            },
        ),
        migrations.CreateModel(
            name='RecordedValue',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('variable', models.CharField(max_length=80, verbose_name='variabel')),
                ('value', models.CharField(blank=True, max_length=64, verbose_name='värde i journalen')),
                ('not_found', models.BooleanField(default=False, verbose_name='hittades inte')),
                ('registered', models.CharField(blank=True, max_length=64, verbose_name='värde i registret')),
                ('entered_at', models.DateTimeField(auto_now_add=True)),
                ('entered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('sample', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='recorded', to='verification.sampledregistration')),
            ],
            options={
                'verbose_name': 'journalvärde',
                'verbose_name_plural': 'journalvärden',
                'ordering': ['sample', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('sample', 'variable'), name='recorded_unique_var'), models.CheckConstraint(condition=models.Q(('not_found', False), ('value', ''), _connector='OR'), name='recorded_not_found_is_empty')],
            },
        ),
        migrations.AddConstraint(
            model_name='validationround',
            constraint=models.CheckConstraint(condition=models.Q(('year_to__gte', models.F('year_from'))), name='round_years_in_order'),
        ),
        migrations.AddConstraint(
            model_name='validationround',
            constraint=models.CheckConstraint(condition=models.Q(('sample_size__gte', 1)), name='round_sample_size_pos'),
        ),
        migrations.AddConstraint(
            model_name='sampledregistration',
            constraint=models.UniqueConstraint(fields=('round', 'registration'), name='sample_unique_reg'),
        ),
        migrations.AddConstraint(
            model_name='sampledregistration',
            constraint=models.UniqueConstraint(fields=('round', 'number'), name='sample_unique_number'),
        ),
    ]

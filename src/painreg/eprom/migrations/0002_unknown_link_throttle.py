"""Unknown links are counted per address in one row (``UnknownLinkThrottle``), no longer
as identity attempts without an invitation; those rows are deleted here."""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def delete_unknown_link_attempts(apps: Any, schema_editor: Any) -> None:
    apps.get_model("eprom", "IdentityAttempt").objects.filter(invitation__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("eprom", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(delete_unknown_link_attempts, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="identityattempt",
            name="invitation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="attempts",
                to="eprom.invitation",
            ),
        ),
        migrations.CreateModel(
            name="UnknownLinkThrottle",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("address_hash", models.CharField(max_length=64, unique=True)),
                (
                    "window_start",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
                ("count", models.PositiveIntegerField(default=0)),
            ],
        ),
    ]

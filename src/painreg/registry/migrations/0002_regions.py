"""Load the 21 regions (``painreg.tidy.vocabulary.REGIONS``, from ``tidy/data/regions.csv``)."""

from __future__ import annotations

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    # The vocabulary is pure data (no models), so the historical migration may read it.
    from painreg.tidy import vocabulary

    region_model = apps.get_model("registry", "Region")
    for region in vocabulary.REGIONS:
        region_model.objects.update_or_create(
            code=region.value,
            defaults={
                "name": region.sv,
                "healthcare_region": vocabulary.HEALTHCARE_REGION_OF[region.value],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

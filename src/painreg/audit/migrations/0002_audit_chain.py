"""The audit tables become hash chains (painreg.audit.chain).

Adds ``seq``, ``prev_hash``, ``payload_hash`` and ``row_hash`` to the audit
events and the access log, and the chains' heads. Rows written before this
migration are linked here, in the order they were written (their ids), with
the digest of the payload they hold now: the chain proves that they have not
changed since the migration, not before it (docs/security.md).
"""

from django.db import migrations, models

BATCH = 2_000


def link_existing(apps, schema_editor):
    from painreg.audit.chain import CHAINS, GENESIS, link_hash, payload_digest

    ChainHead = apps.get_model("audit", "ChainHead")
    for chain, (model_name, facts) in CHAINS.items():
        model = apps.get_model("audit", model_name)
        seq, prev, batch = 0, GENESIS, []
        for row in model.objects.order_by("pk").iterator(chunk_size=BATCH):
            seq += 1
            row.seq, row.prev_hash = seq, prev
            row.payload_hash = payload_digest(getattr(row, "reason", ""), row.detail)
            values = {name: getattr(row, name) for name in facts}
            row.row_hash = prev = link_hash(chain, seq, prev, row.payload_hash, values)
            batch.append(row)
            if len(batch) >= BATCH:
                model.objects.bulk_update(batch, ["seq", "prev_hash", "payload_hash", "row_hash"])
                batch = []
        if batch:
            model.objects.bulk_update(batch, ["seq", "prev_hash", "payload_hash", "row_hash"])
        ChainHead.objects.update_or_create(chain=chain, defaults={"seq": seq, "row_hash": prev})


def _chain_fields(model_name):
    return [
        migrations.AddField(
            model_name=model_name,
            name="seq",
            field=models.BigIntegerField(editable=False, null=True, verbose_name="löpnummer"),
        ),
        migrations.AddField(
            model_name=model_name,
            name="prev_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="föregående kedjesumma"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name=model_name,
            name="payload_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="innehållssumma"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name=model_name,
            name="row_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="kedjesumma"
            ),
            preserve_default=False,
        ),
    ]


def _unique_seq(model_name):
    return migrations.AlterField(
        model_name=model_name,
        name="seq",
        field=models.BigIntegerField(editable=False, unique=True, verbose_name="löpnummer"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                (
                    "chain",
                    models.CharField(
                        max_length=20, primary_key=True, serialize=False, verbose_name="kedja"
                    ),
                ),
                ("seq", models.BigIntegerField(default=0, verbose_name="löpnummer")),
                ("row_hash", models.CharField(max_length=64, verbose_name="kedjesumma")),
                (
                    "checked_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="senast kontrollerad"),
                ),
                (
                    "check_ok",
                    models.BooleanField(
                        blank=True, null=True, verbose_name="obruten vid kontrollen"
                    ),
                ),
                (
                    "checked_seq",
                    models.BigIntegerField(default=0, verbose_name="kontrollerad till"),
                ),
                (
                    "checked_hash",
                    models.CharField(
                        blank=True, max_length=64, verbose_name="kontrollerad kedjesumma"
                    ),
                ),
            ],
            options={
                "verbose_name": "kedjans huvud",
                "verbose_name_plural": "kedjornas huvuden",
            },
        ),
        *_chain_fields("auditevent"),
        *_chain_fields("accesslog"),
        migrations.RunPython(link_existing, migrations.RunPython.noop),
        _unique_seq("auditevent"),
        _unique_seq("accesslog"),
    ]

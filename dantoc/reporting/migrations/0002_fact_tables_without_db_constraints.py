"""DataValue and DataValueChange become fact tables for the bulk import: no database-level
foreign-key constraints (the services validate every code before writing; Django applies
on_delete), no single-column indexes a composite one begins with, no JSON copy of
options_key, and ``created_by`` on the value instead of a history row for a first entry.

No data to carry over (there is no production data yet); unapplied, the JSON column comes
back filled from options_key.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def options_from_key(apps, schema_editor):
    DataValue = apps.get_model("reporting", "DataValue")
    batch = []
    for value in DataValue.objects.only("id", "options_key").iterator(chunk_size=2000):
        value.options = dict(p.split("=", 1) for p in value.options_key.split(";") if p)
        batch.append(value)
        if len(batch) == 2000:
            DataValue.objects.bulk_update(batch, ["options"])
            batch = []
    DataValue.objects.bulk_update(batch, ["options"])


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0001_initial"),
        ("indicators", "0001_initial"),
        ("reporting", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, options_from_key, elidable=True),
        migrations.RemoveField(
            model_name="datavalue",
            name="options",
        ),
        migrations.AddField(
            model_name="datavalue",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="datavalue",
            name="indicator",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="indicators.indicator",
            ),
        ),
        migrations.AlterField(
            model_name="datavalue",
            name="period",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="reporting.period",
            ),
        ),
        migrations.AlterField(
            model_name="datavalue",
            name="unit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="geo.unit",
            ),
        ),
        migrations.AlterField(
            model_name="datavalue",
            name="updated_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="datavaluechange",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="datavaluechange",
            name="data_value",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="changes",
                to="reporting.datavalue",
            ),
        ),
    ]

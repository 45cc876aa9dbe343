"""Indexes a search can answer from alone, on PostgreSQL: the search's covering index gets
the data set's id (a search reads its matches' ids; without it PostgreSQL read every
matching row as well), and the published data sets' names come in order with their ids
(deep pages by name read the index, not the rows). Reads from the index alone need the
table's visibility map, which (auto)vacuum keeps."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("opendata", "0004_opendata_package_body_inline"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="dataset",
            name="opendata_search_covering",
        ),
        migrations.AddIndex(
            model_name="dataset",
            index=models.Index(
                fields=[
                    "state",
                    "updated_at",
                    "publisher",
                    "theme",
                    "licence",
                    "temporal_start",
                    "temporal_end",
                    "created_at",
                    "id",
                ],
                name="opendata_search_covering_id",
            ),
        ),
        migrations.AddIndex(
            model_name="dataset",
            index=models.Index(fields=["state", "name", "id"], name="opendata_state_name"),
        ),
    ]

"""Indexes for ``package_search``: the newest change of a data set (the catalogue's version,
read by every search) and, on PostgreSQL only, a trigram index on the folded search text, so
that free text (``search_text LIKE '%word%'``, see ``selectors._text_q``) reads the few
candidate rows rather than every data set. SQLite keeps scanning, which is quick there."""

from django.db import migrations, models

TRIGRAM_INDEX = "opendata_search_text_trgm"


def trigram_index_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13 on): the database's owner may create it.
    # A server built without the contrib modules has no pg_trgm: search works the same
    # without the index, only slower, so the migration goes on without it.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON opendata_dataset "
        "USING gin (search_text gin_trgm_ops)"
    )


def trigram_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other objects may use it.
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("opendata", "0002_opendata_stored_packages"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dataset",
            index=models.Index(fields=["updated_at"], name="opendata_modified"),
        ),
        migrations.RunPython(trigram_index_create, trigram_index_drop),
    ]

"""On PostgreSQL, trigram indexes (pg_trgm) on the columns the directory searches with
LIKE '%…%' (the folded words and the facet codes), so a word or a code is found through the
index instead of by reading every profile. SQLite has no such index: nothing is done there
(its LIKE over 10,000 rows stays within the budget, benchmarks/experts_search.py).
Creating the extension needs a role allowed to (PostgreSQL 13+: the database owner, as
pg_trgm is a trusted extension)."""

from django.db import migrations

COLUMNS = ("search_text", "field_codes", "province_codes", "ethnic_codes", "language_codes")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS experts_expert_{column}_trgm "
            f"ON experts_expert USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS experts_expert_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("experts", "0001_expert_database")]
    operations = [migrations.RunPython(create, drop)]

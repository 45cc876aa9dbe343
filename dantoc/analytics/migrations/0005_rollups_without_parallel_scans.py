"""No parallel scans of the roll-up tables (PostgreSQL only).

Every read of these tables while serving is a set of primary-key ranges: a commune-level
table reads 13,440 rows of a province's 168 communes. At 25 million values (48 quarters)
the planner's estimate for that read (48,683 index entries for 14,806 real ones) makes it
choose a parallel bitmap scan, whose workers cost more to start than the read itself:
12.1 ms, against 5.7 ms for the plain index scan it chooses without parallel workers (the
same 5.6 ms as at 4.6 million values). ``parallel_workers = 0`` tells the planner not to
plan parallel scans of these tables; nothing else about them changes.

The rebuild fills these tables with INSERT … SELECT, which PostgreSQL does not run in
parallel anyway; ``rollups check`` reads them whole and may take longer."""

from django.db import migrations

TABLES = ("analytics_rollup", "analytics_rolluptotal", "analytics_rolluplatest")


def parallel_off(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} SET (parallel_workers = 0)")


def parallel_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} RESET (parallel_workers)")


class Migration(migrations.Migration):
    dependencies = [("analytics", "0004_metadata_version")]

    operations = [migrations.RunPython(parallel_off, parallel_default, elidable=False)]

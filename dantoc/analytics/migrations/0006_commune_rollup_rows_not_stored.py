"""Communes' rows of ``analytics_rollup`` are no longer stored (issue 15).

A commune's roll-up by disaggregation is its own values, one row each: 2,284,848 rows copied
from the values table at four quarters of the national round, and the most expensive
statement of an import to keep current. The readers now compute them from the values
(``rollups.commune_rows``); the communes' totals (``analytics_rolluptotal``) stay.

Forwards deletes those rows, a batch of communes at a time. Backwards puts them back as
the values give them (approved figures from the approved reports, the change time of the
commune's total row: the rules of ``rollups.commune_rows``), so that the code before this
change finds them; ``manage.py rollups rebuild`` on that code gives the same figures. After forwards on PostgreSQL,
``VACUUM analytics_rollup`` gives the space back (autovacuum does it too, later).
"""

from django.db import migrations

BATCH = 500

FORM_INDICATORS = """
    SELECT sec.form_id, r.indicator_id FROM reporting_formsection sec
      JOIN reporting_formrow r ON r.section_id = sec.id WHERE r.indicator_id IS NOT NULL
    UNION
    SELECT sec.form_id, c.indicator_id FROM reporting_formsection sec
      JOIN reporting_formcolumn c ON c.section_id = sec.id WHERE c.indicator_id IS NOT NULL
"""


def _commune_batches(apps):
    Unit = apps.get_model("geo", "Unit")
    ids = list(Unit.objects.filter(level="commune").order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _in(connection, ids: list[int]) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [ids]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


def delete_commune_rows(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for ids in _commune_batches(apps):
            test, params = _in(connection, ids)
            cursor.execute(f"DELETE FROM analytics_rollup WHERE unit_id {test}", params)


def restore_commune_rows(apps, schema_editor):
    connection = schema_editor.connection
    false = "false" if connection.vendor == "postgresql" else "0"
    with connection.cursor() as cursor:
        for ids in _commune_batches(apps):
            sub_test, sub_params = _in(connection, ids)
            test, params = _in(connection, ids)
            cursor.execute(
                f"""
                INSERT INTO analytics_rollup (unit_id, period_id, indicator_id, options_key,
                    approved_sum, approved_count, total_sum, total_count, updated_at)
                SELECT v.unit_id, v.period_id, v.indicator_id, v.options_key,
                       CASE WHEN a.approved = 1 THEN v.numeric ELSE 0 END,
                       CASE WHEN a.approved = 1 THEN 1 ELSE 0 END, v.numeric, 1,
                       COALESCE(t.updated_at, v.updated_at)
                FROM reporting_datavalue v
                LEFT JOIN (
                    SELECT DISTINCT s.unit_id, s.period_id, fi.indicator_id, 1 AS approved
                    FROM reporting_submission s
                    JOIN ({FORM_INDICATORS}) fi ON fi.form_id = s.form_id
                    WHERE s.status = 'approved' AND s.unit_id {sub_test}
                ) a ON a.unit_id = v.unit_id AND a.period_id = v.period_id
                   AND a.indicator_id = v.indicator_id
                LEFT JOIN analytics_rolluptotal t ON t.unit_id = v.unit_id
                   AND t.period_id = v.period_id AND t.indicator_id = v.indicator_id
                WHERE v.deleted = {false} AND v.numeric IS NOT NULL AND v.unit_id {test}
                ORDER BY v.unit_id, v.period_id, v.indicator_id, v.options_key
                ON CONFLICT DO NOTHING
                """,
                sub_params + params,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0005_rollups_without_parallel_scans"),
        ("geo", "0001_initial"),
        ("reporting", "0001_initial"),
    ]

    operations = [migrations.RunPython(delete_commune_rows, restore_commune_rows, elidable=False)]

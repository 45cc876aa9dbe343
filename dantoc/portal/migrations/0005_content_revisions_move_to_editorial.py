from django.db import migrations


class Migration(migrations.Migration):
    """ContentRevision now belongs to the editorial app (same table, same rows)."""

    dependencies = [
        ("portal", "0004_article_images_into_media_pipeline"),
        ("editorial", "0001_content_revisions_from_portal"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ContentRevision")],
            database_operations=[],
        ),
    ]

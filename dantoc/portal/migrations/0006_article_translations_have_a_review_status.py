import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def existing_translations_published(apps, schema_editor):
    """Translations written before they had a state were live with their article."""
    apps.get_model("portal", "ArticleTranslation").objects.update(status="published")


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0005_content_revisions_move_to_editorial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="articletranslation",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="duyệt bản dịch lúc"),
        ),
        migrations.AddField(
            model_name="articletranslation",
            name="published_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="người duyệt bản dịch",
            ),
        ),
        migrations.AddField(
            model_name="articletranslation",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Bản dịch nháp"),
                    ("review", "Bản dịch chờ duyệt"),
                    ("published", "Bản dịch đã duyệt"),
                ],
                default="draft",
                max_length=12,
                verbose_name="trạng thái bản dịch",
            ),
        ),
        migrations.AddField(
            model_name="articletranslation",
            name="submitted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="người gửi duyệt bản dịch",
            ),
        ),
        # The reverse needs nothing: unapplying drops the column.
        migrations.RunPython(existing_translations_published, migrations.RunPython.noop),
    ]

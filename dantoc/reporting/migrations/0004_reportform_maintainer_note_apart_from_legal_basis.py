"""Maintainers' drafting notes get a field of their own, apart from the legal basis that is
printed in official documents; notes already loaded into the legal basis are moved there."""

from django.db import migrations, models

DRAFTING_NOTE_START = "Mẫu do dantoc đề xuất"


def move_drafting_notes(apps, schema_editor):
    ReportForm = apps.get_model("reporting", "ReportForm")
    for form in ReportForm.objects.filter(legal_basis__startswith=DRAFTING_NOTE_START).iterator(
        chunk_size=500
    ):
        form.maintainer_note = form.legal_basis
        form.legal_basis = ""
        form.save(update_fields=["maintainer_note", "legal_basis"])


def restore_drafting_notes(apps, schema_editor):
    ReportForm = apps.get_model("reporting", "ReportForm")
    for form in ReportForm.objects.filter(
        legal_basis="", maintainer_note__startswith=DRAFTING_NOTE_START
    ).iterator(chunk_size=500):
        form.legal_basis = form.maintainer_note[:300]
        form.save(update_fields=["legal_basis"])


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0003_form_drafts_of_the_designer"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportform",
            name="maintainer_note",
            field=models.TextField(blank=True, verbose_name="ghi chú biên soạn"),
        ),
        migrations.RunPython(move_drafting_notes, restore_drafting_notes),
    ]

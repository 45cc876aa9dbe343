"""A second, minimal content type that follows the editorial workflow: a commune notice. It
lives only in the tests (its tables are made by ``conftest.py``), to prove that nothing in
``dantoc.editorial`` is written for the portal's articles alone."""

from __future__ import annotations

from django.db import models

from dantoc.accounts.models import RoleCode
from dantoc.accounts.permissions import unit_in_scope
from dantoc.editorial import workflows
from dantoc.editorial.models import EditorialContent, EditorialTranslation


class Notice(EditorialContent):
    unit = models.ForeignKey("geo.Unit", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)

    class Meta:
        app_label = "editorial"
        verbose_name = "thông báo (mẫu thử)"
        verbose_name_plural = "các thông báo (mẫu thử)"

    def __str__(self) -> str:
        return self.title


class NoticeTranslation(EditorialTranslation):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="translations")
    title = models.CharField(max_length=200)

    class Meta:
        app_label = "editorial"
        verbose_name = "bản dịch thông báo (mẫu thử)"
        verbose_name_plural = "các bản dịch thông báo (mẫu thử)"


CHANGES: list[tuple[str, int]] = []  # what the public saw change: ("changed", pk)


def can_edit(user, notice) -> bool:
    return user.has_role(RoleCode.CONTENT_EDITOR) and unit_in_scope(user, notice.unit)


# Registered only while an editorial test runs (the ``notice_workflow`` fixture of this folder's
# conftest): registered at import, it would be in every pytest worker (each imports every test
# module), and the scheduled-publishing run of another app's tests would look for its table.
NOTICE_WORKFLOW = workflows.Workflow(
    model=Notice,
    app="notices",
    kind="notice",
    snapshot=lambda n: {"title": n.title, "status": n.status},
    can_edit=can_edit,
    reviewer_roles=(RoleCode.CONTENT_EDITOR,),
    editor_url=lambda n: f"/thong-bao/{n.pk}/",
    changed=lambda n: CHANGES.append(("changed", n.pk)),
    translations="translations",
)

"""Who may move content through the editorial workflow. Writing, submitting and withdrawing
follow the content type's own ``can_edit``; publishing needs a second person when four eyes
are on (the default): whoever submitted an item (or wrote it) may not publish it. A state
portal answers for what it publishes (Decree 42/2022/NĐ-CP): one editor's mistake or a stolen
account must not reach the public alone.
"""

from __future__ import annotations

from dantoc.editorial.models import Status, TranslationStatus
from dantoc.editorial.workflows import workflow_for


def can_edit(user, item) -> bool:
    return bool(user and user.is_authenticated) and workflow_for(type(item)).can_edit(user, item)


def publish_refusal(user, item) -> str | None:
    """Why ``user`` may not publish (or schedule) ``item`` now, or None if they may."""
    workflow = workflow_for(type(item))
    if not can_edit(user, item):
        return "Bạn không có quyền xuất bản nội dung của đơn vị này."
    if item.deleted_at is not None:
        return "Nội dung đã bị xoá."
    if not workflow.four_eyes():
        return None
    if item.status != Status.REVIEW:
        return "Cần gửi duyệt trước khi xuất bản."
    author = item.submitted_by_id or item.created_by_id
    if author is not None and author == user.pk:
        return "Người gửi duyệt không tự xuất bản được: cần một biên tập viên khác duyệt."
    return None


def translation_publish_refusal(user, item, translation) -> str | None:
    """Why ``user`` may not publish ``translation`` of ``item`` now, or None if they may."""
    workflow = workflow_for(type(item))
    if not can_edit(user, item):
        return "Bạn không có quyền duyệt bản dịch của nội dung này."
    if item.deleted_at is not None:
        return "Nội dung đã bị xoá."
    if translation.status == TranslationStatus.PUBLISHED:
        return "Bản dịch đã được duyệt."
    if not workflow.four_eyes():
        return None
    if translation.status != TranslationStatus.REVIEW:
        return "Cần gửi duyệt bản dịch trước khi duyệt."
    if translation.submitted_by_id is not None and translation.submitted_by_id == user.pk:
        return "Người gửi duyệt bản dịch không tự duyệt được: cần một người khác duyệt."
    return None

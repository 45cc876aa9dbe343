"""Writes of the form designer: starting a design and applying one step to it. Saving a
design as a version is ``reporting.services.form_draft_save`` (beside the JSON upload)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from dantoc.audit.services import audit_record
from dantoc.reporting import selectors
from dantoc.reporting.designer.definition import DesignError, canonical
from dantoc.reporting.models import FormDraft, ReportForm
from dantoc.reporting.permissions import can_define_forms

# A draft remembers this many step tokens; a retry comes seconds after its first try.
TOKENS_KEPT = 200


def _require(actor) -> None:
    if not can_define_forms(actor):
        raise PermissionDenied("Chỉ cán bộ cấp bộ được định nghĩa chỉ tiêu và biểu mẫu.")


@transaction.atomic
def form_draft_start(
    *, actor, based_on: ReportForm | None = None, header: dict | None = None
) -> FormDraft:
    """A new design: a copy of a stored version to change, or an empty form with a header
    (code, name, period type, reporting level)."""
    _require(actor)
    if based_on is not None:
        definition = selectors.form_definition(based_on)
    else:
        header = header or {}
        if ReportForm.objects.filter(code=header.get("code", "")).exists():
            raise DesignError(
                "code",
                _(
                    "Đã có biểu mẫu mã này: hãy mở phiên bản hiện có và bấm “Sửa trong trình thiết kế”."
                ),
            )
        definition = canonical(header)
    draft = FormDraft.objects.create(owner=actor, based_on=based_on, definition=definition)
    audit_record(
        actor=actor,
        action="reporting.form_draft_start",
        obj=draft,
        after={
            "code": definition["code"],
            "based_on": based_on.version if based_on is not None else None,
        },
    )
    return draft


@transaction.atomic
def form_draft_change(
    *, actor, draft: FormDraft, step: str, token: str, change: Callable[[dict], dict]
) -> bool:
    """Apply one step (``change`` returns the new definition or raises DesignError) to the
    design. Returns False when the step's token was already applied: a retried POST."""
    _require(actor)
    draft = FormDraft.objects.select_for_update().get(pk=draft.pk)
    if draft.owner_id != actor.pk or draft.saved_as_id is not None:
        raise PermissionDenied("Bản thiết kế này không còn sửa được.")
    if token and token in draft.applied_tokens:
        return False
    before = draft.definition
    draft.definition = change(before)
    if token:
        draft.applied_tokens = [*draft.applied_tokens, token][-TOKENS_KEPT:]
    draft.save(update_fields=["definition", "applied_tokens", "updated_at"])
    audit_record(
        actor=actor,
        action="reporting.form_draft_change",
        obj=draft,
        after={"step": step, "code": draft.definition.get("code", "")},
    )
    return True


@transaction.atomic
def form_draft_discard(*, actor, draft: FormDraft) -> None:
    _require(actor)
    if draft.owner_id != actor.pk:
        raise PermissionDenied("Bản thiết kế này không phải của bạn.")
    audit_record(
        actor=actor,
        action="reporting.form_draft_discard",
        obj=draft,
        before={"code": draft.definition.get("code", "")},
    )
    draft.delete()

"""Pages of the form designer. Each step is a plain POST that changes the saved design and
comes back to the designer; a step with a mistake comes back with the message next to the
field and the typed values kept. "Xem trước" posts the same fields to the preview (shown in
a 360 px frame) without changing the design; the page's script does that as one types."""

from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from dantoc.core.errors import ImportRejected
from dantoc.core.middleware import content_security_policy
from dantoc.indicators.models import CategoryOption, Indicator
from dantoc.reporting import selectors, services
from dantoc.reporting.designer import definition as design
from dantoc.reporting.designer.forms import (
    ColumnForm,
    HeaderForm,
    RowForm,
    RuleForm,
    SectionForm,
    StartForm,
)
from dantoc.reporting.designer.services import (
    form_draft_change,
    form_draft_discard,
    form_draft_start,
)
from dantoc.reporting.models import FormDraft
from dantoc.reporting.permissions import can_define_forms
from dantoc.reporting.services import form_check_definition

STEPS = {
    "header": HeaderForm,
    "section": SectionForm,
    "column": ColumnForm,
    "row": RowForm,
    "rule": RuleForm,
}


def _require_definer(request) -> None:
    if not can_define_forms(request.user):
        raise PermissionDenied


def _draft(request, pk: int) -> FormDraft:
    _require_definer(request)
    return get_object_or_404(FormDraft, pk=pk, owner=request.user, saved_as__isnull=True)


def _step_form(step: str, draft: FormDraft, data=None, search: str = ""):
    definition = draft.definition
    cls = STEPS[step]
    kwargs = {}
    if step in ("column", "row"):
        kwargs = {"sections": definition.get("sections", []), "search": search}
    elif step == "rule":
        kwargs = {"search": search}
    initial = HeaderForm.initial_from(definition) if step == "header" else None
    return cls(data, initial=initial, prefix=step, **kwargs)


def _change_for(step: str, form) -> callable:
    """The definition change a valid step form asks for."""
    data = form.cleaned_data
    if step == "header":
        return lambda d: design.header_set(d, **form.header())
    if step == "section":
        return lambda d: design.section_add(
            d, code=data["code"].strip(), title=data["title"], title_en=data["title_en"]
        )
    if step in ("column", "row"):
        common = {
            "section": data["section"],
            "code": data["code"].strip(),
            "label": data["label"],
            "label_en": data["label_en"],
            "indicator": data["indicator"].code if data["indicator"] else None,
            "options": data["options"],
        }
        if step == "column":
            return lambda d: design.column_add(d, **common)
        return lambda d: design.row_add(
            d,
            **common,
            optional=data["optional"],
            min_value=data["min_value"],
            max_value=data["max_value"],
        )
    left, right = form.expressions()
    return lambda d: design.rule_add(
        d,
        code=data["code"].strip(),
        left=left,
        operator=data["operator"],
        right=right,
        importance=data["importance"],
        message=data["message"],
        message_en=data["message_en"],
    )


@login_required
def design_index(request):
    """The officer's unsaved designs, and a new empty form."""
    _require_definer(request)
    start = StartForm(request.POST or None)
    if request.method == "POST" and start.is_valid():
        try:
            draft = form_draft_start(actor=request.user, header=start.header())
        except design.DesignError as exc:
            start.add_error(exc.field if exc.field in start.fields else None, exc.message)
        else:
            return redirect("reporting:design_edit", pk=draft.pk)
    return render(
        request,
        "reporting/designer/index.html",
        {"start": start, "drafts": selectors.form_drafts_of(request.user)},
        status=400 if start.errors else 200,
    )


@login_required
@require_POST
def design_from_version(request, code: str, version: int):
    """Change a stored version: a design that starts as a copy of it."""
    _require_definer(request)
    form = selectors.form_get(code=code, version=version)
    if form is None:
        raise Http404
    draft = form_draft_start(actor=request.user, based_on=form)
    return redirect("reporting:design_edit", pk=draft.pk)


def _page(request, draft: FormDraft, *, bound=None, step: str | None = None, status=200):
    search = request.GET.get("q", "").strip()
    forms = {name: _step_form(name, draft, search=search) for name in STEPS}
    if bound is not None:
        forms[step] = bound
    definition = draft.definition
    problems = form_check_definition(definition) if definition.get("sections") else []
    return render(
        request,
        "reporting/designer/edit.html",
        {
            "draft": draft,
            "d": definition,
            "forms": forms,
            "problems": problems,
            "shown_sections": _described(definition),
            "page_token": uuid.uuid4().hex,
            "q": search,
        },
        status=status,
    )


def _described(definition: dict) -> list[dict]:
    """The sections with names for people: the indicator's name, "Dân tộc: Mông" for an
    option, instead of the codes the definition stores."""
    names = {i.code: i.localized_name for i in Indicator.objects.all()}
    options = {
        (o.category.code, o.code): f"{o.category.localized_name}: {o.localized_name}"
        for o in CategoryOption.objects.select_related("category")
    }

    def describe(item: dict) -> dict:
        return {
            **item,
            "indicator_name": names.get(item.get("indicator") or "", item.get("indicator")),
            "option_names": [options.get(pair, "=".join(pair)) for pair in item["options"].items()],
        }

    return [
        {
            **s,
            "columns": [describe(c) for c in s["columns"]],
            "rows": [describe(r) for r in s["rows"]],
        }
        for s in definition.get("sections", [])
    ]


@login_required
def design_edit(request, pk: int):
    return _page(request, _draft(request, pk))


@login_required
@require_POST
def design_step(request, pk: int, step: str):
    draft = _draft(request, pk)
    if step not in STEPS:
        raise Http404
    form = _step_form(step, draft, request.POST)
    if form.is_valid():
        try:
            applied = form_draft_change(
                actor=request.user,
                draft=draft,
                step=step,
                token=form.cleaned_data.get("token", ""),
                change=_change_for(step, form),
            )
        except design.DesignError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if applied:
                messages.success(request, _("Đã cập nhật bản thiết kế."))
            else:
                messages.info(request, _("Thao tác này đã được thực hiện trước đó."))
            return redirect(reverse("reporting:design_edit", args=[pk]) + f"#step-{step}")
    draft.refresh_from_db()
    return _page(request, draft, bound=form, step=step, status=400)


@login_required
@require_POST
def design_item(request, pk: int):
    """Remove or move a section, row, column or rule (buttons beside each item)."""
    draft = _draft(request, pk)
    kind, code = request.POST.get("kind", ""), request.POST.get("code", "")
    section, action = request.POST.get("section") or None, request.POST.get("action", "")
    if kind not in design.ITEM_KINDS or action not in ("remove", "up", "down"):
        raise Http404
    try:
        if action == "remove":
            change = lambda d: design.item_remove(d, kind=kind, code=code, section=section)  # noqa: E731
        else:
            change = lambda d: design.item_move(  # noqa: E731
                d, kind=kind, code=code, section=section, up=action == "up"
            )
        form_draft_change(
            actor=request.user,
            draft=draft,
            step=f"{kind}.{action}",
            token=f"{request.POST.get('token', '')}:{action}" if request.POST.get("token") else "",
            change=change,
        )
    except design.DesignError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("reporting:design_edit", args=[pk]) + f"#items-{kind}")


@login_required
@require_POST
def design_save(request, pk: int):
    draft = _draft(request, pk)
    try:
        form, created = services.form_draft_save(actor=request.user, draft=draft)
    except ImportRejected as exc:
        messages.error(
            request,
            _("Chưa lưu được: còn %(n)s lỗi trong biểu (xem mục “Cần sửa trước khi lưu”).")
            % {"n": len(exc.errors)},
        )
        return redirect("reporting:design_edit", pk=pk)
    if created:
        messages.success(
            request,
            _("Đã lưu thành phiên bản %(v)s (bản nháp). Kiểm tra rồi bấm Áp dụng.")
            % {"v": form.version},
        )
    else:
        messages.info(request, _("Thiết kế không đổi so với phiên bản mới nhất."))
    return redirect("reporting:form_detail", code=form.code, version=form.version)


@login_required
@require_POST
def design_discard(request, pk: int):
    form_draft_discard(actor=request.user, draft=_draft(request, pk))
    messages.info(request, _("Đã bỏ bản thiết kế."))
    return redirect("reporting:design_index")


def _json_download(definition: dict, name: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(definition, ensure_ascii=False, indent=1), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response


@login_required
def design_json(request, pk: int):
    draft = _draft(request, pk)
    return _json_download(draft.definition, draft.definition.get("code") or "bieu-mau")


@login_required
def form_json(request, code: str, version: int):
    """A stored version as JSON: the file an upload takes (for bulk changes in an editor)."""
    form = selectors.form_get(code=code, version=version)
    if form is None:
        raise Http404
    return _json_download(selectors.form_definition(form), f"{form.code}-v{form.version}")


@login_required
@xframe_options_sameorigin
@content_security_policy(frame_ancestors="'self'")
def design_preview(request, pk: int):
    """The entry form of the design as a reporter would see it (shown at 360 px). A POST
    carries one step's fields: the preview shows the design with that step applied, and
    the design itself does not change."""
    draft = _draft(request, pk)
    definition = draft.definition
    note = ""
    step = request.POST.get("step", "")
    if request.method == "POST" and step in STEPS:
        form = _step_form(step, draft, request.POST)
        if form.is_valid():
            try:
                definition = _change_for(step, form)(definition)
            except design.DesignError as exc:
                note = exc.message
        else:
            note = _("Bước đang nhập còn thiếu hoặc sai; xem trước theo bản đã lưu.")
    return render(
        request,
        "reporting/designer/preview.html",
        {"d": definition, "sections": preview_sections(definition), "note": note},
    )


def preview_sections(definition: dict) -> list[dict]:
    """The sections in the shape the entry form's row template takes, with empty cells."""
    found = {i.code: i for i in Indicator.objects.prefetch_related("categories").order_by("code")}
    sections = []
    for s_index, section in enumerate(definition.get("sections", []), start=1):
        shown, folded = [], []
        for r_index, row in enumerate(section.get("rows", []), start=1):
            cells = []
            for c_index, column in enumerate(section.get("columns", []), start=1):
                indicator = found.get(row.get("indicator") or column.get("indicator") or "")
                merged = {**row.get("options", {}), **column.get("options", {})}
                fits = indicator is not None and {
                    c.code for c in indicator.categories.all()
                } == set(merged)
                cell = (
                    {"key": f"p{s_index}r{r_index}c{c_index}", "indicator": indicator}
                    if fits
                    else None
                )
                cells.append({"column": column, "cell": cell, "display": "", "base": ""})
            entry = {"row": row, "cells": cells}
            (folded if row.get("optional") else shown).append(entry)
        sections.append({"section": section, "rows": shown, "folded": folded})
    return sections

"""Editors' pages for citizen information: the list with each item's languages, the item's
form and workflow buttons, its translations, and the views counted."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dantoc.citizens import permissions, selectors, services
from dantoc.citizens.forms import (
    AudioForm,
    ItemForm,
    LanguageForm,
    ReasonForm,
    TranslationForm,
)
from dantoc.citizens.models import TEXT_FIELDS, Topic
from dantoc.core.languages import BY_CODE
from dantoc.editorial import permissions as editorial_permissions
from dantoc.editorial import revisions
from dantoc.editorial import services as editorial
from dantoc.editorial.models import RevisionStatus, Status
from dantoc.geo.models import Unit
from dantoc.portal.models import LegalDocument

PAGE_SIZE = 30
ITEM_FIELDS = (
    "topic",
    "title",
    "summary",
    "for_whom",
    "benefits",
    "how_to_apply",
    "where_to_apply",
    "deadline",
    "contact",
    "body",
    "legal_document",
    "dbkk_villages",
)


def editor_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.is_editor(request.user):
            raise PermissionDenied(_("Trang này dành cho biên tập viên."))
        return view(request, *args, **kwargs)

    return wrapped


def _item_or_404(uuid):
    item = selectors.item_for_editing(uuid=uuid)
    if item is None:
        raise Http404
    return item


def _errors(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


@editor_required
def item_list(request):
    topic = request.GET.get("chu-de", "")
    topic = topic if topic in Topic.values else ""
    status = request.GET.get("trang-thai", "")
    status = status if status in Status.values else ""
    items = selectors.items_for_editor(user=request.user, topic=topic, status=status)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "citizens/editor/list.html",
        {
            "page": page,
            "rows": [
                (i, selectors.coverage(i), selectors.audio_states(i).get("vi", "")) for i in page
            ],
            "languages": [c for c in selectors.coverage(page[0])] if page else [],
            "topic": topic,
            "status": status,
            "topics": Topic.choices,
            "statuses": Status.choices,
        },
    )


@editor_required
def item_edit(request, uuid=None):
    item = _item_or_404(uuid) if uuid else None
    if item is not None and not permissions.can_edit(request.user, item):
        raise PermissionDenied(_("Bạn không có quyền biên tập nội dung của đơn vị này."))
    if request.method == "POST":
        form = ItemForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = services.item_save(
                    actor=request.user,
                    item=item,
                    unit=data["unit"],
                    regions=data["regions"],
                    **{name: data[name] for name in ITEM_FIELDS},
                )
            except ValidationError as exc:
                _errors(form, exc)
            else:
                if item.status == Status.PUBLISHED:
                    messages.success(
                        request,
                        _(
                            "Đã lưu bản sửa: bản đang hiện giữ nguyên cho tới khi một biên tập "
                            "viên khác duyệt bản sửa."
                        ),
                    )
                else:
                    messages.success(request, _("Đã lưu bản nháp."))
                return redirect("citizens:editor_item", uuid=item.uuid)
    elif item is not None:
        form = ItemForm(initial=_initial(item), user=request.user)
    else:
        form = ItemForm(initial={"unit": request.user.unit}, user=request.user)
    context = {"form": form, "item": item}
    if item is not None:
        context.update(
            coverage=selectors.coverage(item),
            vi_audio=selectors.audio_states(item).get("vi", ""),
            publish_refusal=editorial_permissions.publish_refusal(request.user, item),
            language_form=LanguageForm(),
            reason_form=ReasonForm(),
            **_revision_context(request.user, item),
        )
    return render(request, "citizens/editor/edit.html", context)


def _initial(item) -> dict:
    """The form's values: the open revision's when there is one (what the editor goes on
    editing), else the item's."""
    state = revisions.pending_state(item)
    initial = {name: state[name] for name in ITEM_FIELDS if name in state}
    initial["deadline"] = state["deadline"]
    initial["unit"] = Unit.objects.filter(pk=state["unit"]).first()
    initial["legal_document"] = (
        LegalDocument.objects.filter(pk=state["legal_document"]).first()
        if state["legal_document"]
        else None
    )
    initial["regions"] = [r for r in state["regions"].split(",") if r]
    return initial


def _revision_context(user, item) -> dict:
    """The item's open revision beside the published version, and the versions before."""
    revision = revisions.revision_open(item)
    history = list(
        revisions.revisions_of(item).filter(status=RevisionStatus.APPROVED).order_by("-number")
    )
    context = {
        "revision": revision,
        "history": history,
        "live_version": history[0].number if history else 1,
    }
    if revision is not None:
        live = revisions.handler_for(type(item)).state(item)
        context["comparison"] = revisions.compare(item, live, revision.data)
        context["approve_refusal"] = revisions.approve_refusal(user, revision, item)
    return context


ACTIONS = {
    "gui-duyet": lambda user, item, post: editorial.content_submit_for_review(
        actor=user, item=item
    ),
    "xuat-ban": lambda user, item, post: editorial.content_publish(actor=user, item=item),
    "tra-lai": lambda user, item, post: editorial.content_return_to_draft(
        actor=user, item=item, reason=post.get("reason", "")[:1000]
    ),
    "go-xuong": lambda user, item, post: editorial.content_withdraw(actor=user, item=item),
    "xoa": lambda user, item, post: editorial.content_delete(actor=user, item=item),
}
DONE = {
    "gui-duyet": _("Đã gửi duyệt: một biên tập viên khác sẽ đọc và xuất bản."),
    "xuat-ban": _("Đã xuất bản."),
    "tra-lai": _("Đã trả lại bản nháp."),
    "go-xuong": _("Đã gỡ khỏi trang đồng bào."),
    "xoa": _("Đã xoá."),
}


@editor_required
@require_POST
def item_action(request, uuid, action: str):
    if action not in ACTIONS:
        raise Http404
    item = _item_or_404(uuid)
    try:
        ACTIONS[action](request.user, item, request.POST)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
    else:
        messages.success(request, DONE[action])
        if action == "xoa":
            return redirect("citizens:editor_list")
    return redirect("citizens:editor_item", uuid=item.uuid)


TRANSLATION_ACTIONS = {
    "gui-duyet": editorial.translation_submit_for_review,
    "duyet": editorial.translation_publish,
    "go": editorial.translation_withdraw,
}


@editor_required
def translation_edit(request, uuid):
    item = _item_or_404(uuid)
    if not permissions.can_edit(request.user, item):
        raise PermissionDenied(_("Bạn không có quyền biên tập nội dung của đơn vị này."))
    language = (request.POST.get("language") or request.GET.get("language") or "").lower()
    if not language:
        # The first language the item lacks (then the first of the list): what to do next.
        coverage = selectors.coverage(item)
        language = next((c.code for c in coverage if not c.status), coverage[0].code)
    if language not in BY_CODE or language == "vi":
        raise Http404
    existing = next((t for t in item.translations.all() if t.language == language), None)
    if request.method == "POST" and request.POST.get("action") in TRANSLATION_ACTIONS:
        try:
            TRANSLATION_ACTIONS[request.POST["action"]](
                actor=request.user, item=item, language=language
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        else:
            messages.success(request, _("Đã cập nhật trạng thái bản dịch."))
        return redirect(f"{request.path}?language={language}")
    if request.method == "POST":
        form = TranslationForm(request.POST)
        if form.is_valid():
            try:
                services.translation_save(
                    actor=request.user, item=item, language=language, data=form.cleaned_data
                )
            except (ValidationError, PermissionDenied) as exc:
                _errors(
                    form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc))
                )
            else:
                messages.success(request, _("Đã lưu bản dịch nháp: gửi duyệt để người khác đọc."))
                return redirect(f"{request.path}?language={language}")
    else:
        initial = {name: getattr(existing, name) for name in TEXT_FIELDS} if existing else None
        form = TranslationForm(initial=initial)
    refusal = (
        editorial_permissions.translation_publish_refusal(request.user, item, existing)
        if existing
        else None
    )
    return render(
        request,
        "citizens/editor/translation.html",
        {
            "item": item,
            "form": form,
            "language": BY_CODE[language],
            "translation": existing,
            "publish_refusal": refusal,
            "source": [(name, getattr(item, name)) for name in TEXT_FIELDS],
        },
    )


@editor_required
def reach(request):
    return render(
        request,
        "citizens/editor/reach.html",
        {"reach": selectors.reach_summary(user=request.user)},
    )


@editor_required
def audio_edit(request, uuid):
    """The item's recording in one language (``?language=``, Vietnamese by default): upload
    or replace it, write its transcript; a second editor listens and approves it."""
    item = _item_or_404(uuid)
    if not permissions.can_edit(request.user, item):
        raise PermissionDenied(_("Bạn không có quyền biên tập nội dung của đơn vị này."))
    language = (request.POST.get("language") or request.GET.get("language") or "vi").lower()
    if language not in BY_CODE:
        raise Http404
    audio = selectors.audio_for_editing(item=item, language=language)
    here = f"{request.path}?language={language}"
    action = request.POST.get("action") if request.method == "POST" else None
    if action in ("duyet", "xoa") and audio is not None:
        try:
            if action == "duyet":
                services.audio_approve(actor=request.user, audio=audio)
                messages.success(request, _("Đã duyệt bản ghi âm: người dân nghe được."))
            else:
                services.audio_delete(actor=request.user, audio=audio)
                messages.success(request, _("Đã xoá bản ghi âm."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        return redirect(here)
    if request.method == "POST":
        form = AudioForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.audio_save(
                    actor=request.user,
                    item=item,
                    language=language,
                    transcript=form.cleaned_data["transcript"],
                    file=form.cleaned_data["file"],
                )
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Đã lưu bản ghi âm: một biên tập viên khác nghe và duyệt thì mới phát."),
                )
                return redirect(here)
    else:
        form = AudioForm(initial={"transcript": audio.transcript} if audio else None)
    return render(
        request,
        "citizens/editor/audio.html",
        {
            "item": item,
            "form": form,
            "audio": audio,
            "language": BY_CODE[language],
            "languages": [(c, lang.name) for c, lang in BY_CODE.items() if c != "en"],
            "approve_refusal": (
                services.audio_approve_refusal(request.user, audio) if audio else None
            ),
        },
    )

"""Editors' pages: lists of their units' items, forms, and the workflow buttons."""

from __future__ import annotations

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dantoc.editorial import revisions
from dantoc.portal import permissions, selectors, services
from dantoc.portal.forms import (
    LANGUAGE_NAMES,
    AgencyForm,
    ArticleForm,
    LegalDocumentForm,
    PublishForm,
    ReasonForm,
    TranslationForm,
)
from dantoc.portal.models import Agency, ArticleKind, ContentRevision, RevisionStatus, Status

PAGE_SIZE = 30


def editor_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.is_editor(request.user):
            raise PermissionDenied(_("Trang này dành cho biên tập viên cổng thông tin."))
        return view(request, *args, **kwargs)

    return wrapped


def _errors_to_form(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


def _revision_context(user, item) -> dict:
    """The item's open revision (a new version waiting for a second editor) beside the
    published version, and the versions approved before."""
    revision = revisions.revision_open(item)
    history = list(
        revisions.revisions_of(item).filter(status=RevisionStatus.APPROVED).order_by("-number")
    )
    context = {
        "revision": revision,
        "history": history,
        "live_version": history[0].number if history else 1,
    }
    live = revisions.handler_for(type(item)).state(item)
    shown = revision.data if revision is not None else live
    live_files = {a["uuid"] for a in live["attachments"]}
    context["attachments"] = [
        {**a, "pending": a["uuid"] not in live_files} for a in shown["attachments"]
    ]
    context["translations"] = shown.get("translations", [])
    if revision is not None:
        context["comparison"] = revisions.compare(item, live, revision.data)
        context["approve_refusal"] = permissions.revision_approve_refusal(user, revision, item)
    return context


# --- articles -----------------------------------------------------------------------------


@editor_required
def article_list(request):
    status = request.GET.get("trang-thai", "")
    status = status if status in Status.values else ""
    kind = request.GET.get("chuyen-muc", "")
    kind = kind if kind in ArticleKind.values else ""
    q = request.GET.get("q", "")[:200]
    articles = selectors.articles_for_editor(user=request.user, status=status, kind=kind, q=q)
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/editor/article_list.html",
        {
            "page": page,
            "status": status,
            "kind": kind,
            "q": q,
            "statuses": Status.choices,
            "kinds": ArticleKind.choices,
        },
    )


def _article_or_404(uuid):
    article = selectors.article_for_editing(uuid=uuid)
    if article is None or article.deleted_at is not None:
        raise Http404
    return article


@editor_required
def article_edit(request, uuid=None):
    article = _article_or_404(uuid) if uuid else None
    if article is not None and not permissions.can_edit(request.user, article):
        raise PermissionDenied(_("Bạn không có quyền biên tập nội dung của đơn vị này."))
    if request.method == "POST":
        form = ArticleForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                article = services.article_save(
                    actor=request.user,
                    article=article,
                    unit=data["unit"],
                    kind=data["kind"],
                    title=data["title"],
                    summary=data["summary"],
                    body=data["body"],
                    areas=data["areas"],
                    image=data.get("image") or None,
                    image_alt=data["image_alt"],
                    remove_image=data["remove_image"],
                )
                if data.get("attachment"):
                    services.article_attachment_add(
                        actor=request.user,
                        article=article,
                        upload=data["attachment"],
                        title=data["attachment_title"],
                    )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Đã lưu."))
                return redirect("portal:editor_article", uuid=article.uuid)
    elif article is not None:
        # An open revision is what the editor goes on editing; the article is what is live.
        pending = revisions.pending_state(article)
        form = ArticleForm(
            user=request.user,
            initial={
                name: pending[name]
                for name in ("kind", "unit", "title", "summary", "body", "areas", "image_alt")
            },
        )
    else:
        form = ArticleForm(
            user=request.user,
            initial={"unit": request.user.unit, "kind": request.GET.get("chuyen-muc", "news")},
        )
    return render(
        request,
        "portal/editor/article_form.html",
        {
            "form": form,
            "article": article,
            "publish_form": PublishForm(),
            "reason_form": ReasonForm(),
            "translation_form": TranslationForm(),
            "language_names": LANGUAGE_NAMES,
            "publish_refusal": permissions.publish_refusal(request.user, article)
            if article
            else None,
            **(_revision_context(request.user, article) if article else {}),
        },
    )


def _workflow(request, item, *, submit, give_back, publish, unpublish, delete, action: str):
    """Run one workflow button; a refusal is shown as a message, never half-done."""
    if action == "gui-duyet":
        submit(item)
        return _("Đã gửi duyệt.")
    if action == "tra-lai":
        form = ReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        give_back(item, reason)
        return _("Đã trả lại bản nháp.")
    if action == "xuat-ban":
        form = PublishForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Thời điểm hẹn giờ không hợp lệ."))
        item = publish(item, form.cleaned_data["publish_at"])
        if item.status != Status.PUBLISHED:
            return _("Đã hẹn giờ xuất bản.")
        return _("Đã xuất bản.")
    if action == "go":
        unpublish(item)
        return _("Đã gỡ khỏi cổng thông tin.")
    if action == "xoa":
        delete(item)
        return _("Đã xoá.")
    raise Http404


@editor_required
@require_POST
def article_action(request, uuid, action: str):
    article = _article_or_404(uuid)
    user = request.user
    try:
        if action == "xoa-tep":
            services.article_attachment_remove(
                actor=user, article=article, attachment_uuid=request.POST.get("tep")
            )
            message = _("Đã bỏ tệp đính kèm.")
        elif action == "xoa-ban-dich":
            services.article_translation_delete(
                actor=user, article=article, language=request.POST.get("ngon-ngu", "")
            )
            message = _("Đã xoá bản dịch.")
        else:
            message = _workflow(
                request,
                article,
                submit=lambda a: services.article_submit_for_review(actor=user, article=a),
                give_back=lambda a, r: services.article_return_to_draft(
                    actor=user, article=a, reason=r
                ),
                publish=lambda a, when: services.article_publish(
                    actor=user, article=a, publish_at=when
                ),
                unpublish=lambda a: services.article_unpublish(actor=user, article=a),
                delete=lambda a: services.article_delete(actor=user, article=a),
                action=action,
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("portal:editor_article", uuid=article.uuid)
    messages.success(request, message)
    if action == "xoa":
        return redirect("portal:editor_articles")
    return redirect("portal:editor_article", uuid=article.uuid)


@editor_required
@require_POST
def article_translation(request, uuid):
    article = _article_or_404(uuid)
    form = TranslationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Bản dịch cần ngôn ngữ và tiêu đề."))
        return redirect("portal:editor_article", uuid=article.uuid)
    try:
        services.article_translation_save(actor=request.user, article=article, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã lưu bản dịch."))
    return redirect("portal:editor_article", uuid=article.uuid)


# --- legal documents ----------------------------------------------------------------------


@editor_required
def document_list(request):
    status = request.GET.get("trang-thai", "")
    status = status if status in Status.values else ""
    q = request.GET.get("q", "")[:200]
    documents = selectors.legal_documents_for_editor(user=request.user, status=status, q=q)
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/editor/document_list.html",
        {"page": page, "status": status, "q": q, "statuses": Status.choices},
    )


def _document_or_404(uuid):
    document = selectors.legal_document_for_editing(uuid=uuid)
    if document is None or document.deleted_at is not None:
        raise Http404
    return document


@editor_required
def document_edit(request, uuid=None):
    document = _document_or_404(uuid) if uuid else None
    if document is not None and not permissions.can_edit(request.user, document):
        raise PermissionDenied(_("Bạn không có quyền biên tập nội dung của đơn vị này."))
    exclude = document.pk if document else None
    if request.method == "POST":
        form = LegalDocumentForm(request.POST, request.FILES, user=request.user, exclude_pk=exclude)
        if form.is_valid():
            data = form.cleaned_data
            upload, upload_title = data.pop("attachment"), data.pop("attachment_title")
            try:
                document = services.legal_document_save(
                    actor=request.user, document=document, **data
                )
                if upload:
                    services.legal_document_attachment_add(
                        actor=request.user, document=document, upload=upload, title=upload_title
                    )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Đã lưu."))
                return redirect("portal:editor_document", uuid=document.uuid)
    elif document is not None:
        # An open revision is what the editor goes on editing; the document is what is live.
        pending = revisions.pending_state(document)
        initial = {
            name: pending[name]
            for name in (
                "unit", "number_symbol", "doc_type", "issuing_body", "signer", "abstract",
                "field", "legal_status", "body", "areas", "amends", "replaces",
            )
        }  # fmt: skip
        for name in ("issued_on", "effective_on", "expires_on"):
            initial[name] = datetime.date.fromisoformat(pending[name]) if pending[name] else None
        form = LegalDocumentForm(user=request.user, exclude_pk=exclude, initial=initial)
    else:
        form = LegalDocumentForm(user=request.user, initial={"unit": request.user.unit})
    return render(
        request,
        "portal/editor/document_form.html",
        {
            "form": form,
            "document": document,
            "publish_form": PublishForm(),
            "reason_form": ReasonForm(),
            "publish_refusal": permissions.publish_refusal(request.user, document)
            if document
            else None,
            **(_revision_context(request.user, document) if document else {}),
        },
    )


@editor_required
@require_POST
def document_action(request, uuid, action: str):
    document = _document_or_404(uuid)
    user = request.user
    try:
        if action == "xoa-tep":
            services.legal_document_attachment_remove(
                actor=user, document=document, attachment_uuid=request.POST.get("tep")
            )
            message = _("Đã bỏ tệp đính kèm.")
        else:
            message = _workflow(
                request,
                document,
                submit=lambda d: services.legal_document_submit_for_review(actor=user, document=d),
                give_back=lambda d, r: services.legal_document_return_to_draft(
                    actor=user, document=d, reason=r
                ),
                publish=lambda d, when: services.legal_document_publish(
                    actor=user, document=d, publish_at=when
                ),
                unpublish=lambda d: services.legal_document_unpublish(actor=user, document=d),
                delete=lambda d: services.legal_document_delete(actor=user, document=d),
                action=action,
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("portal:editor_document", uuid=document.uuid)
    messages.success(request, message)
    if action == "xoa":
        return redirect("portal:editor_documents")
    return redirect("portal:editor_document", uuid=document.uuid)


# --- agencies -----------------------------------------------------------------------------


@editor_required
def agency_list(request):
    agencies = selectors.agencies_for_editor(user=request.user)
    return render(request, "portal/editor/agency_list.html", {"agencies": agencies})


def _agency_or_404(uuid) -> Agency:
    agency = Agency.objects.select_related("unit").filter(uuid=uuid, deleted_at=None).first()
    if agency is None:
        raise Http404
    return agency


@editor_required
def agency_edit(request, uuid=None):
    agency = _agency_or_404(uuid) if uuid else None
    if agency is not None and not permissions.can_edit(request.user, agency):
        raise PermissionDenied(_("Bạn không có quyền biên tập nội dung của đơn vị này."))
    if request.method == "POST":
        form = AgencyForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                agency = services.agency_save(
                    actor=request.user, agency=agency, **form.cleaned_data
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Đã lưu."))
                return redirect("portal:editor_agencies")
    elif agency is not None:
        form = AgencyForm(
            user=request.user,
            initial={name: getattr(agency, name) for name in AgencyForm.base_fields},
        )
    else:
        form = AgencyForm(user=request.user, initial={"unit": request.user.unit})
    return render(request, "portal/editor/agency_form.html", {"form": form, "agency": agency})


@editor_required
@require_POST
def agency_delete(request, uuid):
    agency = _agency_or_404(uuid)
    services.agency_delete(actor=request.user, agency=agency)
    messages.success(request, _("Đã xoá."))
    return redirect("portal:editor_agencies")


# --- revisions of published items (any content type registered with editorial.revisions) --


def _revision_or_404(uuid) -> tuple[ContentRevision, object]:
    revision = ContentRevision.objects.select_related("content_type").filter(uuid=uuid).first()
    item = revisions.revision_item(revision) if revision is not None else None
    if item is None or getattr(item, "deleted_at", None) is not None:
        raise Http404
    return revision, item


@editor_required
def revision_detail(request, uuid):
    """One revision beside the version it replaces (open: the published version)."""
    revision, item = _revision_or_404(uuid)
    if not permissions.can_edit(request.user, item):
        raise PermissionDenied(_("Bạn không có quyền biên tập nội dung của đơn vị này."))
    handler = revisions.handler_for(type(item))
    if revision.status == RevisionStatus.APPROVED:
        left = revision.previous or {}
        headings = (
            _("Phiên bản %(n)s") % {"n": revision.number - 1},
            _("Phiên bản %(n)s") % {"n": revision.number},
        )
    else:
        left = handler.state(item)
        headings = (_("Bản đang xuất bản"), _("Bản sửa đang chờ duyệt"))
    return render(
        request,
        "portal/editor/revision.html",
        {
            "revision": revision,
            "item": item,
            "item_url": handler.editor_url(item),
            "headings": headings,
            "comparison": revisions.compare(item, left, revision.data),
            "approve_refusal": permissions.revision_approve_refusal(request.user, revision, item),
        },
    )


@editor_required
@require_POST
def revision_action(request, uuid, action: str):
    revision, item = _revision_or_404(uuid)
    user = request.user
    try:
        if action == "gui-duyet":
            revisions.revision_submit(actor=user, revision=revision)
            message = _("Đã gửi duyệt bản sửa.")
        elif action == "duyet":
            revisions.revision_approve(actor=user, revision=revision)
            message = _("Đã duyệt: bản sửa đã thay bản đang xuất bản.")
        elif action == "tra-lai":
            form = ReasonForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            revisions.revision_return(actor=user, revision=revision, reason=reason)
            message = _("Đã trả lại bản sửa.")
        elif action == "bo":
            revisions.revision_discard(actor=user, revision=revision)
            message = _("Đã bỏ bản sửa; bản đang xuất bản giữ nguyên.")
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, message)
    return redirect(revisions.handler_for(type(item)).editor_url(item))

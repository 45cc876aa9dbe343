"""Librarians' pages: their items, the item's form with its files, and the workflow buttons
(submit, publish by a second person, return, withdraw, delete) of ``editorial.services``."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dantoc.editorial import permissions as editorial_permissions
from dantoc.editorial import services as editorial
from dantoc.editorial.models import Status
from dantoc.library import permissions, selectors, services
from dantoc.library.forms import ItemForm

PAGE_SIZE = 30
FIELDS = (
    "doc_type",
    "title",
    "creators",
    "contributors",
    "publisher",
    "issued",
    "description",
    "subjects",
    "language",
    "isbn",
    "identifier",
    "licence",
    "rights",
    "access",
)


def librarian_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.is_librarian(request.user):
            raise PermissionDenied(_("Trang này dành cho cán bộ thư viện."))
        return view(request, *args, **kwargs)

    return wrapped


def _item_or_404(request, uuid):
    item = selectors.item_get(uuid=uuid)
    if item is None or item.deleted_at is not None or not permissions.can_edit(request.user, item):
        raise Http404
    return item


@librarian_required
def item_list(request):
    status = request.GET.get("trang-thai", "")
    items = selectors.items_for_editor(user=request.user, status=status)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "library/editor/list.html",
        {"page": page, "status": status, "statuses": Status.choices},
    )


@librarian_required
def item_edit(request, uuid=None):
    item = _item_or_404(request, uuid) if uuid else None
    if request.method == "POST":
        form = ItemForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = services.item_save(
                    actor=request.user,
                    item=item,
                    unit=data["unit"],
                    ethnic_groups=data["ethnic_groups"],
                    document_file=data["document"],
                    audio_file=data["audio"],
                    key=data["key"] if item is None else None,
                    **{name: data[name] for name in FIELDS},
                )
            except (ValidationError, PermissionDenied) as exc:
                for message in getattr(exc, "messages", None) or [str(exc)]:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Đã lưu bản nháp."))
                return redirect("library:editor_item", uuid=item.uuid)
    elif item is not None:
        initial = {name: getattr(item, name) for name in FIELDS}
        initial.update(unit=item.unit, ethnic_groups=list(item.ethnic_groups.all()))
        form = ItemForm(initial=initial, user=request.user)
    else:
        form = ItemForm(initial={"unit": request.user.unit}, user=request.user)
    context = {"form": form, "item": item}
    if item is not None:
        context["publish_refusal"] = editorial_permissions.publish_refusal(request.user, item)
    return render(request, "library/editor/edit.html", context)


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
    "trich-lai": lambda user, item, post: services.text_retry(actor=user, item=item),
}
DONE = {
    "gui-duyet": gettext_lazy("Đã gửi duyệt: một cán bộ thư viện khác sẽ đọc và xuất bản."),
    "xuat-ban": gettext_lazy("Đã xuất bản."),
    "tra-lai": gettext_lazy("Đã trả lại bản nháp."),
    "go-xuong": gettext_lazy("Đã gỡ khỏi thư viện."),
    "xoa": gettext_lazy("Đã xoá."),
    "trich-lai": gettext_lazy("Đã xếp hàng trích lại văn bản."),
}


@librarian_required
@require_POST
def item_action(request, uuid, action: str):
    if action not in ACTIONS:
        raise Http404
    item = _item_or_404(request, uuid)
    try:
        ACTIONS[action](request.user, item, request.POST)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
    else:
        messages.success(request, str(DONE[action]))
        if action == "xoa":
            return redirect("library:editor_list")
    return redirect("library:editor_item", uuid=item.uuid)

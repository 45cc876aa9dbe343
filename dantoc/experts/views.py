"""Pages of the expert database: the directory and profiles (everyone; officials see more),
the expert's own pages (profile, consent, data download, deletion request), registration and
invitations, and the officials' pages (matching, verification, engagements, import, export)."""

from __future__ import annotations

import json
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dantoc.accounts.services import user_create
from dantoc.core.errors import ImportRejected
from dantoc.core.paging import page_of
from dantoc.experts import exchange, permissions, selectors, services, tasks
from dantoc.experts.forms import (
    ConsentForm,
    DocumentForm,
    EngagementForm,
    ImportForm,
    InvitationForm,
    MatchForm,
    OfficialCreateForm,
    PhotoForm,
    ProfileForm,
    RegisterForm,
    SearchForm,
    VerifyForm,
)
from dantoc.experts.models import Expert, ExpertDocument
from dantoc.media.responses import stored_file_response
from dantoc.media.selectors import derivatives_by_profile

PAGE_SIZE = 20


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _errors_to_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            name = "fields_" if name == "fields" else name
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)
    else:
        for problem in error.messages:
            form.add_error(None, problem)


def _base_url(request) -> str:
    return (getattr(settings, "SITE_URL", "") or request.build_absolute_uri("/")).rstrip("/")


# --- directory and profiles ---------------------------------------------------------------------


@require_safe
def directory(request):
    form = SearchForm(request.GET or None)
    params = form.params() if request.GET else selectors.SearchParams()
    queryset = selectors.experts_search(selectors.experts_visible_to(request.user), params)
    page_obj = page_of(
        queryset.only(*selectors.LIST_FIELDS).prefetch_related("photo__derivatives"),
        request.GET.get("trang"),
        PAGE_SIZE,
    )
    query = request.GET.copy()
    query.pop("trang", None)
    return render(
        request,
        "experts/directory.html",
        {
            "form": form,
            "page_obj": page_obj,
            "query": query.urlencode(),
            "is_official": permissions.is_official(request.user),
            "can_manage": permissions.can_manage_experts(request.user),
            "own": selectors.expert_of_user(request.user),
            "can_register": permissions.can_register(request.user),
        },
    )


def _visible_or_404(request, uuid) -> Expert:
    expert = selectors.expert_get_visible(user=request.user, uuid=uuid)
    if expert is None:
        raise Http404
    return expert


@require_safe
def profile(request, uuid):
    expert = _visible_or_404(request, uuid)
    parts = selectors.expert_detail_parts(expert)
    jsonld = None
    url = _base_url(request) + reverse("experts:profile", args=[expert.uuid])
    if expert.is_public:
        image = (
            _base_url(request) + reverse("experts:photo", args=[expert.uuid])
            if expert.photo_id
            else ""
        )
        jsonld = json.dumps(
            exchange.person_jsonld(expert, parts, url=url, image_url=image), ensure_ascii=False
        ).replace("</", "<\\/")
    official = permissions.is_official(request.user)
    return render(
        request,
        "experts/profile.html",
        {
            "expert": expert,
            **parts,
            # Engagements and their evaluations are for officials and the expert themself.
            "show_engagements": official or permissions.is_own(request.user, expert),
            "jsonld": jsonld,
            "is_own": permissions.is_own(request.user, expert),
            "is_official": official,
            "can_see_restricted": permissions.can_view_restricted(request.user, expert),
            "can_manage": permissions.can_manage_experts(request.user),
            "can_erase": permissions.can_erase(request.user),
            "summary": selectors.engagement_summary(expert),
        },
    )


@require_safe
def profile_jsonld(request, uuid):
    expert = selectors.experts_public().filter(uuid=uuid).first()
    if expert is None:
        raise Http404
    parts = selectors.expert_detail_parts(expert)
    url = _base_url(request) + reverse("experts:profile", args=[expert.uuid])
    image = (
        _base_url(request) + reverse("experts:photo", args=[expert.uuid]) if expert.photo_id else ""
    )
    return JsonResponse(
        exchange.person_jsonld(expert, parts, url=url, image_url=image),
        content_type="application/ld+json",
        json_dumps_params={"ensure_ascii": False},
    )


@require_safe
def photo(request, uuid):
    expert = _visible_or_404(request, uuid)
    if expert.photo_id is None:
        raise Http404
    asset = expert.photo
    profile_name = request.GET.get("v", "")
    derivative = derivatives_by_profile(asset).get(profile_name) if profile_name else None
    public = expert.is_public
    if derivative is not None:
        return stored_file_response(derivative.file, mime_type=derivative.mime_type, public=public)
    return stored_file_response(asset.file, mime_type=asset.mime_type, public=public)


@login_required
@require_safe
def contact(request, uuid):
    """The restricted part (contact, documents): officials when the expert allows it. Every
    opening is logged."""
    expert = _visible_or_404(request, uuid)
    if not permissions.can_view_restricted(request.user, expert):
        raise Http404
    services.restricted_view_record(
        actor=request.user, expert=expert, what="contact", ip_address=_ip(request)
    )
    return render(
        request,
        "experts/contact.html",
        {"expert": expert, "documents": list(expert.documents.select_related("asset"))},
    )


@login_required
@require_safe
def document(request, uuid, pk):
    expert = _visible_or_404(request, uuid)
    if not permissions.can_view_restricted(request.user, expert):
        raise Http404
    doc = ExpertDocument.objects.select_related("asset").filter(expert=expert, pk=pk).first()
    if doc is None:
        raise Http404
    services.restricted_view_record(
        actor=request.user, expert=expert, what=f"document:{doc.pk}", ip_address=_ip(request)
    )
    response = stored_file_response(doc.asset.file, mime_type=doc.asset.mime_type, public=False)
    response["Content-Disposition"] = (
        f'attachment; filename="tai-lieu-{doc.pk}.{doc.asset.extension}"'
    )
    return response


# --- the expert's own pages ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_profile(request):
    expert = selectors.expert_of_user(request.user)
    if expert is None:
        return redirect("experts:register")
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.expert_update(actor=request.user, expert=expert, data=form.profile_data())
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, _("Đã lưu hồ sơ."))
                return redirect("experts:my_profile")
    else:
        form = ProfileForm(initial=ProfileForm.initial_from(expert))
    return render(
        request,
        "experts/my_profile.html",
        {
            "expert": expert,
            "form": form,
            "photo_form": PhotoForm(),
            "document_form": DocumentForm(),
            "consent_form": ConsentForm(
                initial={
                    "consent_public": expert.consent_public,
                    "consent_officials": expert.consent_officials,
                }
            ),
            "documents": list(expert.documents.select_related("asset")),
            "consents": list(expert.consents.all()[:10]),
        },
    )


@login_required
@require_POST
def my_photo(request):
    expert = selectors.expert_of_user(request.user)
    if expert is None:
        raise Http404
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.expert_photo_set(
                actor=request.user, expert=expert, file=form.cleaned_data["photo"]
            )
        except ValidationError as error:
            for problem in error.messages:
                messages.error(request, problem)
        else:
            messages.success(request, _("Đã cập nhật ảnh."))
    else:
        messages.error(request, _("Hãy chọn một tệp ảnh."))
    return redirect("experts:my_profile")


@login_required
@require_POST
def my_document(request):
    expert = selectors.expert_of_user(request.user)
    if expert is None:
        raise Http404
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.expert_document_add(
                actor=request.user,
                expert=expert,
                file=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as error:
            for problem in error.messages:
                messages.error(request, problem)
        else:
            messages.success(request, _("Đã thêm tài liệu."))
    else:
        messages.error(request, _("Hãy đặt tên và chọn tệp tài liệu."))
    return redirect("experts:my_profile")


@login_required
@require_POST
def my_consent(request):
    expert = selectors.expert_of_user(request.user)
    if expert is None:
        raise Http404
    action = request.POST.get("action")
    if action == "withdraw":
        services.consent_withdraw(actor=request.user, expert=expert)
        messages.success(request, _("Đã rút sự đồng ý: hồ sơ của bạn không còn hiện ở bất cứ đâu."))
    elif action == "delete":
        services.deletion_request(actor=request.user, expert=expert)
        messages.success(
            request,
            _("Đã gửi yêu cầu xoá dữ liệu: hồ sơ đã ẩn và sẽ được xoá sau khi cán bộ kiểm tra."),
        )
    else:
        form = ConsentForm(request.POST)
        form.is_valid()
        services.consent_set(
            actor=request.user,
            expert=expert,
            public=bool(form.cleaned_data.get("consent_public")),
            officials=bool(form.cleaned_data.get("consent_officials")),
        )
        messages.success(request, _("Đã ghi lựa chọn của bạn."))
    return redirect("experts:my_profile")


@login_required
@require_safe
def my_data(request):
    expert = selectors.expert_of_user(request.user)
    if expert is None:
        raise Http404
    body = json.dumps(exchange.expert_data_download(expert), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="du-lieu-chuyen-gia.json"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def register(request):
    if request.user.is_authenticated and selectors.expert_of_user(request.user):
        return redirect("experts:my_profile")
    if not permissions.can_register(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = RegisterForm(request.POST, signed_in=request.user.is_authenticated)
        if form.is_valid():
            try:
                expert = _register(request, form)
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, _("Đã tạo hồ sơ chuyên gia."))
                return redirect("experts:profile", uuid=expert.uuid)
    else:
        form = RegisterForm(signed_in=request.user.is_authenticated)
    return render(
        request, "experts/register.html", {"form": form, "purpose": services.DEFAULT_PURPOSE}
    )


def _register(request, form) -> Expert:
    # The account keeps only the sign-in (no name, no e-mail): the personal data live in the
    # profile, under the expert's consent, and go when the profile is erased.
    d = form.cleaned_data
    done = Expert.objects.filter(request_token=d["token"]).first()
    if done is not None:  # the same form sent twice
        return done
    with transaction.atomic():
        user = request.user
        if not user.is_authenticated:
            user = user_create(
                actor=None,
                username=d["username"],
                password=d["password"],
                unit=None,
                roles=(),
            )
        expert = services.expert_register(
            user=user,
            data=form.profile_data(),
            consent_public=bool(d.get("consent_public")),
            consent_officials=bool(d.get("consent_officials")),
            purpose_accepted=bool(d.get("purpose_accepted")),
            request_token=d["token"],
        )
    if not request.user.is_authenticated:
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return expert


@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request, token):
    expert = Expert.objects.filter(invite_token=token, user__isnull=True).first() if token else None
    if expert is None:
        raise Http404
    if request.method == "POST":
        form = InvitationForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():
                    user = user_create(
                        actor=None,
                        username=d["username"],
                        password=d["password"],
                        unit=None,
                        roles=(),
                    )
                    services.expert_invitation_accept(
                        user=user,
                        token=token,
                        consent_public=bool(d.get("consent_public")),
                        consent_officials=bool(d.get("consent_officials")),
                        purpose_accepted=bool(d.get("purpose_accepted")),
                    )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Đã nhận lời mời. Hãy kiểm tra hồ sơ của bạn."))
                return redirect("experts:my_profile")
    else:
        form = InvitationForm()
    return render(
        request,
        "experts/invitation.html",
        {"form": form, "expert": expert, "purpose": services.DEFAULT_PURPOSE},
    )


# --- officials' pages ---------------------------------------------------------------------------


def _require_official(request):
    if not permissions.is_official(request.user):
        raise Http404


def _require_manager(request):
    if not permissions.can_manage_experts(request.user):
        raise Http404


@login_required
@require_safe
def match(request):
    _require_official(request)
    form = MatchForm(request.GET or None)
    results = None
    chosen = None
    if request.GET and form.is_valid():
        chosen = form.request_obj()
        results = selectors.experts_match(user=request.user, request=chosen)
    return render(
        request, "experts/match.html", {"form": form, "results": results, "chosen": chosen}
    )


@login_required
@require_safe
def manage(request):
    _require_manager(request)
    pending = selectors.experts_for_officials().filter(verified_at__isnull=True)[:50]
    deletion = Expert.objects.filter(deletion_requested_at__isnull=False)[:50]
    return render(
        request,
        "experts/manage.html",
        {
            "pending": list(pending),
            "deletion": list(deletion) if permissions.can_erase(request.user) else [],
            "import_form": ImportForm(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def create(request):
    _require_manager(request)
    invite_url = None
    if request.method == "POST":
        form = OfficialCreateForm(request.POST)
        if form.is_valid():
            try:
                expert, token = services.expert_create(
                    actor=request.user,
                    data=form.profile_data(),
                    request_token=form.cleaned_data["token"],
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                invite_url = _base_url(request) + reverse("experts:invitation", args=[token])
                if expert.email and expert.invite_token:
                    # The expert gets the link by e-mail too (once: a replayed form queues
                    # the task again, which finds the first sending and sends nothing).
                    transaction.on_commit(
                        partial(tasks.invitation_email_send_task.enqueue, expert.pk, invite_url)
                    )
                return render(
                    request,
                    "experts/created.html",
                    {"expert": expert, "invite_url": invite_url},
                )
    else:
        form = OfficialCreateForm()
    return render(request, "experts/create.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request, uuid):
    _require_manager(request)
    expert = _visible_or_404(request, uuid)
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.expert_verify(actor=request.user, expert=expert, note=form.cleaned_data["note"])
        messages.success(request, _("Đã ghi xác minh."))
        return redirect("experts:profile", uuid=expert.uuid)
    return render(request, "experts/verify.html", {"expert": expert, "form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def engagement(request, uuid):
    _require_manager(request)
    expert = _visible_or_404(request, uuid)
    form = EngagementForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.engagement_record(
                actor=request.user,
                expert=expert,
                data=form.data_obj(),
                request_token=form.cleaned_data["token"],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Đã ghi lần tham gia."))
            return redirect("experts:profile", uuid=expert.uuid)
    return render(request, "experts/engagement.html", {"expert": expert, "form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def erase(request, uuid):
    if not permissions.can_erase(request.user):
        raise Http404
    expert = Expert.objects.filter(uuid=uuid, deletion_requested_at__isnull=False).first()
    if expert is None:
        raise Http404
    if request.method == "POST":
        services.expert_erase(actor=request.user, expert=expert)
        messages.success(request, _("Đã xoá dữ liệu của chuyên gia."))
        return redirect("experts:manage")
    return render(request, "experts/erase.html", {"expert": expert})


@login_required
@require_safe
def export(request, fmt):
    _require_official(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = SearchForm(request.GET or None)
    params = form.params() if request.GET else selectors.SearchParams()
    experts = selectors.experts_search(selectors.experts_for_officials(), params)
    restricted = permissions.can_export_restricted(request.user)
    header, rows = exchange.export_rows(experts, restricted=restricted)
    services.export_record(actor=request.user, count=len(rows), restricted=restricted, fmt=fmt)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "xlsx":
        body = exchange.export_xlsx(header, rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = exchange.export_csv(header, rows)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="chuyen-gia-{stamp}.{fmt}"'
    return response


@login_required
@require_safe
def import_template(request):
    _require_manager(request)
    response = HttpResponse(
        exchange.import_template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-chuyen-gia.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request):
    _require_manager(request)
    errors = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = exchange.experts_xlsx_read(upload.read(exchange.MAX_IMPORT_BYTES + 1))
            created = services.experts_import(actor=request.user, rows=rows)
        except ImportRejected as rejected:
            errors = rejected.errors
        else:
            messages.success(request, _("Đã nhập %(n)d chuyên gia.") % {"n": len(created)})
            return redirect("experts:manage")
    return render(request, "experts/import.html", {"form": form, "errors": errors})

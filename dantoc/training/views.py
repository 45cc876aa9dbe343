"""Pages of the training part. Thin: parse, check permission, call a service or selector."""

from __future__ import annotations

import json

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dantoc.accounts.models import User
from dantoc.core.errors import ImportRejected
from dantoc.geo.models import EthnicGroup, UnitLevel
from dantoc.geo.selectors import unit_children, unit_get
from dantoc.media.responses import ORIGINAL, asset_profile_response
from dantoc.training import (
    calendar,
    credentials,
    documents,
    permissions,
    roster,
    selectors,
    services,
)
from dantoc.training.forms import (
    AudienceForm,
    CourseForm,
    EventForm,
    FeedbackForm,
    LessonForm,
    MaterialForm,
    QuestionForm,
    SessionForm,
    VerifyForm,
)
from dantoc.training.models import (
    AgeBand,
    Certificate,
    CheckinMethod,
    Course,
    Event,
    Material,
    Participant,
    ParticipantStatus,
    Sex,
)


def _base_url(request) -> str:
    return (settings.SITE_URL or request.build_absolute_uri("/")).rstrip("/")


def _errors(request, error: ValidationError) -> None:
    for problem in error.messages:
        messages.error(request, problem)


def _event(request, uuid) -> Event:
    event = get_object_or_404(Event.objects.select_related("unit"), uuid=uuid)
    if not permissions.can_view_event(request.user, event):
        raise Http404
    return event


@login_required
@require_safe
def event_list(request):
    if not permissions.can_view_training(request.user):
        raise Http404
    coming, past = selectors.upcoming_and_past(
        list(selectors.events_for_user(user=request.user)[:200])
    )
    mine = {
        p.event_id: p
        for p in Participant.objects.filter(user=request.user).exclude(
            status=ParticipantStatus.CANCELLED
        )
    }
    for e in coming + past:
        e.my = mine.get(e.pk)
    return render(
        request,
        "training/event_list.html",
        {
            "coming": coming,
            "past": past,
            "can_organise": permissions.can_organise(request.user),
            "courses": selectors.courses_published(),
            "certificates": selectors.certificates_of(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def event_create(request):
    if not permissions.can_organise(request.user):
        raise PermissionDenied
    form = EventForm(request.POST or None, unit=request.user.unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.event_create(
                actor=request.user,
                unit=request.user.unit,
                kind=data["kind"],
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                audience=data["audience"],
                venue=data["venue"],
                description=data["description"],
                **form.audience(),
            )
            services.session_add(
                actor=request.user,
                event=event,
                title=_("Phiên 1"),
                mode=data["mode"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                venue=data["venue"],
                trainers=data["trainers"],
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Đã tạo sự kiện."))
            return redirect("training:event_detail", event.uuid)
    return render(request, "training/event_form.html", {"form": form})


@login_required
@require_safe
def event_detail(request, uuid):
    event = _event(request, uuid)
    manage = permissions.can_manage_event(request.user, event)
    mine = Participant.objects.filter(event=event, user=request.user).first()
    sessions = list(event.sessions.all())
    audience_units = list(event.audience_units.order_by("path"))
    context = {
        "event": event,
        "sessions": sessions,
        "audience_units": audience_units,
        "audience_roles": selectors.role_names(event.audience_roles),
        "audience_levels": [str(UnitLevel(lv).label) for lv in event.audience_levels],
        "materials": list(event.materials.select_related("asset")),
        "mine": mine,
        "manage": manage,
        "can_register": permissions.can_register(request.user, event)
        and (mine is None or mine.status == ParticipantStatus.CANCELLED),
        "feedback_form": FeedbackForm(),
        "started": event.starts_at <= timezone.now(),
    }
    if mine is not None and mine.status == ParticipantStatus.CONFIRMED:
        context["checkin_url"] = _base_url(request) + reverse(
            "training:checkin", args=[services.checkin_token(mine)]
        )
    if manage:
        participants = list(selectors.participants_of(event=event))
        for p in participants:
            p.present = {a.session_id for a in p.attendances.all() if a.present}
            if p.status == ParticipantStatus.CONFIRMED:
                p.checkin_url = reverse("training:checkin", args=[services.checkin_token(p)])
        context.update(
            {
                "participants": participants,
                "nominees": list(selectors.nominees_for(user=request.user, event=event)),
                "session_form": SessionForm(),
                "material_form": MaterialForm(),
                "audience_form": AudienceForm(
                    unit=event.unit,
                    initial={
                        "audience_levels": event.audience_levels,
                        "audience_roles": event.audience_roles,
                        "audience_units": "\n".join(u.code for u in audience_units),
                    },
                ),
                "feedback": selectors.feedback_summary(event=event),
                "ethnic_groups": EthnicGroup.objects.order_by("name"),
                "sexes": Sex.choices,
                "age_bands": AgeBand.choices,
            }
        )
    elif permissions.can_organise(request.user):
        context["nominees"] = list(selectors.nominees_for(user=request.user, event=event))
    return render(request, "training/event_detail.html", context)


def _post_action(request, uuid, action):
    event = _event(request, uuid)
    try:
        action(event)
    except ValidationError as error:
        _errors(request, error)
    except PermissionDenied:
        messages.error(request, _("Anh/chị không có quyền làm việc này."))
    return redirect("training:event_detail", event.uuid)


@login_required
@require_POST
def event_register(request, uuid):
    def act(event):
        services.participant_register(actor=request.user, event=event)
        messages.success(request, _("Đã đăng ký; chờ ban tổ chức xác nhận."))

    return _post_action(request, uuid, act)


@login_required
@require_POST
def event_nominate(request, uuid):
    def act(event):
        ids = [int(i) for i in request.POST.getlist("user") if i.isdigit()]
        if not ids:
            raise ValidationError(_("Chọn người được cử."))
        # The audience's units and each nominee's roles read once, not per nominee.
        prefetch_related_objects([event], "audience_units")
        nominees = User.objects.filter(pk__in=ids).select_related("unit").prefetch_related("roles")
        for nominee in nominees:
            services.participant_nominate(actor=request.user, event=event, nominee=nominee)
        messages.success(request, _("Đã cử %(n)d người.") % {"n": len(ids)})

    return _post_action(request, uuid, act)


@login_required
@require_POST
def event_audience(request, uuid):
    def act(event):
        form = AudienceForm(request.POST, unit=event.unit)
        if not form.is_valid():
            raise _form_errors(form)
        audience = form.audience()
        services.event_audience_set(
            actor=request.user,
            event=event,
            levels=audience["audience_levels"],
            roles=audience["audience_roles"],
            units=audience["audience_units"],
        )
        messages.success(request, _("Đã lưu đối tượng tham dự."))

    return _post_action(request, uuid, act)


@login_required
@require_POST
def material_create(request, uuid):
    def act(event):
        form = MaterialForm(request.POST, request.FILES)
        if not form.is_valid():
            raise _form_errors(form)
        services.material_add(
            actor=request.user,
            event=event,
            title=form.cleaned_data["title"],
            file=form.cleaned_data["file"],
        )
        messages.success(request, _("Đã thêm tài liệu; ảnh, âm thanh, video đang được xử lý."))

    return _post_action(request, uuid, act)


@login_required
@require_POST
def material_remove(request, uuid, material):
    def act(event):
        item = get_object_or_404(Material, uuid=material, event=event)
        services.material_delete(actor=request.user, material=item)
        messages.success(request, _("Đã xoá tài liệu."))

    return _post_action(request, uuid, act)


@login_required
@require_safe
def material_file(request, uuid, material):
    """A material's file for whoever may see the event (``?v=<profile>`` for a derivative)."""
    event = _event(request, uuid)
    item = get_object_or_404(Material.objects.select_related("asset"), uuid=material, event=event)
    download = f"{slugify(item.title) or 'tai-lieu'}.{item.asset.extension}"
    return asset_profile_response(
        item.asset,
        request.GET.get("v", ORIGINAL),
        public=False,
        request=request,
        filename=download,
    )


@login_required
@require_POST
def participant_action(request, uuid, pk, verb):
    def act(event):
        participant = get_object_or_404(Participant, pk=pk, event=event)
        if verb == "xac-nhan":
            services.participant_confirm(actor=request.user, participant=participant)
        elif verb == "huy":
            services.participant_cancel(actor=request.user, participant=participant)
        else:
            raise Http404

    return _post_action(request, uuid, act)


@login_required
@require_POST
def session_create(request, uuid):
    def act(event):
        form = SessionForm(request.POST)
        if not form.is_valid():
            raise _form_errors(form)
        services.session_add(actor=request.user, event=event, **form.cleaned_data)
        messages.success(request, _("Đã thêm phiên."))

    return _post_action(request, uuid, act)


@login_required
@require_POST
def attendance_manual(request, uuid):
    """The organiser's attendance grid: one checkbox per participant and session."""

    def act(event):
        if not permissions.can_manage_event(request.user, event):
            raise PermissionDenied
        ticked = set(request.POST.getlist("present"))
        for session in event.sessions.all():
            for participant in event.participants.filter(status=ParticipantStatus.CONFIRMED):
                present = f"{participant.pk}:{session.pk}" in ticked
                known = participant.attendances.filter(session=session).first()
                if known is None and not present:
                    continue
                services.attendance_record(
                    actor=request.user,
                    session=session,
                    participant=participant,
                    method=known.method if known and present else CheckinMethod.MANUAL,
                    present=present,
                )
        messages.success(request, _("Đã lưu điểm danh."))

    return _post_action(request, uuid, act)


@login_required
@require_POST
def headcount_save(request, uuid):
    def act(event):
        session = get_object_or_404(event.sessions, pk=request.POST.get("session") or 0)
        group = get_object_or_404(EthnicGroup, pk=request.POST.get("group") or 0)
        counts = []
        for key, value in request.POST.items():
            if key.startswith("n:") and value.strip():
                try:
                    _n, sex, band = key.split(":")
                    count = int(value)
                except ValueError as error:
                    raise ValidationError(_("Số người phải là số nguyên.")) from error
                if count < 0 or sex not in Sex.values or band not in AgeBand.values:
                    raise ValidationError(_("Số liệu không hợp lệ."))
                counts.append((sex, band, count))
        total = services.headcount_record(
            actor=request.user, session=session, ethnic_group=group, counts=counts
        )
        messages.success(request, _("Đã ghi %(n)d người dân tham dự.") % {"n": total})

    return _post_action(request, uuid, act)


@login_required
@require_POST
def event_finish(request, uuid):
    def act(event):
        n = services.event_complete(actor=request.user, event=event)
        messages.success(request, _("Đã cấp %(n)d chứng nhận.") % {"n": n})

    return _post_action(request, uuid, act)


@login_required
@require_POST
def event_cancel(request, uuid):
    def act(event):
        services.event_cancel(actor=request.user, event=event)
        messages.success(request, _("Đã hủy sự kiện và gửi thông báo hủy lịch."))

    return _post_action(request, uuid, act)


@login_required
@require_POST
def feedback(request, uuid):
    def act(event):
        form = FeedbackForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Chọn điểm từ 1 đến 5 cho cả hai mục."))
        services.feedback_submit(actor=request.user, event=event, **form.cleaned_data)
        messages.success(request, _("Cảm ơn anh/chị đã đánh giá."))

    return _post_action(request, uuid, act)


@login_required
@require_safe
def event_ics(request, uuid):
    event = _event(request, uuid)
    mine = Participant.objects.filter(event=event, user=request.user).first()
    body = calendar.invitation_ics(event=event, participant=mine, method="PUBLISH")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.uuid}.ics"'
    return response


@login_required
@require_safe
def checkin_qr(request, uuid):
    """The signed-in participant's own check-in code, as an SVG (a few hundred bytes)."""
    event = _event(request, uuid)
    mine = get_object_or_404(
        Participant, event=event, user=request.user, status=ParticipantStatus.CONFIRMED
    )
    url = _base_url(request) + reverse("training:checkin", args=[services.checkin_token(mine)])
    response = HttpResponse(
        segno.make(url, error="m").svg_inline(scale=4), content_type="image/svg+xml"
    )
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def checkin(request, token):
    """The organiser's phone opens the participant's QR (the phone's own camera app is enough)
    and records the presence with one small POST; a repeated POST changes nothing."""
    try:
        participant = services.checkin_token_read(token)
    except ValidationError as error:
        return render(request, "training/checkin.html", {"problem": error.messages[0]}, status=400)
    event = participant.event
    if not permissions.can_manage_event(request.user, event):
        raise PermissionDenied
    sessions = list(event.sessions.all())
    now = timezone.now()
    current = next((s for s in sessions if s.starts_at <= now <= s.ends_at), None) or (
        min(sessions, key=lambda s: abs((s.starts_at - now).total_seconds())) if sessions else None
    )
    done = None
    if request.method == "POST":
        session = next((s for s in sessions if str(s.pk) == request.POST.get("session")), None)
        if session is None:
            return render(
                request, "training/checkin.html", {"problem": _("Chọn phiên.")}, status=400
            )
        try:
            services.attendance_record(
                actor=request.user,
                session=session,
                participant=participant,
                method=CheckinMethod.QR,
            )
        except ValidationError as error:
            return render(
                request, "training/checkin.html", {"problem": error.messages[0]}, status=400
            )
        done, current = session, session
    present = set(participant.attendances.filter(present=True).values_list("session_id", flat=True))
    return render(
        request,
        "training/checkin.html",
        {
            "participant": participant,
            "event": event,
            "sessions": sessions,
            "current": current,
            "done": done,
            "present": present,
        },
    )


# --- e-learning ------------------------------------------------------------------------------


def _course(request, uuid) -> Course:
    course = get_object_or_404(Course, uuid=uuid, is_published=True)
    if not permissions.can_view_training(request.user):
        raise Http404
    return course


@login_required
@require_safe
def course_detail(request, uuid):
    course = _course(request, uuid)
    progress = selectors.progress_of(user=request.user, course=course)
    return render(
        request,
        "training/course_detail.html",
        {
            "course": course,
            "lessons": list(course.lessons.all()),
            "progress": progress,
            "done": set(progress.lessons_done) if progress else set(),
        },
    )


@login_required
@require_safe
def lesson_detail(request, uuid, position):
    course = _course(request, uuid)
    lessons = list(course.lessons.all())
    lesson = next((x for x in lessons if x.position == position), None)
    if lesson is None:
        raise Http404
    services.lesson_open(actor=request.user, course=course, position=position)
    later = [x for x in lessons if x.position > position]
    return render(
        request,
        "training/lesson.html",
        {
            "course": course,
            "lesson": lesson,
            "next": later[0] if later else None,
            "paragraphs": [p for p in lesson.body.split("\n\n") if p.strip()],
            "count": len(lessons),
        },
    )


@login_required
@require_safe
def lesson_media(request, uuid, position):
    """The picture, audio or video of a lesson, for whoever may take the course."""
    course = get_object_or_404(Course, uuid=uuid)
    readable = course.is_published and permissions.can_view_training(request.user)
    if not (readable or permissions.can_edit_course(request.user, course)):
        raise Http404
    lesson = get_object_or_404(
        course.lessons.select_related("media"), position=position, media__isnull=False
    )
    return asset_profile_response(
        lesson.media, request.GET.get("v", ORIGINAL), public=False, request=request
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def quiz(request, uuid):
    course = _course(request, uuid)
    questions = list(course.questions.prefetch_related("choices"))
    result = None
    if request.method == "POST":
        answers = {}
        for question in questions:
            value = request.POST.get(f"q{question.pk}", "")
            if value.isdigit():
                answers[question.pk] = int(value)
        try:
            score, passed, right = services.quiz_submit(
                actor=request.user, course=course, answers=answers
            )
        except ValidationError as error:
            _errors(request, error)
            return redirect("training:course_detail", course.uuid)
        for question in questions:
            question.was_right = right[question.pk]
            question.chosen = answers.get(question.pk)
        result = {"score": score, "passed": passed}
    certificate = Certificate.objects.filter(user=request.user, course=course).first()
    return render(
        request,
        "training/quiz.html",
        {
            "course": course,
            "questions": questions,
            "result": result,
            "certificate": certificate,
        },
    )


# --- certificates ----------------------------------------------------------------------------


@require_safe
def certificate_verify(request, uuid):
    """Public: anyone holding the paper or the file checks it here."""
    certificate = get_object_or_404(Certificate.objects.select_related("issuer_unit"), uuid=uuid)
    checked = credentials.verify(certificate.credential)
    is_holder = request.user.is_authenticated and request.user.pk == certificate.user_id
    return render(
        request,
        "training/certificate_verify.html",
        {
            "certificate": certificate,
            "checked": checked,
            "is_holder": is_holder,
            "can_revoke": request.user.is_authenticated
            and permissions.can_manage_certificates(request.user, certificate),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def credential_check(request):
    """Public: paste a downloaded credential; the signature and the revocation are checked."""
    form = VerifyForm(request.POST or None)
    checked = certificate = None
    if request.method == "POST" and form.is_valid():
        checked = credentials.verify(form.cleaned_data["credential"])
        if checked.valid:
            url = checked.credential.get("id", "")
            uuid = url.rstrip("/").rsplit("/", 1)[-1]
            certificate = Certificate.objects.filter(uuid=uuid).first() if len(uuid) == 36 else None
    return render(
        request,
        "training/credential_check.html",
        {"form": form, "checked": checked, "certificate": certificate},
        status=200 if checked is None or checked.valid else 422,
    )


def _holder_certificate(request, uuid) -> Certificate:
    certificate = get_object_or_404(Certificate.objects.select_related("issuer_unit"), uuid=uuid)
    if certificate.user_id != request.user.pk and not permissions.can_manage_certificates(
        request.user, certificate
    ):
        raise Http404
    return certificate


@login_required
@require_safe
def certificate_pdf(request, uuid):
    certificate = _holder_certificate(request, uuid)
    url = _base_url(request) + reverse("training:certificate_verify", args=[certificate.uuid])
    response = HttpResponse(
        documents.certificate_pdf(certificate=certificate, verify_url=url),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="chung-nhan-{certificate.uuid}.pdf"'
    return response


@login_required
@require_safe
def certificate_credential(request, uuid):
    certificate = _holder_certificate(request, uuid)
    response = HttpResponse(certificate.credential, content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="open-badge-{certificate.uuid}.jwt"'
    return response


@login_required
@require_POST
def certificate_revoke(request, uuid):
    certificate = get_object_or_404(Certificate, uuid=uuid)
    try:
        services.certificate_revoke(
            actor=request.user, certificate=certificate, reason=request.POST.get("reason", "")
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        _errors(request, error)
    return redirect("training:certificate_verify", certificate.uuid)


@require_safe
def issuer_profile(request):
    """The issuer's OB 3.0 ``Profile`` with the public key that verifies its credentials."""
    body = {
        "@context": credentials.CONTEXTS,
        "id": _base_url(request) + reverse("training:issuer_profile"),
        "type": ["Profile"],
        "name": "Nền tảng thông tin Chương trình MTQG vùng đồng bào DTTS&MN",
        "publicKey": credentials.public_jwk(),
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@require_safe
def issuer_jwks(request):
    return HttpResponse(
        json.dumps({"keys": [credentials.public_jwk()]}), content_type="application/jwk-set+json"
    )


def _goal_year(request) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year") or this_year)
    except ValueError:
        return this_year
    return year if 2021 <= year <= this_year else this_year


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def goal(request):
    """The 100 % goal: share of officials trained in a year per unit under the officer's unit
    (accounts and uploaded rosters), drillable to the officials not yet trained; "Nhắc"
    notifies their units."""
    if not permissions.can_organise(request.user):
        raise Http404
    code = request.GET.get("unit") or request.POST.get("unit") or request.user.unit.code
    unit = unit_get(code=code)
    if unit is None or not permissions.unit_in_scope(request.user, unit):
        raise Http404
    year = _goal_year(request)
    if request.method == "POST":
        year = timezone.localdate().year
        try:
            n = services.untrained_remind(actor=request.user, unit=unit, year=year)
        except PermissionDenied:
            raise Http404 from None
        messages.success(request, _("Đã gửi %(n)d lời nhắc.") % {"n": n})
        return redirect(f"{reverse('training:goal')}?unit={unit.code}")
    children = list(unit_children(unit=unit))
    officials = selectors.officials_goal(unit=unit, year=year)
    rows = selectors.trained_share(unit=unit, children=children, year=year, officials=officials)
    # Units with nobody on the list yet are counted, not listed (a long table of zeros).
    empty = sum(1 for r in rows[1:] if not r["total"])
    rows = rows[:1] + [r for r in rows[1:] if r["total"]]
    missing, n_missing = selectors.officials_not_trained(unit=unit, year=year, officials=officials)
    return render(
        request,
        "training/goal.html",
        {
            "unit": unit,
            "year": year,
            "this_year": year == timezone.localdate().year,
            "rows": rows,
            "missing": missing,
            "n_missing": n_missing,
            "empty": empty,
        },
    )


@login_required
@require_safe
def roster_template(request):
    if not permissions.can_organise(request.user):
        raise Http404
    response = HttpResponse(
        roster.template_xlsx(actor=request.user),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="danh-sach-can-bo-tap-huan-{request.user.unit.code}.xlsx"'
    )
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def roster_page(request):
    """A unit's roster of officials to train: the template, the upload (all or nothing; the
    errors by row and column), and what the roster holds now."""
    if not permissions.can_organise(request.user):
        raise Http404
    errors: list = []
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Hãy chọn tệp Excel (.xlsx) danh sách cán bộ."))
            status = 400
        else:
            try:
                rows = roster.roster_xlsx_read(
                    upload.read(roster.MAX_BYTES + 1), actor=request.user
                )
                summary = services.roster_replace(actor=request.user, rows=rows)
            except ImportRejected as rejected:
                errors, status = rejected.errors, 400
            except PermissionDenied:
                raise Http404 from None
            else:
                messages.success(
                    request,
                    _(
                        "Đã cập nhật danh sách của %(units)d đơn vị: %(n)d cán bộ "
                        "(%(linked)d trùng với tài khoản trên nền tảng)."
                    )
                    % {
                        "units": summary["units"],
                        "n": summary["entries"],
                        "linked": summary["linked_to_accounts"],
                    },
                )
                return redirect("training:roster")
    counts = selectors.roster_by_unit(user=request.user)
    return render(
        request,
        "training/roster.html",
        {"errors": errors, "counts": counts, "columns": [h for _k, h in roster.COLUMNS]},
        status=status,
    )


@login_required
@require_safe
def trainers(request):
    """Results per trainer over the events of the organiser's scope: events taught, the
    participants' evaluations and the average trainer rating."""
    if not permissions.can_organise(request.user):
        raise Http404
    rows = selectors.trainer_results(user=request.user)
    profiles = selectors.trainer_profiles(user=request.user)
    for row in rows:
        row["profile"] = profiles.get(row["trainer"], "")
    return render(request, "training/trainers.html", {"rows": rows})


# --- the course editor ------------------------------------------------------------------------


def _form_errors(form) -> ValidationError:
    return ValidationError(
        [
            f"{form.fields[k].label}: {' '.join(v)}" if k in form.fields else " ".join(v)
            for k, v in form.errors.items()
        ]
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def course_manage(request):
    """The courses an organiser edits (their unit's and those under it), and a new one."""
    if not permissions.can_organise(request.user):
        raise Http404
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Đã tạo khóa học; thêm bài học và câu hỏi."))
            return redirect("training:course_edit", uuid=course.uuid)
    courses = selectors.courses_editable(user=request.user)
    return render(
        request,
        "training/course_manage.html",
        {"courses": courses, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def course_edit(request, uuid):
    course = get_object_or_404(Course.objects.select_related("unit"), uuid=uuid)
    if not permissions.can_edit_course(request.user, course):
        raise Http404
    course_form = CourseForm(
        initial={"title": course.title, "summary": course.summary, "pass_score": course.pass_score}
    )
    lesson_form, question_form = LessonForm(), QuestionForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "update":
                course_form = CourseForm(request.POST)
                if not course_form.is_valid():
                    raise _form_errors(course_form)
                services.course_update(
                    actor=request.user, course=course, **course_form.cleaned_data
                )
            elif action in ("publish", "unpublish"):
                services.course_publish(
                    actor=request.user, course=course, published=action == "publish"
                )
            elif action == "lesson_add":
                lesson_form = LessonForm(request.POST, request.FILES)
                if not lesson_form.is_valid():
                    raise _form_errors(lesson_form)
                services.lesson_add(actor=request.user, course=course, **lesson_form.cleaned_data)
            elif action == "lesson_delete":
                lesson = get_object_or_404(course.lessons, pk=request.POST.get("lesson"))
                services.lesson_delete(actor=request.user, lesson=lesson)
            elif action == "question_add":
                question_form = QuestionForm(request.POST)
                if not question_form.is_valid():
                    raise _form_errors(question_form)
                services.question_add(
                    actor=request.user,
                    course=course,
                    text=question_form.cleaned_data["text"],
                    explanation=question_form.cleaned_data["explanation"],
                    choices=question_form.choice_list(),
                )
            elif action == "question_delete":
                question = get_object_or_404(course.questions, pk=request.POST.get("question"))
                services.question_delete(actor=request.user, question=question)
            else:
                raise Http404
        except ValidationError as error:
            _errors(request, error)
            status = 400
        else:
            messages.success(request, _("Đã lưu."))
            return redirect("training:course_edit", uuid=course.uuid)
    else:
        status = 200
    return render(
        request,
        "training/course_edit.html",
        {
            "course": course,
            "lessons": list(course.lessons.select_related("media")),
            "questions": list(course.questions.prefetch_related("choices")),
            "problems": services.course_problems(course),
            "course_form": course_form,
            "lesson_form": lesson_form,
            "question_form": question_form,
        },
        status=status,
    )

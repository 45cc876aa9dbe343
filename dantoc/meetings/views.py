"""Pages of meetings: the list, scheduling, one meeting, the room, attendance, minutes and
tasks, the calendar feed; and the loopback endpoint Janus's event handler posts to."""

from __future__ import annotations

import base64
import hmac
import io
import ipaddress
import json
import logging
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from openpyxl import Workbook

from dantoc.accounts.permissions import unit_in_scope
from dantoc.core.csvfiles import csv_writer, xlsx_row
from dantoc.geo.models import Unit, UnitLevel
from dantoc.meetings import ical, janus, permissions, selectors, services
from dantoc.meetings.forms import CheckInForm, DocumentForm, MeetingForm, MinutesForm, TaskForm
from dantoc.meetings.models import CalendarFeed, Meeting, MeetingKind, MeetingStatus

logger = logging.getLogger(__name__)
EVENTS_MAX_BYTES = 2 * 1024 * 1024


def _base_url(request) -> str:
    return (settings.SITE_URL or request.build_absolute_uri("/")).rstrip("/")


def _meeting(uuid) -> Meeting:
    return get_object_or_404(Meeting.objects.select_related("unit", "organizer"), uuid=uuid)


def _errors_on(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
    else:
        for problem in error.messages:
            form.add_error(None, problem)


@login_required
@require_safe
def meeting_list(request):
    if not permissions.can_view_meeting_pages(request.user):
        raise Http404
    meetings = list(selectors.meetings_for_user(request.user)[:200])
    now = timezone.now()
    return render(
        request,
        "meetings/list.html",
        {
            "upcoming": [m for m in meetings if m.ends_at >= now and m.status == "scheduled"][::-1],
            "past": [m for m in meetings if not (m.ends_at >= now and m.status == "scheduled")],
            "can_organise": permissions.can_organise(request.user),
            "overdue": selectors.tasks_overdue(request.user).count(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_schedule(request):
    if not permissions.can_organise(request.user):
        raise PermissionDenied
    form = MeetingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitees = services.invitees_resolve(
                actor=request.user,
                units=form.invited_units(),
                people=data["people"],
                roles=[data["role"]] if data["role"] else [],
            )
            meeting = services.meeting_schedule(
                actor=request.user,
                uuid=data["token"],
                title=data["title"],
                kind=data["kind"],
                mode=data["mode"],
                unit=request.user.unit,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                location=data["location"],
                agenda=data["agenda"],
                invitees=invitees,
            )
        except ValidationError as exc:
            _errors_on(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Đã lên lịch và gửi giấy mời tới %(n)s người.")
                % {"n": meeting.invitations.count()},
            )
            return redirect("meetings:detail", uuid=meeting.uuid)
    return render(request, "meetings/form.html", {"form": form, "meeting": None})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_edit(request, uuid):
    meeting = _meeting(uuid)
    if not permissions.can_manage_meeting(request.user, meeting):
        raise PermissionDenied
    local = {
        "starts_at": timezone.localtime(meeting.starts_at),
        "ends_at": timezone.localtime(meeting.ends_at),
    }
    initial = {
        n: getattr(meeting, n) for n in ("title", "kind", "mode", "location", "agenda")
    } | local
    form = MeetingForm(
        request.POST or None, user=request.user, with_invitees=False, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_update(
                actor=request.user,
                meeting=meeting,
                **{
                    n: data[n]
                    for n in ("title", "kind", "mode", "starts_at", "ends_at", "location", "agenda")
                },
            )
        except ValidationError as exc:
            _errors_on(form, exc)
        else:
            messages.success(request, _("Đã lưu và gửi lại giấy mời đã sửa."))
            return redirect("meetings:detail", uuid=meeting.uuid)
    return render(request, "meetings/form.html", {"form": form, "meeting": meeting})


@login_required
@require_POST
def meeting_cancel(request, uuid):
    meeting = _meeting(uuid)
    try:
        services.meeting_cancel(actor=request.user, meeting=meeting)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã hủy cuộc họp và báo cho người được mời."))
    return redirect("meetings:detail", uuid=meeting.uuid)


def _qr_data_uri(text: str) -> str:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=4, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
@require_safe
def meeting_detail(request, uuid):
    meeting = _meeting(uuid)
    invitation = selectors.invitation_of(request.user, meeting)
    if not permissions.can_view_meeting(request.user, meeting, invitation):
        raise Http404
    manage = permissions.can_manage_meeting(request.user, meeting)
    opens, closes = services.join_window(meeting)
    now = timezone.now()
    checkin_url = ""
    if invitation is not None and meeting.mode != "truc_tuyen":
        checkin_url = _base_url(request) + reverse(
            "meetings:checkin", args=[meeting.uuid, invitation.checkin_code]
        )
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "invitation": invitation,
            "manage": manage,
            "can_join": invitation is not None
            and meeting.is_online
            and meeting.status == MeetingStatus.SCHEDULED
            and opens <= now <= closes,
            "opens": opens,
            "invitations": list(selectors.invitations_of_meeting(meeting)) if manage else [],
            "documents": meeting.documents.select_related("asset"),
            "tasks": meeting.tasks.select_related("unit"),
            "checkin_qr": _qr_data_uri(checkin_url) if checkin_url else "",
            "document_form": DocumentForm() if manage else None,
        },
    )


@login_required
@require_safe
def invitation_ics(request, uuid):
    meeting = _meeting(uuid)
    invitation = selectors.invitation_of(request.user, meeting)
    if not permissions.can_view_meeting(request.user, meeting, invitation):
        raise Http404
    attendees = [i.user for i in selectors.invitations_of_meeting(meeting) if i.revoked_at is None]
    method = "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"
    body = ical.calendar_for(
        meeting, attendees=attendees, method=method, base_url=_base_url(request)
    )
    response = HttpResponse(body, content_type=f"text/calendar; method={method}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="hop-{meeting.uuid}.ics"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def meeting_room(request, uuid):
    """The room: the browser joins the meeting's Janus room with the invitation's token."""
    meeting = _meeting(uuid)
    try:
        ticket = services.meeting_join(user=request.user, meeting=meeting)
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        response = render(
            request, "meetings/room_closed.html", {"meeting": meeting, "reason": text}, status=403
        )
        return response
    response = render(
        request,
        "meetings/room.html",
        {"meeting": meeting, "ticket": ticket, "audio_only": request.GET.get("audio") == "1"},
    )
    # The browser talks to Janus (its HTTP API, long polls) and to nothing else; the room
    # opens the camera, the microphone and (on a PC) screen sharing for this page only.
    parts = urlsplit(ticket.janus_url)
    response._csp_changes = {
        "connect-src": f"'self' {parts.scheme}://{parts.netloc}",
        "media-src": "'self' blob: mediastream:",
    }
    response._permissions_changes = {
        "camera": "(self)",
        "microphone": "(self)",
        "display-capture": "(self)",
    }
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def checkin(request, uuid, code):
    meeting = _meeting(uuid)
    if not permissions.can_manage_meeting(request.user, meeting):
        raise PermissionDenied
    row = None
    if request.method == "POST":
        try:
            row = services.attendance_check_in(actor=request.user, meeting=meeting, code=code)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Đã điểm danh %(name)s.")
                % {"name": row.invitation.user.full_name or row.invitation.user.username},
            )
            return redirect("meetings:attendance", uuid=meeting.uuid)
    invitation = (
        meeting.invitations.filter(checkin_code=code).select_related("user", "user__unit").first()
    )
    return render(request, "meetings/checkin.html", {"meeting": meeting, "invitation": invitation})


ATTENDANCE_COLUMNS = (
    gettext_noop("Họ và tên"),
    gettext_noop("Đơn vị"),
    gettext_noop("Vào lúc"),
    gettext_noop("Rời lúc"),
    gettext_noop("Số phút trực tuyến"),
    gettext_noop("Điểm danh tại hội trường"),
    gettext_noop("Có mặt"),
)


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


def _attendance_file(meeting, rows, fmt: str) -> HttpResponse:
    """The attendance list as CSV (UTF-8 with a BOM, which Excel reads) or as an Excel
    workbook; a name or unit that begins like a formula stays text (core.csvfiles)."""
    header = [_(c) for c in ATTENDANCE_COLUMNS]
    body = [
        [
            r["person"].full_name or r["person"].username,
            r["unit"].name if r["unit"] else "",
            _when(r["first_join"]),
            _when(r["last_leave"]),
            r["online_minutes"] if r["online_minutes"] is not None else "",
            _when(r["checked_in"]),
            _("có") if r["present"] else _("vắng"),
        ]
        for r in rows
    ]
    name = f"diem-danh-{meeting.uuid}"
    if fmt == "csv":
        out = io.StringIO()
        out.write("\ufeff")  # Excel reads UTF-8 CSV with a BOM
        writer = csv_writer(out)
        writer.writerow(header)
        writer.writerows(body)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Điểm danh"))
        sheet.append(xlsx_row(sheet, [meeting.title]))
        sheet.append(xlsx_row(sheet, header))
        for values in body:
            sheet.append(xlsx_row(sheet, values))
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_safe
def attendance(request, uuid):
    meeting = _meeting(uuid)
    if not permissions.can_manage_meeting(request.user, meeting):
        raise PermissionDenied
    rows = selectors.attendance_rows(meeting)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _attendance_file(meeting, rows, fmt)
    return render(
        request,
        "meetings/attendance.html",
        {
            "meeting": meeting,
            "rows": rows,
            "present": sum(1 for r in rows if r["present"]),
            "checkin_form": CheckInForm(),
        },
    )


@login_required
@require_POST
def checkin_code(request, uuid):
    """The organiser types (or a scanner app enters) the code printed under the QR."""
    meeting = _meeting(uuid)
    form = CheckInForm(request.POST)
    if form.is_valid():
        code = form.cleaned_data["code"].strip().rstrip("/").rsplit("/", 1)[-1]
        try:
            services.attendance_check_in(actor=request.user, meeting=meeting, code=code)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Đã điểm danh."))
    return redirect("meetings:attendance", uuid=meeting.uuid)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def minutes(request, uuid):
    meeting = _meeting(uuid)
    if not permissions.can_manage_meeting(request.user, meeting):
        raise PermissionDenied
    form = MinutesForm(
        request.POST if request.POST.get("form") == "minutes" else None,
        initial={"minutes": meeting.minutes, "decisions": meeting.decisions},
    )
    task_form = TaskForm(
        request.POST if request.POST.get("form") == "task" else None,
        user=request.user,
        meeting=meeting,
    )
    if request.method == "POST":
        try:
            if form.is_bound and form.is_valid():
                services.minutes_record(actor=request.user, meeting=meeting, **form.cleaned_data)
                messages.success(request, _("Đã lưu biên bản."))
                return redirect("meetings:minutes", uuid=meeting.uuid)
            if task_form.is_bound and task_form.is_valid():
                services.task_assign(actor=request.user, meeting=meeting, **task_form.cleaned_data)
                messages.success(request, _("Đã giao nhiệm vụ và báo cho đơn vị."))
                return redirect("meetings:minutes", uuid=meeting.uuid)
        except ValidationError as exc:
            _errors_on(form if form.is_bound else task_form, exc)
    return render(
        request,
        "meetings/minutes.html",
        {
            "meeting": meeting,
            "form": form,
            "task_form": task_form,
            "tasks": meeting.tasks.select_related("unit", "done_by"),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def document_upload(request, uuid):
    meeting = _meeting(uuid)
    if not permissions.can_manage_meeting(request.user, meeting):
        raise PermissionDenied
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_attach(
                actor=request.user,
                meeting=meeting,
                file=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Đã đính kèm tài liệu."))
    else:
        messages.error(request, _("Chọn một tệp để đính kèm."))
    return redirect("meetings:detail", uuid=meeting.uuid)


@login_required
@require_safe
def task_list(request):
    tasks = selectors.tasks_for_user(request.user).order_by("done_at", "due_date")[:300]
    return render(
        request,
        "meetings/tasks.html",
        {
            "tasks": tasks,
            "today": timezone.localdate(),
            "can_mark": {t.pk for t in tasks if permissions.can_mark_task_done(request.user, t)},
        },
    )


@login_required
@require_POST
def task_done(request, pk):
    task = get_object_or_404(selectors.tasks_for_user(request.user), pk=pk)
    services.task_mark_done(actor=request.user, task=task)
    messages.success(request, _("Đã đánh dấu hoàn thành."))
    return redirect("meetings:tasks")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def calendar(request):
    if request.method == "POST":
        feed = services.calendar_feed_renew(user=request.user)
        messages.success(request, _("Đã tạo địa chỉ lịch mới; địa chỉ cũ không còn dùng được."))
        return redirect("meetings:calendar")
    feed = services.calendar_feed_get_or_create(user=request.user)
    url = _base_url(request) + reverse("meetings:feed", args=[feed.token])
    return render(request, "meetings/calendar.html", {"feed_url": url})


@require_safe
def feed(request, token):
    """A person's meetings as an iCalendar feed; the private token is the only key."""
    found = CalendarFeed.objects.filter(token=token).select_related("user").first()
    if found is None or not found.user.is_active:
        raise Http404
    meetings = selectors.meetings_invited(found.user).filter(
        starts_at__gte=timezone.now() - timezone.timedelta(days=180)
    )
    body = ical.feed_for(meetings, name=_("Lịch họp dantoc"), base_url=_base_url(request))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_safe
def online_share(request):
    """The list behind the dashboard's "share of meetings held online": the meetings held by
    a unit (and the units below it) in a year or quarter, with the share by kind and level."""
    today = timezone.localdate()
    code = (request.GET.get("unit") or "").strip()
    unit = (
        Unit.objects.filter(code=code, valid_to__isnull=True).first() if code else request.user.unit
    )
    if unit is None or not unit_in_scope(request.user, unit):
        raise Http404
    try:
        year = int(request.GET.get("year") or today.year)
        quarter = int(request.GET["quarter"]) if request.GET.get("quarter") else None
    except ValueError:
        year, quarter = today.year, None
    if not (2000 <= year <= 2100) or quarter not in (None, 1, 2, 3, 4):
        year, quarter = today.year, None
    meetings = list(selectors.meetings_held(unit=unit, year=year, quarter=quarter)[:1000])
    share = selectors.online_share(meetings)
    return render(
        request,
        "meetings/online_share.html",
        {
            "unit": unit, "year": year, "quarter": quarter, "meetings": meetings,
            "total": share.get(("all", "")),
            "by_kind": [(label, share.get(("kind", k))) for k, label in MeetingKind.choices],
            "by_level": [(label, share.get(("level", k))) for k, label in UnitLevel.choices
                         if share.get(("level", k))],
            "quarters": [1, 2, 3, 4],
        },
    )  # fmt: skip


# --- Janus's event handler ------------------------------------------------------------------


def _is_loopback(request) -> bool:
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _events_password_ok(request) -> bool:
    ep = janus.endpoint()
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if ep is None or not header.startswith("Basic "):
        return False
    try:
        user, _sep, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return user == "janus" and hmac.compare_digest(password, ep.keys.events_password)


@csrf_exempt
@require_POST
def janus_events(request):
    """Janus's HTTP event handler (``janus.eventhandler.sampleevh``) posts batches of events
    here: accepted only from loopback with the generated password (HTTP Basic)."""
    if not _is_loopback(request) or not _events_password_ok(request):
        return JsonResponse({"error": "forbidden"}, status=403)
    if len(request.body) > EVENTS_MAX_BYTES:
        return JsonResponse({"error": "too large"}, status=413)
    try:
        payload = json.loads(request.body)
    except ValueError:
        return JsonResponse({"error": "invalid JSON"}, status=400)
    events = payload if isinstance(payload, list) else [payload]
    counts = services.janus_events_record(events=events)
    return JsonResponse(counts)

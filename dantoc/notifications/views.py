from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dantoc.notifications import selectors, services
from dantoc.notifications.permissions import can_read_outgoing_mail

PAGE_SIZE = 30


@login_required
def notification_list(request):
    unread_only = request.GET.get("unread") in ("1", "true")
    notices = selectors.notifications_for(user=request.user, unread_only=unread_only)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/notification_list.html",
        {"page": page, "unread_only": unread_only},
    )


@login_required
@require_POST
def notification_read(request, pk: int):
    # Another person's notice is simply not found: its existence is not revealed.
    notice = get_object_or_404(selectors.notifications_for(user=request.user), pk=pk)
    services.notification_mark_read(user=request.user, notification=notice)
    if notice.url and services.is_relative_url(notice.url):
        return redirect(notice.url)
    return redirect("notifications:notification_list")


@login_required
@require_POST
def notifications_read_all(request):
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("Đã đánh dấu tất cả thông báo là đã đọc."))
    return redirect(reverse("notifications:notification_list"))


@login_required
def outgoing_mail(request):
    """For national administrators: e-mails that could not be sent and, on a platform with no
    mail server (a demo, a fresh clone; never in production), the messages written to files."""
    if not can_read_outgoing_mail(request.user):
        raise Http404
    return render(
        request,
        "notifications/outgoing_mail.html",
        {
            "failures": selectors.email_failures_recent(),
            "files_in_use": selectors.mail_files_in_use(),
            "mails": selectors.outgoing_mail_recent(),
            "folder": settings.EMAIL_FILE_PATH,
        },
    )

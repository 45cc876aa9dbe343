"""Online meetings of the programme (Họp trực tuyến): scheduling, iCalendar invitations,
private rooms on the Janus WebRTC Server, attendance, minutes and follow-up tasks, and the
share of meetings held online (the 30 % goal of the programme's Task 3)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import HealthCheck, Loader, MenuEntry


class MeetingsConfig(AppConfig):
    name = "dantoc.meetings"
    label = "meetings"
    verbose_name = _("Họp trực tuyến")

    reference_loaders = (
        Loader(
            "meetings.forms",
            "dantoc.meetings.figures.form_reference_load",
            after=("reporting.forms",),
        ),
    )
    demo_loaders = (
        Loader(
            "meetings.demo",
            "dantoc.meetings.demo.demo_meetings_load",
            after=("accounts.demo_users",),
        ),
    )
    menu = (
        MenuEntry(
            _("Lịch họp"),
            "meetings:list",
            allowed="dantoc.meetings.permissions.can_view_meeting_pages",
            order=65,
        ),
    )
    capabilities = (
        ("ministry_officer", _("Lên lịch họp, mời các tỉnh, họp trực tuyến"), "meetings:list"),
        (
            "province_officer",
            _("Lên lịch họp, mời các xã trong tỉnh, họp trực tuyến"),
            "meetings:list",
        ),
        ("commune_reporter", _("Dự họp trực tuyến, lên lịch họp của xã"), "meetings:list"),
    )
    health_checks = (HealthCheck("janus", "dantoc.meetings.health.janus_health"),)
    key_figures = ("TL_HOP_TT",)

    def ready(self) -> None:
        from dantoc.core.events import listen
        from dantoc.meetings import figures, services, tasks

        listen(services.INVITATIONS_EVENT, tasks.on_meetings_invitations_changed)
        listen(services.HELD_EVENT, figures.on_meetings_meeting_held)

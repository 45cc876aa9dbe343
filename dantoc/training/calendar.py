"""iCalendar invitations (RFC 5545, iTIP RFC 5546): one VEVENT per session, the event's UUID as
the UID stem and its ``sequence`` as SEQUENCE, so a later REQUEST updates and a CANCEL removes
the entries the attendee's calendar already holds."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent

PRODID = "-//dantoc//training//VI"


def invitation_ics(*, event, participant=None, method: str = "REQUEST") -> bytes:
    if method not in {"REQUEST", "CANCEL", "PUBLISH"}:
        raise ValueError(method)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    organiser_mail = settings.DEFAULT_FROM_EMAIL
    for session in event.sessions.all():
        item = VEvent()
        item.add("uid", f"{event.uuid}-{session.pk}@dantoc")
        item.add("sequence", event.sequence)
        item.add("dtstamp", timezone.now())
        item.add("dtstart", session.starts_at)
        item.add("dtend", session.ends_at)
        item.add("summary", f"{event.title}: {session.title}")
        where = session.venue or event.venue
        if session.online_url:
            where = f"{where} · {session.online_url}" if where else session.online_url
        if where:
            item.add("location", where)
        if event.description:
            item.add("description", event.description)
        organizer = vCalAddress(f"mailto:{organiser_mail}")
        organizer.params["cn"] = vText(event.unit.name)
        item.add("organizer", organizer)
        if participant is not None and participant.user.email:
            attendee = vCalAddress(f"mailto:{participant.user.email}")
            attendee.params["cn"] = vText(str(participant.user))
            attendee.params["role"] = vText("REQ-PARTICIPANT")
            attendee.params["partstat"] = vText(
                "DECLINED" if method == "CANCEL" else "NEEDS-ACTION"
            )
            item.add("attendee", attendee)
        item.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
        calendar.add_component(item)
    return calendar.to_ical()

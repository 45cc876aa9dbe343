"""iCalendar (RFC 5545) objects and iTIP methods (RFC 5546) for meetings, written with the
``icalendar`` library.

An invitation is ``METHOD:REQUEST`` with the meeting's ``UID`` and ``SEQUENCE``; a change goes
out again with the same ``UID`` and a higher ``SEQUENCE``; a cancellation is ``METHOD:CANCEL``
with ``STATUS:CANCELLED``. The e-mail carries it as iMIP (RFC 6047): a ``text/calendar;
method=…`` part (see ``services._invitation_email``).
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//dantoc//Hop truc tuyen 1719//VI"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _address(email: str, name: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = vText(value)
    return address


def _event(meeting, *, attendees, method: str, base_url: str) -> Event:
    event = Event()
    event.add("uid", f"{meeting.uuid}@dantoc")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", datetime.datetime.now(tz=datetime.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(TZ))
    event.add("dtend", meeting.ends_at.astimezone(TZ))
    event.add("summary", meeting.title)
    description = meeting.agenda
    link = f"{base_url}/hop/{meeting.uuid}/" if base_url else ""
    if link:
        description = f"{description}\n\n{link}".strip()
        event.add("url", link)
    event.add("description", description)
    if meeting.location:
        event.add("location", meeting.location)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organiser = meeting.organizer
    event.add(
        "organizer",
        _address(settings.DEFAULT_FROM_EMAIL, organiser.full_name or organiser.username),
    )
    for person in attendees:
        if not person.email:
            continue
        event.add(
            "attendee",
            _address(
                person.email,
                person.full_name or person.username,
                role="REQ-PARTICIPANT",
                partstat="NEEDS-ACTION",
                rsvp="TRUE",
                cutype="INDIVIDUAL",
            ),
        )
    return event


def calendar_for(meeting, *, attendees, method: str = "REQUEST", base_url: str = "") -> bytes:
    """One meeting as an iTIP message (``REQUEST`` or ``CANCEL``)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add_component(_event(meeting, attendees=attendees, method=method, base_url=base_url))
    cal.add_missing_timezones()
    return cal.to_ical()


def feed_for(meetings, *, name: str, base_url: str = "") -> bytes:
    """A person's calendar feed: every meeting they are invited to (no METHOD: a feed is a
    published calendar, not an iTIP message)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for meeting in meetings:
        method = "CANCEL" if meeting.status == "cancelled" else "REQUEST"
        cal.add_component(_event(meeting, attendees=[], method=method, base_url=base_url))
    cal.add_missing_timezones()
    return cal.to_ical()

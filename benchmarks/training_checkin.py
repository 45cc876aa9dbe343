"""Training (issue 22): QR check-in of 500 participants at one venue, and the weight of a
lesson page.

    DATABASE_URL=sqlite:///var/bench-training.sqlite3 .venv/bin/python benchmarks/training_checkin.py

The database must hold the reference and demo data (`make run` makes them; with an empty
database the script runs ``migrate``, ``load_reference_data`` and ``load_demo_data`` first).
It adds an event organised by the demo commune officer with one session and 500 confirmed participants
(accounts made for it, reused on later runs), then posts every participant's QR check-in
page (``/tap-huan/diem-danh/<token>/``) from ``--threads`` concurrent clients (Django's test
client, each thread on its own database connection), each code twice (a phone retrying on a
weak connection). Target: 500 check-ins within 10 minutes, no error, exactly 500 attendance
rows. Baseline: the same 500 check-ins written naively (one ``Attendance`` create per code,
sequentially, no permission check or audit), in the same run. Then the lesson page's bytes
(HTML + its stylesheets, without media) against the 60 KB budget.

Prints one JSON document.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

PARTICIPANTS = 500
TITLE = "Benchmark check-in at a commune"


def setup_world():
    import django
    from django.core.management import call_command

    django.setup()
    from dantoc.accounts.models import User

    try:
        ready = User.objects.filter(username="tinh.tuyenquang").exists()
    except Exception:
        ready = False
    if not ready:
        call_command("migrate", verbosity=0)
        call_command("load_reference_data", verbosity=0)
        call_command("load_demo_data", verbosity=0)


def build_event():
    import datetime

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from dantoc.accounts.models import User
    from dantoc.geo.selectors import unit_get
    from dantoc.training import services
    from dantoc.training.models import Attendance, Event, Participant

    # The commune officer organises (their sign-in needs no second factor, so the
    # test client's force_login is a complete session).
    organiser = User.objects.get(username="xa.lungcu")
    commune = unit_get(code="00715")
    event = Event.objects.filter(title=TITLE).first()
    if event is None:
        now = timezone.now()
        event = services.event_create(
            actor=organiser,
            unit=organiser.unit,
            kind="training",
            title=TITLE,
            starts_at=now - datetime.timedelta(hours=1),
            ends_at=now + datetime.timedelta(hours=8),
        )
        services.session_add(
            actor=organiser,
            event=event,
            title="Phiên chính",
            mode="in_person",
            starts_at=now - datetime.timedelta(hours=1),
            ends_at=now + datetime.timedelta(hours=8),
        )
    password = make_password(None)
    names = [f"bench.hv{n:03d}" for n in range(PARTICIPANTS)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(username=n, full_name=f"Học viên {n[-3:]}", unit=commune, password=password)
            for n in names
            if n not in existing
        ]
    )
    users = User.objects.filter(username__in=names)
    have = set(Participant.objects.filter(event=event).values_list("user_id", flat=True))
    Participant.objects.bulk_create(
        [
            Participant(event=event, user=u, unit=commune, status="confirmed")
            for u in users
            if u.pk not in have
        ]
    )
    session = event.sessions.get()
    Attendance.objects.filter(session=session).delete()
    participants = list(Participant.objects.filter(event=event).order_by("pk"))
    return organiser, session, participants


def run_checkins(organiser, session, tokens: list[str], threads: int) -> dict:
    from django.db import connections
    from django.test import Client

    errors: list[str] = []
    lock = threading.Lock()
    work = list(tokens) * 2  # every code scanned twice
    cursor = iter(range(len(work)))

    def worker():
        client = Client()
        client.force_login(organiser)
        try:
            while True:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    return
                url = f"/tap-huan/diem-danh/{work[index]}/"
                for attempt in range(5):  # SQLite: a writer may find the database locked
                    response = client.post(url, {"session": session.pk}, HTTP_HOST="localhost")
                    if response.status_code == 200:
                        break
                    time.sleep(0.05 * (attempt + 1))
                else:
                    with lock:
                        errors.append(f"{url}: {response.status_code}")
        finally:
            connections.close_all()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "requests": len(work),
        "errors": errors[:10],
        "error_count": len(errors),
    }


def naive(session, participants) -> dict:
    from dantoc.training.models import Attendance

    Attendance.objects.filter(session=session).delete()
    started = time.perf_counter()
    for p in participants:
        Attendance.objects.create(session=session, participant=p, method="qr")
    seconds = time.perf_counter() - started
    Attendance.objects.filter(session=session).delete()
    return {"seconds": round(seconds, 2), "requests": len(participants)}


def lesson_weight() -> dict:
    import re

    from django.contrib.staticfiles import finders
    from django.test import Client

    from dantoc.accounts.models import User
    from dantoc.training.models import Course

    course = Course.objects.filter(is_published=True).first()
    client = Client()
    client.force_login(User.objects.get(username="xa.lungcu"))
    html = client.get(f"/tap-huan/khoa-hoc/{course.uuid}/bai/1/", HTTP_HOST="localhost").content
    css = 0
    for href in re.findall(rb'href="/static/([^"]+\.css)"', html):
        name = re.sub(r"\.[0-9a-f]{12}\.css$", ".css", href.decode())
        found = finders.find(name)
        css += Path(found).stat().st_size if found else 0
    return {
        "html_bytes": len(html),
        "css_bytes": css,
        "total_bytes": len(html) + css,
        "budget_bytes": 60 * 1024,
    }


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    setup_world()
    from dantoc.training import services
    from dantoc.training.models import Attendance

    organiser, session, participants = build_event()
    baseline = naive(session, participants)
    tokens = [services.checkin_token(p) for p in participants]
    measured = run_checkins(organiser, session, tokens, args.threads)
    rows = Attendance.objects.filter(session=session).count()
    print(
        json.dumps(
            {
                "checkin": {
                    **measured,
                    "threads": args.threads,
                    "attendance_rows": rows,
                    "target": "500 participants in 600 s, no error, 500 rows",
                    "met": rows == PARTICIPANTS
                    and not measured["error_count"]
                    and measured["seconds"] <= 600,
                },
                "checkin_baseline_naive": baseline,
                "lesson_page": lesson_weight(),
                "load_average": os.getloadavg(),
            },
            indent=1,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()

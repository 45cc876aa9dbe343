"""The trained-share figure for the whole country with 50,000 officials on roster (issue 22:
≤ 300 ms server time), measured three ways in the same run:

- the goal page at country level (``/tap-huan/muc-tieu/?unit=VN``), live from accounts,
  rosters, events and courses: the share per province and the first officials not trained,
  through Django's test client signed in as a ministry officer (login and second factor);
- the programme dashboard (``/analytics/``) at country level, whose key figure ``TL_CB_TH`` is
  read from the indicator values the platform wrote (``training.figures``);
- the baseline: the share computed as before this change, one scan of every official per
  child unit (``trained_share`` of the previous version), query and counting only.

Also the time of the nightly recount (``figures_write_all``) that writes the values.

    .venv/bin/python benchmarks/training_goal.py
    .venv/bin/python benchmarks/training_goal.py --database postgres://postgres@127.0.0.1:5432/dantoc_bench_training

The script makes its own database (dropped at the end), migrates it, loads the reference
data, then writes ``--officials`` roster entries spread over every current commune (one in
five trained outside the platform this year) and ``--accounts`` officials' accounts with a
role (one in four passed a course this year) directly with ``bulk_create``. Prints JSON.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from dantoc.core import testing  # noqa: E402

TARGET_MS = 300
OFFICER = "bo.dohieunang.taphuan"
OFFICER_PASSWORD = "do-hieu-nang-tap-huan-2026"
OFFICER_TOTP_HEX = "5a" * 20


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="", help="postgres://… (default: SQLite)")
    parser.add_argument("--officials", type=int, default=50_000, help="roster entries")
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--baseline-repeat", type=int, default=3)
    return parser.parse_args(argv)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(times):
    return {
        "runs": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
    }


def load(args) -> None:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from dantoc.accounts.models import User
    from dantoc.accounts.services import totp_device_install, user_create
    from dantoc.geo.models import Unit
    from dantoc.geo.selectors import unit_get
    from dantoc.training.models import Course, CourseProgress, RosterEntry

    rng = random.Random(22)
    communes = list(Unit.objects.filter(level="commune", valid_to__isnull=True))
    assert communes, "no current communes in the reference data"
    country = unit_get(code="VN")
    officer = user_create(
        actor=None,
        username=OFFICER,
        password=OFFICER_PASSWORD,
        unit=country,
        roles=["ministry_officer"],
        full_name="Cán bộ Bộ (đo hiệu năng tập huấn)",
        check_password=False,
    )
    totp_device_install(actor=None, user=officer, key_hex=OFFICER_TOTP_HEX)
    today = timezone.localdate()
    this_year = datetime.date(today.year, 1, 1)
    RosterEntry.objects.bulk_create(
        [
            RosterEntry(
                unit=rng.choice(communes),
                full_name=f"Cán bộ {n}",
                position="Trưởng thôn",
                trained_on=this_year if rng.random() < 0.2 else None,
            )
            for n in range(args.officials)
        ],
        batch_size=5000,
    )
    password = make_password(None)
    User.objects.bulk_create(
        [
            User(
                username=f"bench.taphuan.{n}",
                password=password,
                full_name=f"Công chức {n}",
                unit=rng.choice(communes),
            )
            for n in range(args.accounts)
        ],
        batch_size=2000,
    )
    users = list(
        User.objects.filter(username__startswith="bench.taphuan.").values_list("pk", flat=True)
    )
    through = User.roles.through
    through.objects.bulk_create(
        [through(user_id=pk, role_id="commune_reporter") for pk in users], batch_size=5000
    )
    course = Course.objects.create(title="Khoá đo hiệu năng", unit=country, is_published=True)
    now = timezone.now()
    CourseProgress.objects.bulk_create(
        [
            CourseProgress(course=course, user_id=pk, best_score=90, attempts=1, passed_at=now)
            for pk in users
            if rng.random() < 0.25
        ],
        batch_size=5000,
    )


def previous_trained_share(unit, children, year):
    """The share as the goal page computed it before rosters: every official's path compared
    with every child's (one scan per child), accounts only (here: accounts and roster rows,
    so that it counts the same people)."""
    from dantoc.training.selectors import officials_goal

    everyone = [(o, o.unit_path) for o in officials_goal(unit=unit, year=year)]
    rows = []
    for u in [unit, *children]:
        ids = [o for o, path in everyone if path.startswith(u.path)]
        rows.append({"unit": u, "total": len(ids), "trained": sum(o.trained for o in ids)})
    return rows


def naive_per_unit(unit, children, year):
    """A naive query: for each child unit, count its officials and the trained ones with
    separate queries (four per child)."""
    from dantoc.training.models import RosterEntry
    from dantoc.training.selectors import officials_to_train, trained_ids

    rows = []
    first = datetime.date(year, 1, 1)
    for u in [unit, *children]:
        accounts = officials_to_train(unit=u).count()
        roster = RosterEntry.objects.filter(unit__path__startswith=u.path, user__isnull=True)
        total = accounts + roster.count()
        trained = len(trained_ids(unit=u, year=year)) + roster.filter(trained_on__gte=first).count()
        rows.append({"unit": u, "total": total, "trained": trained})
    return rows


def signed_in_client():
    from django.test import Client
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post("/accounts/login/", {"username": OFFICER, "password": OFFICER_PASSWORD})
    assert response.status_code == 302, response.status_code
    device = TOTPDevice.objects.get(user__username=OFFICER, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    response = client.post("/accounts/2fa/verify/", {"token": f"{totp.token():06d}"})
    assert response.status_code == 302, response.status_code
    return client


def timed_get(client, url, repeat, check) -> list[float]:
    times = []
    for _n in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        check(response)
    return times


def run(args) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_reference_data", stdout=io.StringIO())
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", "--noinput", verbosity=0)
    started = time.perf_counter()
    load(args)
    loaded = time.perf_counter() - started
    if "postgres" in os.environ["DATABASE_URL"]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    from dantoc.geo.selectors import unit_children, unit_get
    from dantoc.training import figures, selectors

    year = timezone.localdate().year
    country = unit_get(code="VN")
    children = list(unit_children(unit=country))
    t0 = time.perf_counter()
    written = figures.figures_write_all(year=year)
    recount_s = time.perf_counter() - t0
    expected = selectors.trained_share(unit=country, children=children, year=year)[0]
    share = round(100 * expected["trained"] / expected["total"], 1)

    client = signed_in_client()

    total_text = f"{expected['total']:,}".replace(",", ".")  # as the page writes numbers
    share_text = f"{share:.1f}".replace(".", ",")

    def goal_ok(response):
        assert total_text in response.content.decode(), total_text

    def dashboard_ok(response):
        assert share_text in response.content.decode(), share_text

    goal_url = f"/tap-huan/muc-tieu/?unit=VN&year={year}"
    dashboard_url = f"/analytics/?unit=VN&year={year}"
    for url, check in ((goal_url, goal_ok), (dashboard_url, dashboard_ok)):
        timed_get(client, url, 2, check)  # warm-up
    goal_times = timed_get(client, goal_url, args.repeat, goal_ok)
    dashboard_times = timed_get(client, dashboard_url, args.repeat, dashboard_ok)
    previous, naive = [], []
    for _n in range(args.baseline_repeat):
        t0 = time.perf_counter()
        rows = previous_trained_share(country, children, year)
        previous.append((time.perf_counter() - t0) * 1000)
        assert rows[0]["total"] == expected["total"]
        t0 = time.perf_counter()
        rows = naive_per_unit(country, children, year)
        naive.append((time.perf_counter() - t0) * 1000)
        assert rows[0]["total"] == expected["total"], (rows[0], expected)
    return {
        "roster_entries": args.officials,
        "accounts": args.accounts + 1,
        "officials_counted": expected["total"],
        "trained": expected["trained"],
        "share_percent": share,
        "load_seconds": round(loaded, 1),
        "goal_page_country": summary(goal_times),
        "dashboard_country_key_figure": summary(dashboard_times),
        "previous_share_scan_per_child": summary(previous),
        "naive_count_queries_per_child": summary(naive),
        "recount_all_units_seconds": round(recount_s, 1),
        "units_written": written,
        "target_ms": TARGET_MS,
        "load_average": os.getloadavg(),
    }


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="training-bench-"))
    if args.database:
        db = testing.create_database(
            name=args.database.rsplit("/", 1)[1], base_url=args.database, replace=True
        )
    else:
        db = testing.create_database(
            workdir=workdir, vendor="sqlite", name="training_bench",
            base_url=f"sqlite:///{workdir}/x.sqlite3", replace=True,
        )  # fmt: skip
    os.environ["DATABASE_URL"] = db.url
    os.environ.setdefault("DANTOC_MEDIA_ROOT", str(workdir / "media"))
    try:
        result = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        testing.drop_database(db)
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

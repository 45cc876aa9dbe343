"""Many reporters at once against a real server: none of their values is lost or doubled.

gunicorn runs with several processes and threads on a throw-away database of the run's vendor
(a SQLite file, or a fresh PostgreSQL database when DATABASE_URL is PostgreSQL), set up as
`make run` does. Reporters sign in through the login page and save through the JSON API from
many threads at once; the database is then read directly.
"""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

import pytest

from dantoc.core import testing

# `make run` serves SQLite: its write lock is what this test is about as much as PostgreSQL's
# row locks, so CI runs it on both databases.
pytestmark = pytest.mark.both_databases

PASSWORD = "bao-cao-dong-thoi-2026"
FORM = "BM01-VON"
REPORTERS = 12  # communes, one reporter each
CELLS = 20  # per reporter
CHUNK = 5  # cells per request
HAMMER_ROUNDS = 6  # requests per reporter on the contested cell
OK, BAD, REDIRECT = frozenset({200}), frozenset({400}), frozenset({302})

# Run in the server's database with `manage.py shell -c`: the open period of the form by the
# real clock, reporter accounts through the accounts service, and the cell keys (they carry
# database ids). Prints one JSON document.
SETUP = """
import datetime, json
from django.utils import timezone
from dantoc.accounts.services import user_create
from dantoc.geo.models import Unit
from dantoc.geo.selectors import valid_on_q
from dantoc.reporting import selectors, services
from dantoc.reporting.models import Submission
from dantoc.reporting.periods import next_period, period_containing, previous_period
from dantoc.core.loading import DATA_DIR

args = json.loads(%(args)r)
form = selectors.form_get(code=args["form"])
today = timezone.localdate()

def is_open(form, window):
    opens = window.end - datetime.timedelta(days=form.opens_days_before_end)
    return opens <= today <= window.end + datetime.timedelta(days=form.locks_days_after_end)

rule = form.period_type.rule()
now = period_containing(today, rule)
candidates = [next_period(now, rule), now, previous_period(now, rule)]
candidates.append(previous_period(candidates[-1], rule))
opened = [w for w in candidates if is_open(form, w)]
widened = False
if not opened:
    # Between two entry windows (a quarterly form has none open from 30/11 to 15/12):
    # publish a version whose entry stays open until today, so that the test runs the same
    # code on every day of the year.
    ended = max((w for w in candidates if w.end < today), key=lambda w: w.end)
    for path in sorted((DATA_DIR / "forms").glob("bm*.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        if definition["code"] == args["form"]:
            break
    definition["locks_days_after_end"] = (today - ended.end).days + 1
    form, _ = services.form_define(definition=definition)
    opened, widened = [ended], True
window = opened[0]
period = services.period_resolve(period_type=form.period_type, code=window.code)

# Communes without a report for the period yet: a widened (closed) period may hold the demo
# data's approved reports, filed on the version that locked.
filed = Submission.objects.filter(form_code=form.code, period=period).values("unit_id")
units = list(
    Unit.objects.filter(valid_on_q(period.end_date), valid_on_q(today), level=form.reporting_level)
    .exclude(pk__in=filed)
    .order_by("code")
)
step = len(units) // (args["communes"] + 1)
chosen = units[step::step][: args["communes"]]
accounts = []
for i, unit in enumerate(chosen):
    names = [f"dongthoi{i:02d}"] + [f"dongthoi{i:02d}{s}" for s in args["extra"].get(str(i), [])]
    for name in names:
        user_create(actor=None, username=name, password=args["password"], unit=unit,
                    roles=["commune_reporter"], check_password=False)
        accounts.append({"username": name, "unit": unit.code, "unit_id": unit.pk, "index": i})
layout = selectors.form_layout(form)
cells = [
    {"key": k, "indicator_id": c.indicator.pk, "indicator": c.indicator.code,
     "options_key": c.options_key}
    for k, c in layout.cells.items()
]
print(json.dumps({
    "form_id": form.pk, "form_version": form.version, "period": period.code,
    "period_id": period.pk, "today": today.isoformat(), "widened": widened,
    "accounts": accounts, "cells": cells,
}))
"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """A throw-away database of the run's vendor, set up, and gunicorn serving it."""
    url = testing.run_database_url()
    if testing.vendor_of(url) == "postgresql":
        reason = testing.postgres_unavailable(url)
        if reason:
            pytest.skip(reason)
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        pytest.skip("gunicorn is not installed")
    workdir = tmp_path_factory.mktemp("concurrency")
    with testing.running_platform(workdir=workdir, workers=4, threads=2) as (db, server):
        args = {
            "form": FORM,
            "communes": REPORTERS + 1,  # the last one files the concurrent submissions
            "password": PASSWORD,
            "extra": {"0": ["b"]},  # a second reporter of commune 0 contests one cell
        }
        setup = testing.run_python_json(db, SETUP % {"args": json.dumps(args)})
        yield db, server, setup


def _url(setup, unit: str, tail: str = "values") -> str:
    if tail == "values":
        return f"/api/v1/reports/{FORM}/{setup['period']}/{unit}/values"
    return f"/reporting/{FORM}/{setup['period']}/{unit}/{tail}"


def _sign_in(server, username: str) -> testing.HttpSession:
    session = testing.HttpSession(server.url)
    session.sign_in(username, PASSWORD)
    return session


@dataclass(frozen=True)
class Job:
    label: str
    username: str
    path: str
    payload: dict | None  # JSON cells for the API; None for a submit form
    ok: frozenset[int]  # the statuses this request may get


def test_many_reporters_saving_at_once_lose_and_double_nothing(platform):
    db, server, setup = platform
    accounts = {a["username"]: a for a in setup["accounts"]}
    kh = [c for c in setup["cells"] if c["indicator"] == "VON_KH"]
    gn = [c for c in setup["cells"] if c["indicator"] == "VON_GN"]
    assert len(kh) >= CELLS + 3 and len(gn) >= REPORTERS
    reporters = [f"dongthoi{i:02d}" for i in range(REPORTERS)]
    submitter = f"dongthoi{REPORTERS:02d}"
    contenders = ["dongthoi00", "dongthoi00b"]  # two reporters of the same commune
    contested = kh[CELLS + 2]  # a cell none of the ordinary requests touches
    invalid = {"bad": kh[CELLS]["key"], "unknown": "r0c0"}

    with ThreadPoolExecutor(max_workers=8) as pool:
        *signed_in, second_submitter_session = pool.map(
            lambda u: _sign_in(server, u), [*accounts, submitter]
        )
    sessions = dict(zip(accounts, signed_in, strict=True))

    jobs: list[Job] = []
    expected: dict[str, dict[str, str]] = {}  # username -> key -> value sent
    for n, username in enumerate(reporters):
        api = _url(setup, accounts[username]["unit"])
        # Every third value with a decimal comma, as typed on a Vietnamese keyboard.
        mine = {
            c["key"]: f"{1000 * (n + 1) + i},5" if i % 3 == 0 else str(1000 * (n + 1) + i)
            for i, c in enumerate(kh[:CELLS])
        }
        items = list(mine.items())
        for start in range(0, CELLS, CHUNK):
            payload = {
                "cells": [
                    {"key": k, "value": v, "comment": f"đợt {start // CHUNK + 1}"}
                    for k, v in items[start : start + CHUNK]
                ]
            }
            # The first two requests are sent twice, at the same moment (a double click, a
            # retry over a flaky 3G line).
            for copy in range(2 if start < 2 * CHUNK else 1):
                jobs.append(Job(f"{username} cells {start}#{copy}", username, api, payload, OK))
        if n % 4 == 1:
            # A wrong value and an unknown cell beside a good one: 400, the good one saved.
            good = gn[n]["key"]
            mine[good] = "7"
            payload = {
                "cells": [
                    {"key": good, "value": "7"},
                    {"key": invalid["bad"], "value": "bảy"},
                    {"key": invalid["unknown"], "value": "1"},
                ]
            }
            jobs.append(Job(f"{username} invalid", username, api, payload, BAD))
        expected[username] = mine
    contested_values = []
    for c, username in enumerate(contenders):
        api = _url(setup, accounts[username]["unit"])
        for r in range(HAMMER_ROUNDS):
            value = str(500 + 10 * c + r)
            contested_values.append(value)
            payload = {"cells": [{"key": contested["key"], "value": value}]}
            jobs.append(Job(f"{username} contested {value}", username, api, payload, OK))
    submit_unit = accounts[submitter]["unit"]
    response = sessions[submitter].post_json(
        _url(setup, submit_unit),
        {"cells": [{"key": kh[0]["key"], "value": "90"}, {"key": kh[1]["key"], "value": "10"}]},
    )
    assert response.status == 200, response.text[:500]
    submit = _url(setup, submit_unit, "submit")
    for copy in range(4):  # two sessions of the same reporter, two clicks each
        jobs.append(Job(f"submit#{copy}", f"{submitter}#{copy % 2}", submit, None, REDIRECT))
    sessions[f"{submitter}#0"] = sessions[submitter]
    sessions[f"{submitter}#1"] = second_submitter_session
    random.Random(20261122).shuffle(jobs)

    def send(job: Job) -> testing.Response:
        session = sessions[job.username]
        if job.payload is None:
            return session.post_form(job.path, {})
        return session.post_json(job.path, job.payload)

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(zip(jobs, pool.map(send, jobs), strict=True))

    errors = [(job.label, r.status) for job, r in outcomes if r.status >= 500]
    assert not errors, f"{errors}\n{server.log_tail()}"
    wrong = [(job.label, r.status, r.text[:300]) for job, r in outcomes if r.status not in job.ok]
    assert not wrong, wrong
    assert "Traceback" not in server.log_tail(1_000_000), server.log_tail()

    # Each API answer names every cell it was sent; a duplicated request saved each cell once.
    stored: dict[tuple[str, str], str] = {}  # (username, key) -> normalised text
    saved = Counter()  # (username, key) -> answers "saved"
    for job, response in outcomes:
        if job.payload is None:
            continue
        cells = response.json()["cells"]
        sent = [c["key"] for c in job.payload["cells"]]
        assert sorted(c["key"] for c in cells) == sorted(sent), job.label
        for cell in cells:
            if cell["key"] in invalid.values():
                assert cell["status"] == "error", (job.label, cell)
                continue
            assert cell["status"] in ("saved", "unchanged"), (job.label, cell)
            saved[(job.username, cell["key"])] += cell["status"] == "saved"
            if cell["key"] != contested["key"]:
                stored[(job.username, cell["key"])] = cell["value"]
    for username, cells in expected.items():
        assert all(saved[(username, key)] == 1 for key in cells), username

    # In the database: every value present once, as sent, entered by its reporter and never
    # changed since (a first entry writes no history row).
    by_key = {c["key"]: c for c in setup["cells"]}
    value_key = (contested["indicator_id"], contested["options_key"])
    for username, cells in expected.items():
        unit_id = accounts[username]["unit_id"]
        rows = db.query(
            "SELECT indicator_id, options_key, value, numeric, deleted,"
            " (SELECT COUNT(*) FROM reporting_datavaluechange h WHERE h.data_value_id = v.id),"
            " (SELECT u.username FROM accounts_user u WHERE u.id = v.created_by_id)"
            " FROM reporting_datavalue v WHERE unit_id = %s AND period_id = %s",
            [unit_id, setup["period_id"]],
        )
        found = Counter((r[0], r[1]) for r in rows)
        assert set(found.values()) == {1}, f"{username}: a value stored twice: {found}"
        by_value_key = {(r[0], r[1]): r for r in rows if (r[0], r[1]) != value_key}
        wanted = {(by_key[k]["indicator_id"], by_key[k]["options_key"]): k for k in cells}
        assert set(by_value_key) == set(wanted), f"{username}: other cells stored than sent"
        for vk, (_, _, text, number, deleted, history, creator) in by_value_key.items():
            key = wanted[vk]
            assert text == stored[(username, key)], (username, key, text)
            assert Decimal(str(number)) == Decimal(cells[key].replace(",", ".")), (username, key)
            assert not deleted and history == 0, (username, key, deleted, history)
            assert creator == username, (username, key, creator)

    # The contested cell holds one of the values sent. Every save of it was effective: the
    # first entered it (recorded on the value: who, and the value it had), each later one
    # is a history row by its sender, each starting where the previous one ended.
    [(value_id, value, creator)] = db.query(
        "SELECT v.id, v.value, u.username FROM reporting_datavalue v"
        " LEFT JOIN accounts_user u ON u.id = v.created_by_id"
        " WHERE v.unit_id = %s AND v.period_id = %s AND v.indicator_id = %s"
        " AND v.options_key = %s",
        [accounts[contenders[0]]["unit_id"], setup["period_id"], *value_key],
    )
    assert value in contested_values
    changes = db.query(
        "SELECT h.old_value, h.new_value, u.username FROM reporting_datavaluechange h"
        " LEFT JOIN accounts_user u ON u.id = h.actor_id WHERE h.data_value_id = %s"
        " ORDER BY h.at, h.id",
        [value_id],
    )
    effective = sum(saved[(u, contested["key"])] for u in contenders)
    assert effective == len(contested_values), (changes, effective)
    assert len(changes) == effective - 1, (changes, effective)
    first = changes[0][0]
    sender = {v: contenders[(int(v) - 500) // 10] for v in contested_values}
    assert creator == sender[first], (creator, first)
    assert changes[-1][1] == value, changes
    assert sorted([first, *(new for _, new, _ in changes)]) == sorted(contested_values), changes
    assert all(old != new and actor == sender[new] for old, new, actor in changes), changes
    for (_, new, _), (old, _, _) in itertools.pairwise(changes):
        assert old == new, changes

    # Concurrent submissions of one report: one submission, submitted once.
    submissions = db.query(
        "SELECT id, status FROM reporting_submission"
        " WHERE form_code = %s AND unit_id = %s AND period_id = %s",
        [FORM, accounts[submitter]["unit_id"], setup["period_id"]],
    )
    assert [s[1] for s in submissions] == ["submitted"], submissions
    events = db.query(
        "SELECT action FROM reporting_submissionevent WHERE submission_id = %s",
        [submissions[0][0]],
    )
    assert [a for (a,) in events] == ["submit"], events

    # And what the API gives back to each reporter is what they sent.
    def read_back(username):
        return username, sessions[username].get(_url(setup, accounts[username]["unit"]))

    with ThreadPoolExecutor(max_workers=8) as pool:
        for username, response in pool.map(read_back, expected):
            assert response.status == 200, (username, response.status)
            values = {k: v["value"] for k, v in response.json()["values"].items()}
            wanted = {k: stored[(username, k)] for k in expected[username]}
            if username == contenders[0]:
                wanted[contested["key"]] = value
            assert values == wanted, username

"""A commune reporter's 300-cell report, entered offline, synced over an emulated 3G link.

Target (issue 20): once online, the 300 queued changes reach the server in under 10 s over
400 kbps / 300 ms RTT; the offline shell adds at most 30 KB to the first load.

    .venv/bin/python benchmarks/offline_sync.py            # SQLite (or DATABASE_URL's vendor)

What it does: a throw-away database set up as `make run` does, a 300-cell monthly form
(VON_KH/VON_GN by project, source and kind of capital: 160 cells; the four DA1 household
indicators by ethnic group: 140 cells), gunicorn. Debian's Chromium signs in as the demo
commune reporter, opens the entry page (the service worker keeps it), then the server is
stopped and a value is typed into every cell through the page's own change handler — each
autosave fails and goes to the IndexedDB outbox. The server is started again on the same
port with Chromium's network throttled by CDP ``Network.emulateNetworkConditions``
(latency 300 ms, 400 kbit/s both ways) and the outbox is sent; the time is from the send
until the outbox is empty (from the first send if the page's own 30 s send came first);
``sync_requests`` counts the sends that were answered. The database is then read: every
value stored once. Prints one JSON document; ``shell_*`` are the bytes the offline shell adds to the entry page's first
load (outbox.js, /sw.js, the manifest; gzip as whitenoise serves them), measured on the
wire by Chromium for the page's own requests and by size for the worker's script.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from dantoc.core import testing  # noqa: E402  (needs no Django set-up)

CELLS = 300
TARGET_S = 10.0
SHELL_BUDGET = 30 * 1024
REPORTER, UNIT = "xa.lungcu", "00715"
KBPS = 400

SETUP = """
import itertools, json
from dantoc.indicators.models import CategoryOption
from dantoc.reporting import selectors, services
rows_von = [
    {"code": f"{p}-{s}-{k}", "label": f"Dự án {p[2:]} · {s} · {k}",
     "options": {"DU_AN": p, "NGUON_VON": s, "LOAI_VON": k}}
    for p, s, k in itertools.product([f"DA{i}" for i in range(1, 11)], ["TW", "DP", "LG", "HD"], ["DTPT", "SN"])
]
groups = list(CategoryOption.objects.filter(category__code="DAN_TOC").order_by("code").values_list("code", flat=True))[:35]
rows_ho = [{"code": f"DT{g}", "label": f"Dân tộc {g}", "options": {"DAN_TOC": g}} for g in groups]
definition = {
    "code": "BM-BENCH-300", "name": "Biểu đo: 300 ô", "period_type": "thang",
    "reporting_level": "commune", "opens_days_before_end": 31, "locks_days_after_end": 40,
    "deadlines": {"commune": 10}, "rules": [],
    "sections": [
        {"code": "V", "title": "Vốn", "rows": rows_von, "columns": [
            {"code": "KH", "label": "Kế hoạch", "indicator": "VON_KH", "options": {}},
            {"code": "GN", "label": "Giải ngân", "indicator": "VON_GN", "options": {}}]},
        {"code": "H", "title": "Hộ", "rows": rows_ho, "columns": [
            {"code": c, "label": c, "indicator": f"DA1_HO_{c}", "options": {}}
            for c in ["DAT_O", "NHA_O", "DAT_SX", "NUOC"]]},
    ],
}
form, _ = services.form_define(definition=definition)
print(json.dumps({"period": selectors.open_periods(form)[0].code,
                  "cells": len(selectors.form_layout(form).cells)}))
"""

# Resolves once the service worker controls the page.
CONTROLLED = (
    "navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller || new Promise("
    "ok => navigator.serviceWorker.addEventListener('controllerchange', ok))).then(() => true)"
)

COUNT = """
import json
from dantoc.reporting.models import DataValue, DataValueChange, QueuedChange
values = DataValue.objects.filter(unit__code=%(unit)r, period__code=%(period)r, period__period_type__code="thang", deleted=False)
print(json.dumps({"values": values.count(), "history": DataValueChange.objects.filter(data_value__in=values).count(),
                  "keys": QueuedChange.objects.filter(unit__code=%(unit)r).count()}))
"""


def wait_outbox(page, done, timeout: float) -> None:
    """Until the page's outbox holds a number of changes that ``done`` accepts (Playwright's
    wait_for_function takes a returned promise for a truthy value and does not wait)."""
    deadline = time.perf_counter() + timeout
    while not done(size := page.evaluate("window.dantocOutbox.all().then(l => l.length)")):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the outbox still holds {size} changes")
        time.sleep(0.05)


def main() -> dict:
    import django
    from playwright.sync_api import sync_playwright

    django.setup()
    from dantoc.accounts.demo import DEMO_PASSWORD

    chromium = "/usr/bin/chromium"
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-offline-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    with testing.throwaway_database(workdir=work) as db:
        testing.prepare(db)
        testing.manage(db, "collectstatic", "--noinput")
        setup = testing.run_python_json(db, SETUP)
        port = testing.free_port()
        base = f"http://127.0.0.1:{port}"
        entry = f"{base}/reporting/BM-BENCH-300/{setup['period']}/{UNIT}/"
        stack = contextlib.ExitStack()
        stack.enter_context(testing.serve(db, port=port))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
                context = browser.new_context(viewport={"width": 360, "height": 740})
                page = context.new_page()
                page.goto(f"{base}/accounts/login/")
                page.get_by_label("Tên đăng nhập").fill(REPORTER)
                page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
                page.get_by_role("button", name="Đăng nhập").click()
                page.wait_for_url(f"{base}/")
                # First load of the entry page: bytes of what the offline shell adds.
                # Only the static files of the first load count: not the outbox API (its
                # URL ends in /outbox too), not the reload below (served by the worker).
                sizes = {}

                def shell_bytes(r):
                    if "/static/" in r.url and ("outbox" in r.url or "manifest" in r.url):
                        sizes[r.url] = r.sizes()["responseBodySize"]

                page.on("requestfinished", shell_bytes)
                page.goto(entry)
                page.evaluate(CONTROLLED)
                page.remove_listener("requestfinished", shell_bytes)
                with urllib.request.urlopen(
                    urllib.request.Request(f"{base}/sw.js", headers={"Accept-Encoding": "gzip"})
                ) as answer:
                    sw_bytes = len(answer.read())
                page.reload()
                cells = page.eval_on_selector_all("input[name^='v-']", "els => els.length")
                stack.close()  # the network goes away
                page.evaluate(
                    """() => Array.from(document.querySelectorAll("input[name^='v-']")).forEach((el, i) => {
                        el.value = String(100 + i);  // integer cells refuse decimals
                        el.dispatchEvent(new Event("change", { bubbles: true }));
                    })"""
                )
                wait_outbox(page, lambda n: n == cells, 120)
                # The link is slowed before the server comes back, and every answered send
                # of the outbox is counted: the page also sends by itself every 30 s, and
                # such a send may start before the one this script asks for.
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                rate = KBPS * 1000 / 8
                cdp.send(
                    "Network.emulateNetworkConditions",
                    {
                        "offline": False,
                        "latency": 300,
                        "downloadThroughput": rate,
                        "uploadThroughput": rate,
                    },
                )
                posts = []  # (start, request body bytes) of each answered send

                def sent(r):
                    if r.method == "POST" and r.url.endswith("/outbox"):
                        posts.append((r.timing["startTime"] / 1000, len(r.post_data_buffer or b"")))

                page.on("requestfinished", sent)
                stack = contextlib.ExitStack()
                stack.enter_context(testing.serve(db, port=port))
                asked = time.time()
                page.evaluate("() => { window.dantocOutbox.flush(); }")
                wait_outbox(page, lambda n: n == 0, 300)
                finished = time.time()
                page.wait_for_timeout(100)  # the last requestfinished event
                started = min([asked] + [t for t, _n in posts])
                sync_s = finished - started
                browser.close()
            counts = testing.run_python_json(db, COUNT % {"unit": UNIT, "period": setup["period"]})
        finally:
            stack.close()
    static = ROOT / "static"
    gz = {
        name: len(gzip.compress((static / name).read_bytes()))
        for name in ["js/outbox.js", "js/offline-sw.js", "manifest.webmanifest"]
    }
    page_bytes = sum(sizes.values())
    added = page_bytes + sw_bytes
    return {
        "cells": cells,
        "sync_seconds": round(sync_s, 2),
        "sync_target_seconds": TARGET_S,
        "sync_ok": sync_s < TARGET_S and counts["keys"] == cells,
        "sync_requests": len(posts),
        "sync_request_body_bytes": sum(n for _t, n in posts),
        "stored": counts,
        "shell_page_requests_bytes": sizes,
        "shell_sw_js_bytes": sw_bytes,
        "shell_added_bytes": added,
        "shell_budget_bytes": SHELL_BUDGET,
        "shell_ok": added <= SHELL_BUDGET,
        "gzip_sizes": gz,
        "link": {"kbps": KBPS, "rtt_ms": 300},
    }


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, indent=2))

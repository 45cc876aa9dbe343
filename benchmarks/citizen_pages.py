"""The citizen pages' budgets (issue 19), on the production server with the demo data:

    .venv/bin/python benchmarks/citizen_pages.py [--seconds 5] [--workers 3]

1. **Weight**: bytes a phone that never saw the site downloads for each citizen page on first
   load (HTML, CSS, JS, fonts, the manifest and anything else the page asks for, as sent over
   the wire: gzip), counted by Chromium (CDP ``Network.loadingFinished``), JavaScript on.
   Budget 60 KB. Baseline in the same run: the same files uncompressed.
2. **First render on a cheap phone**: first contentful paint with Chromium emulating 400 kbit/s,
   300 ms round trip and a 6× slower CPU (CDP ``Network.emulateNetworkConditions``,
   ``Emulation.setCPUThrottlingRate``), first visit (empty cache). Budget 2 s. Baseline: the
   same page unthrottled.
3. **Throughput**: anonymous requests/second per page with wrk (``Accept-Encoding: gzip``, the
   reader's commune in the cookie), gunicorn as `make run` serves it with the public page
   cache. Target 500/s. Baseline in the same run: the same server with the cache off
   (``DANTOC_PORTAL_CACHE_SECONDS=0``).
4. **Warning on the page**: seconds from a warning's issue (committed by another process, as
   the officer's request is) until the commune's citizen page, polled every 50 ms across all
   server workers, shows it. Budget 5 s. Baseline: the cache's own lifetime
   (``PORTAL_CACHE_SECONDS``), what a cache without a shared generation would take.

Everything (server, wrk, Chromium) runs on the same 2-core machine: the figures are a floor.
Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from benchmarks.portal_load import run_wrk  # noqa: E402
from dantoc.core import testing  # noqa: E402  (needs no Django set-up)

WEIGHT_BUDGET = 60 * 1024
RENDER_BUDGET_MS = 2000
TARGET_RPS = 500
ALERT_BUDGET_S = 5.0
CHROMIUM = "/usr/bin/chromium"
COMMUNE = "02701"  # Y Tý (Lào Cai), under the demo drill warning
QUIET_COMMUNE = "00715"  # Lũng Cú (Tuyên Quang): no warning


def citizen_pages(db) -> list[str]:
    """The citizen pages of the demo data: home, a topic, search, choosing a commune, the
    kept items, the public warnings, and every published item (in each language it has)."""
    items = testing.run_python_json(
        db,
        "import json\n"
        "from dantoc.citizens.selectors import published_items\n"
        "out = []\n"
        "for i in published_items()[:6]:\n"
        "    out.append(i.get_absolute_url())\n"
        "    for t in i.translations.filter(status='published')[:2]:\n"
        "        out.append(i.get_absolute_url() + '?ban-dich=' + t.language)\n"
        "print(json.dumps(out))",
    )
    return [
        "/dong-bao/",
        "/dong-bao/y-te/",
        "/dong-bao/tim/?q=y+te",
        "/dong-bao/chon-xa/",
        "/dong-bao/da-luu/",
        "/canh-bao/",
        *items,
    ]


def browser_figures(base: str, pages: list[str]) -> list[dict]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for path in pages:
                results.append(
                    {
                        "page": path,
                        **_load(browser, base + path, throttled=True),
                        "baseline_unthrottled_fcp_ms": _load(browser, base + path, throttled=False)[
                            "first_render_ms"
                        ],
                    }
                )
        finally:
            browser.close()
    return results


def _load(browser, url: str, *, throttled: bool) -> dict:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, locale="vi-VN"
    )
    context.add_cookies([{"name": "dantoc_commune", "value": COMMUNE, "url": url}])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    wire: dict[str, int] = {}
    raw: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on(
        "Network.dataReceived",
        lambda e: raw.__setitem__(e["requestId"], raw.get(e["requestId"], 0) + e["dataLength"]),
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: wire.__setitem__(e["requestId"], int(e["encodedDataLength"])),
    )
    if throttled:
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": 300,
                "downloadThroughput": 400 * 1000 / 8,
                "uploadThroughput": 400 * 1000 / 8,
            },
        )
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 6})
    try:
        page.goto(url, wait_until="load", timeout=60_000)
        page.wait_for_load_state("networkidle", timeout=60_000)
        fcp = page.evaluate(
            "(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null"
        )
        files = {
            urls.get(k, k).split("?")[0].rsplit("/", 1)[-1] or "page": v for k, v in wire.items()
        }
        return {
            "first_render_ms": round(fcp, 1) if fcp else None,
            "bytes_on_wire": sum(wire.values()),
            "baseline_bytes_uncompressed": sum(raw.values()),
            "files": files,
        }
    finally:
        context.close()


def throughput(db, pages: list[str], *, seconds: int, workers: int, cache_on: bool) -> list[dict]:
    env = {} if cache_on else {"DANTOC_PORTAL_CACHE_SECONDS": "0"}
    out = []
    with testing.serve(db, workers=workers, env=env) as server:
        for path in pages:
            url = server.url + path
            request = urllib.request.Request(url, headers={"Cookie": f"dantoc_commune={COMMUNE}"})
            with urllib.request.urlopen(request) as response:  # warm the cache
                assert response.status == 200, (path, response.status)
            figures = run_wrk(
                url,
                seconds=seconds,
                connections=32,
                threads=2,
                headers=[f"Cookie: dantoc_commune={COMMUNE}"],
            )
            out.append({"page": path, **figures})
    return out


def warning_delay(db, *, workers: int) -> dict:
    """Seconds from a committed warning to the page showing it, polled through every worker."""
    seen: dict[str, float] = {}
    stop = threading.Event()
    with testing.serve(db, workers=workers) as server:
        url = f"{server.url}/dong-bao/"

        def poll():
            request = urllib.request.Request(
                url, headers={"Cookie": f"dantoc_commune={QUIET_COMMUNE}"}
            )
            while not stop.is_set():
                with urllib.request.urlopen(request) as response:
                    if "BENCHMARK: lũ quét" in response.read().decode():
                        seen.setdefault("at", time.time())
                        return
                time.sleep(0.05)

        pollers = [threading.Thread(target=poll) for _ in range(3)]
        for thread in pollers:
            thread.start()
        time.sleep(1.0)  # every worker has the page in its cache
        issued = testing.run_python_json(
            db,
            "import json, time, datetime\n"
            "from django.utils import timezone\n"
            "from django.db import transaction\n"
            "from dantoc.accounts.models import User\n"
            "from dantoc.alerts import services\n"
            "from dantoc.alerts.models import AlertStatus, Hazard\n"
            "from dantoc.geo.models import Unit\n"
            "now = timezone.now()\n"
            "content = services.AlertContent(hazard=Hazard.FLASH_FLOOD, level=3,"
            " status=AlertStatus.TEST, onset=now, expires=now + datetime.timedelta(hours=2),"
            f" communes=list(Unit.objects.filter(code='{QUIET_COMMUNE}', valid_to__isnull=True)),"
            " infos=[services.InfoText('vi', 'BENCHMARK: lũ quét', 'Mưa lớn.', 'Lên chỗ cao.')])\n"
            "officer = User.objects.get(username='tinh.tuyenquang')\n"
            "with transaction.atomic():\n"
            "    services.alert_issue(actor=officer, content=content)\n"
            "print(json.dumps(time.time()))",
        )
        deadline = time.time() + 120
        while "at" not in seen and time.time() < deadline:
            time.sleep(0.05)
        stop.set()
        for thread in pollers:
            thread.join(timeout=10)
    delay = round(seen["at"] - issued, 2) if "at" in seen else None
    return {"seconds_to_page": delay, "budget_seconds": ALERT_BUDGET_S}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per page")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory() as workdir,
        testing.throwaway_database(workdir=Path(workdir)) as db,
    ):
        testing.prepare(db)
        testing.manage(db, "collectstatic", "--noinput", "--verbosity", "0")
        pages = citizen_pages(db)
        with testing.serve(db, workers=args.workers) as server:
            browser = browser_figures(server.url, pages)
        wrk_pages = [p for p in pages if p != "/dong-bao/da-luu/"][:7]
        cached = throughput(
            db, wrk_pages, seconds=args.seconds, workers=args.workers, cache_on=True
        )
        uncached = throughput(
            db, wrk_pages, seconds=args.seconds, workers=args.workers, cache_on=False
        )
        warning = warning_delay(db, workers=args.workers)
        vendor = db.vendor
    for row, base in zip(cached, uncached, strict=True):
        row["baseline_cache_off_requests_per_second"] = base["requests_per_second"]
    heaviest = max(browser, key=lambda r: r["bytes_on_wire"])
    slowest = max(browser, key=lambda r: r["first_render_ms"] or 0)
    rates = [r["requests_per_second"] for r in cached]
    report = {
        "benchmark": "citizen_pages",
        "database": vendor,
        "pages": browser,
        "heaviest_first_load_bytes": heaviest["bytes_on_wire"],
        "weight_budget_bytes": WEIGHT_BUDGET,
        "slowest_first_render_ms": slowest["first_render_ms"],
        "render_budget_ms": RENDER_BUDGET_MS,
        "throughput": cached,
        "min_requests_per_second": min(rates),
        "target_requests_per_second": TARGET_RPS,
        "warning": warning,
        "all_within_budget": heaviest["bytes_on_wire"] <= WEIGHT_BUDGET
        and (slowest["first_render_ms"] or 1e9) <= RENDER_BUDGET_MS
        and min(rates) >= TARGET_RPS
        and warning["seconds_to_page"] is not None
        and warning["seconds_to_page"] <= ALERT_BUDGET_S,
        "load_average_after": os.getloadavg(),
    }
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

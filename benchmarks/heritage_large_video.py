"""A 500 MB video through the heritage archive: sent in 2 MB pieces through the item page's
upload address, then processed by the task worker's job with its progress watched as the page
shows it (issue 24: "a 500 MB video processed in the background with visible progress and no
request timing out").

    .venv/bin/python benchmarks/heritage_large_video.py                 # 500 MB
    .venv/bin/python benchmarks/heritage_large_video.py --megabytes 50  # a quicker look

The script makes its own SQLite database and media folder (dropped at the end), migrates,
loads the reference data and makes a contributor and a draft item through the services. The
video is made here by ffmpeg (a 1080p H.264 test pattern with noise at about 8 Mbit/s, like a
phone's recording, cut to the size asked). Each piece is one request through Django's test
client (routing, middleware, the view, the staging file); the last one hands the file to the
media pipeline (content check, SHA-256, storage). Then ``media.processing.asset_process`` runs
in a thread, as the task worker runs it, while the main thread reads the asset's progress
every second, as the contributor's page does (it refreshes every 10 seconds).

Prints one JSON document: piece requests (count, p50, p95, max ms; the budget: none may take
long enough to time out, 30 s behind a default proxy), the last piece's time, processing time,
the progress values seen, the derivatives made. Baseline: the same file sent as one request
(what a form without pieces would do): its time and whether it passes the upload limits.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from dantoc.core import testing  # noqa: E402

PIECE = 2 * 1024 * 1024
REQUEST_TIMEOUT_S = 30


def make_video(path: Path, megabytes: int) -> None:
    """About 8 Mbit/s of 1080p H.264: ~1 MB a second of video."""
    seconds = max(2, megabytes)  # 1 MB/s → the duration that gives the size
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
            f"testsrc2=size=1920x1080:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-vf", "noise=alls=12:allf=t", "-c:v", "libx264", "-preset", "ultrafast",
            "-b:v", "8M", "-maxrate", "8M", "-bufsize", "16M", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "128k", "-fs", str(megabytes * 1024 * 1024),
            str(path),
        ],
        check=True,
    )  # fmt: skip


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1),
        "max_ms": round(max(times), 1),
    }


def run(args, workdir: Path) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from conftest import PASSWORD
    from dantoc.accounts.services import user_create
    from dantoc.geo.models import EthnicGroup
    from dantoc.geo.selectors import unit_get
    from dantoc.heritage import services
    from dantoc.heritage.models import HeritageMedia
    from dantoc.media.models import MediaAsset
    from dantoc.media.processing import asset_process

    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_reference_data", stdout=io.StringIO())
    settings.HERITAGE_UPLOAD_DIR = workdir / "uploads"
    commune = unit_get(code="00715")
    writer = user_create(
        actor=None, username="bench.video", password=PASSWORD, unit=commune,
        roles=["heritage_contributor"], full_name="Bench", check_password=False,
    )  # fmt: skip
    protocol = services.protocol_create(actor=None, slug="mo", name="Mở", kind="open")
    item = services.item_create(
        actor=writer,
        unit=commune,
        data=services.ItemData(
            kind="festival", title="Lễ hội Gầu Tào (video dài)", description="Video thử.",
            ethnic_groups=[EthnicGroup.objects.get(code="08")], protocols=[protocol],
            commune=commune,
        ),
    )  # fmt: skip
    video = workdir / "le-hoi.mp4"
    started = time.perf_counter()
    make_video(video, args.megabytes)
    made_s = time.perf_counter() - started
    size = video.stat().st_size
    client = Client(HTTP_HOST="localhost")
    client.force_login(writer)
    url = f"/di-san/quan-ly/{item.uuid}/tep/phan/"
    times, last = [], None
    with video.open("rb") as handle:
        first = 0
        while first < size:
            body = handle.read(PIECE)
            t0 = time.perf_counter()
            answer = client.post(
                url, data=body, content_type="application/octet-stream",
                HTTP_CONTENT_RANGE=f"bytes {first}-{first + len(body) - 1}/{size}",
                HTTP_X_UPLOAD_ID="bbbb0123456789ab", HTTP_X_FILE_NAME="le-hoi.mp4",
            )  # fmt: skip
            times.append((time.perf_counter() - t0) * 1000)
            assert answer.status_code in (200, 201), (answer.status_code, answer.content[:300])
            first += len(body)
            last = answer
    media = HeritageMedia.objects.get(uuid=last.json()["media"])
    seen: list[tuple[float, str, int]] = []
    done = threading.Event()
    worker = threading.Thread(
        target=lambda: (asset_process(asset_id=media.asset_id), done.set()), daemon=True
    )
    t0 = time.perf_counter()
    worker.start()
    while not done.wait(1.0):
        asset = MediaAsset.objects.get(pk=media.asset_id)
        seen.append((round(time.perf_counter() - t0, 1), asset.state, asset.progress))
    worker.join()
    processed_s = time.perf_counter() - t0
    asset = MediaAsset.objects.prefetch_related("derivatives").get(pk=media.asset_id)
    progress = [p for _t, state, p in seen if state == "processing"]
    # Baseline: the whole file as one request (a form without pieces).
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return {
        "video_bytes": size,
        "video_made_seconds": round(made_s, 1),
        "pieces": summary(times[:-1]),
        "last_piece_ms": round(times[-1], 1),
        "requests_over_timeout": sum(1 for t in times if t > REQUEST_TIMEOUT_S * 1000),
        "processing_seconds": round(processed_s, 1),
        "state": asset.state,
        "failure": asset.failure_reason,
        "progress_samples": len(seen),
        "progress_distinct_values": sorted(set(progress)),
        "progress_monotonic": progress == sorted(progress),
        "derivatives": sorted(
            (d.profile, d.bytes, d.width, d.height) for d in asset.derivatives.all()
        ),
        "baseline_single_request": {
            "bytes": size,
            "request_body_limit_bytes": limit,
            "accepted": size <= limit,
            "note": "one request of the whole file: refused by the body limit (and, behind a "
            "proxy with a 30 s timeout, a 500 MB upload over 3G at 1 Mbit/s would take over an "
            "hour in one request)",
        },
        "load_average": os.getloadavg(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=500)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="heritage-video-"))
    db = testing.create_database(
        workdir=workdir, vendor="sqlite", name="heritage_video",
        base_url=f"sqlite:///{workdir}/x.sqlite3", replace=True,
    )  # fmt: skip
    os.environ["DATABASE_URL"] = db.url
    os.environ["DANTOC_MEDIA_ROOT"] = str(workdir / "media")
    try:
        result = run(args, workdir)
    finally:
        from django.db import connections

        connections.close_all()
        testing.drop_database(db)
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

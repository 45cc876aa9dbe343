"""How many participants one Janus VideoRoom holds on this machine before the media
server's CPU saturates, audio only and at 360p video (fake media from Chromium), and the
time from "start meeting" to the first participant seeing video (issue 21).

    .venv/bin/python benchmarks/meetings_capacity.py             # steps 1, 2, 4, 6, 8
    .venv/bin/python benchmarks/meetings_capacity.py --steps 1,2,3 --seconds 8

No database: the script starts its own Janus on free loopback ports with the platform's own
configuration generator (``dantoc.meetings.janus.config_write``), creates a private room with
one token per participant through the Admin and VideoRoom APIs as the platform does, serves
the platform's room script (``dantoc/meetings/static/meetings/room.js`` with janus.js and
adapter.js from node_modules) from a small static page, and opens each participant as a
Chromium page (``--use-fake-device-for-media-stream``). Every participant publishes and
subscribes to everyone else (N × (N − 1) forwarded streams).

For each step it prints Janus's CPU (share of one core, from /proc over ``--seconds``), the
remote streams the pages actually receive, and the machine's load average. "Saturated"
means Janus used ``--saturation`` (default 90 %) of the machine's cores, or the pages no
longer receive every stream. The baseline is one participant (Janus forwarding nothing).
"Time to first video": from the room's creation to the first page showing a remote video,
beside the baseline time to one's own camera (a room of one).

The participants' browsers run on the same 2 cores as Janus, so on this machine Chromium
(decoding N × (N − 1) videos) runs out of CPU long before Janus does: the figures are
indicative, more so under other developers' load (printed beside them).
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from dantoc.meetings import janus  # noqa: E402

HARNESS = """<!doctype html><html><head><meta charset="utf-8"><title>bench</title></head><body>
<div id="room" data-server="{server}" data-room="{room}" data-token="{token}" data-display="P{n}"
 data-opaque="bench-{n}" data-audio-only="{audio}" data-state="starting">
<p id="room-status"></p><div class="room-controls" hidden>
<button id="btn-mute"></button><button id="btn-camera"></button><button id="btn-audio-only"></button>
<button id="btn-screen"></button><button id="btn-hand"></button></div>
<div class="videos" id="videos"><figure class="tile me"><video id="local-video" autoplay playsinline muted></video></figure></div>
<section class="chat" hidden><ol id="chat-log"></ol><form id="chat-form"><input id="chat-input"></form></section>
<template id="room-texts"><span data-k="joined">joined</span><span data-k="error">error</span></template></div>
<script src="/adapter.js"></script><script src="/janus.js"></script><script src="/room.js"></script>
</body></html>"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Files(http.server.SimpleHTTPRequestHandler):
    pages: dict[str, str] = {}
    files = {
        "/adapter.js": ROOT / "node_modules/webrtc-adapter/out/adapter.js",
        "/janus.js": ROOT / "node_modules/janus-gateway/npm/src/janus.js",
        "/room.js": ROOT / "dantoc/meetings/static/meetings/room.js",
    }

    def do_GET(self):
        path = self.path.split("?")[0]
        if path in self.pages:
            body, kind = self.pages[path].encode(), "text/html; charset=utf-8"
        elif path in self.files:
            body, kind = self.files[path].read_bytes(), "text/javascript"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def run_step(browser, client, base, janus_pid, *, n, audio, seconds, tag):
    room = f"dantoc-bench-{tag}-{n}-{int(time.time() * 1000)}"
    tokens = [f"{room}-t{i}" for i in range(n)]
    started = time.perf_counter()
    for token in tokens:
        client.token_add(token)
    client.room_ensure(
        room=room, description="bench", secret="bench", allowed=tokens, publishers=max(n, 6)
    )
    contexts = []
    first_video = None
    try:
        for i, token in enumerate(tokens):
            Files.pages[f"/{room}/{i}"] = HARNESS.format(
                server=client.ep.url, room=room, token=token, n=i, audio="1" if audio else "0"
            )
            context = browser.new_context(viewport={"width": 640, "height": 480})
            page = context.new_page()
            page.goto(f"{base}/{room}/{i}")
            contexts.append((context, page))
        want = n - 1
        deadline = time.monotonic() + 30 + 10 * n
        while time.monotonic() < deadline:
            got = [
                int(p.evaluate("document.getElementById('room').dataset."
                               + ("participants" if audio else "remotes") + " || 0"))
                for _c, p in contexts
            ]  # fmt: skip
            if n == 1:
                state = contexts[0][1].evaluate(
                    "[document.getElementById('room').dataset.state,"
                    " document.getElementById('room').dataset.local]"
                )
                if state[0] == "joined" and (audio or state[1] == "video"):
                    first_video = time.perf_counter() - started
                    break
            elif first_video is None and any(g >= 1 for g in got):
                first_video = time.perf_counter() - started
            if n > 1 and all(g >= want for g in got):
                break
            time.sleep(0.25)
        cpu0, wall0 = cpu_seconds(janus_pid), time.perf_counter()
        time.sleep(seconds)
        cpu = (cpu_seconds(janus_pid) - cpu0) / (time.perf_counter() - wall0)
        received = sum(
            int(p.evaluate("document.getElementById('room').dataset."
                           + ("participants" if audio else "remotes") + " || 0"))
            for _c, p in contexts
        )  # fmt: skip
        return {
            "participants": n,
            "janus_cpu_percent_of_one_core": round(cpu * 100, 1),
            "streams_expected": n * (n - 1),
            "streams_received": received,
            "time_to_first_video_s": round(first_video, 2) if first_video is not None else None,
            "load_average_1m": os.getloadavg()[0],
        }
    finally:
        for context, _p in contexts:
            context.close()
        client.room_destroy(room=room, secret="bench")
        for token in tokens:
            client.token_remove(token)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", default="1,2,4,6,8")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--saturation", type=float, default=90.0)
    args = parser.parse_args()
    steps = [int(s) for s in args.steps.split(",")]
    binary = janus.janus_binary()
    if binary is None:
        sys.exit("janus is not installed: scripts/ensure-system-packages.sh")
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="dantoc-bench-janus-"))
    http_port, admin_port = free_port(), free_port()
    keys = janus.config_write(
        janus.JanusConfig(folder=folder, http_port=http_port, admin_port=admin_port,
                          events_url="http://127.0.0.1:9/", ice_enforce_list="lo",
                          rtp_port_range="31000-32999"),
        keep_secrets=False,
    )  # fmt: skip
    process = subprocess.Popen([binary, "-F", str(folder), "-C", str(folder / "janus.jcfg")],
                               stdout=(folder / "janus.log").open("w"), stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{http_port}/janus"
    for _ in range(100):
        try:
            requests.get(f"{url}/info", timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.2)
    client = janus.JanusClient(janus.JanusEndpoint(url=url, admin_url=f"http://127.0.0.1:{admin_port}/admin",
                                                   public_url=url, keys=keys))  # fmt: skip
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    results = {"machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()},
               "janus": client.info().get("version_string")}  # fmt: skip
    cores = os.cpu_count() or 1
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True,
                args=["--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream",
                      "--use-fake-ui-for-media-stream"],
            )  # fmt: skip
            for mode, audio in (("audio_only", True), ("video_360p", False)):
                rows = []
                for n in steps:
                    row = run_step(browser, client, base, process.pid, n=n, audio=audio,
                                   seconds=args.seconds, tag=mode)  # fmt: skip
                    row["saturated"] = (
                        row["janus_cpu_percent_of_one_core"] >= args.saturation * cores
                        or row["streams_received"] < row["streams_expected"]
                    )
                    rows.append(row)
                    print(json.dumps({mode: row}), flush=True)
                    if row["saturated"]:
                        break
                held = [r["participants"] for r in rows if not r["saturated"]]
                results[mode] = {
                    "steps": rows,
                    "participants_held": max(held) if held else 0,
                    "baseline_one_participant": rows[0]
                    if rows and rows[0]["participants"] == 1
                    else None,
                }
            browser.close()
    finally:
        server.shutdown()
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

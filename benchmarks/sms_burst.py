"""An SMS burst (issue 25): 10,000 alert messages queued in the outbox and handed to a real
SMPP 3.4 server (the SMSC simulator, ``dantoc.channels.simulators.smsc``, started here as a
separate process), none lost or duplicated: count in = count acknowledged.

    .venv/bin/python benchmarks/sms_burst.py                 # SQLite (or DATABASE_URL's vendor)
    .venv/bin/python benchmarks/sms_burst.py --messages 2000 --baseline 200

The outbox path: ``outbox_enqueue_many`` (one audited batch, deduplicated by key), then
``outbox_send_due`` batch after batch as the task worker runs it: one bound transceiver
session per batch, a window of outstanding ``submit_sm``, delivery receipts matched in the
same session. The baseline is the naive sender: for each message, connect, bind, submit,
wait for the answer, unbind (one connection per message), on a sample of ``--baseline``
messages (queued in the outbox too, marked sent one by one). The text is a real three-part Vietnamese warning (UCS-2 with UDH), so 10,000 messages
are 30,000 ``submit_sm``.

Prints JSON: counts (queued, acknowledged by the SMSC, distinct, duplicates, in the outbox as
sent/delivered) and messages per second for both, in the same run (figures taken on a shared
machine are only comparable with each other).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from dantoc.core import testing  # noqa: E402  (needs no Django set-up)

TEXT = (
    "[CẢNH BÁO] Lũ quét - cấp 3: mưa rất to đêm nay ở xã Y Tý. Người dân tránh xa suối, "
    "đến nơi an toàn ngay theo hướng dẫn của thôn bản. Soạn HUY để ngừng nhận."
)


def start_smsc(port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dantoc.channels.simulators.smsc",
            "--port",
            str(port),
            "--log",
            str(log),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("SMSC simulator did not start")


def naive(port: int, source: str) -> float:
    """One connection per message: for each queued row, connect, bind, submit every part,
    wait for each answer, disconnect, mark the row sent (its own commit)."""
    import smpplib.client
    import smpplib.consts
    import smpplib.gsm
    from django.utils import timezone

    from dantoc.channels.models import OutboxMessage, State

    started = time.perf_counter()
    for pk, number in OutboxMessage.objects.filter(source=source).values_list("pk", "address"):
        client = smpplib.client.Client("127.0.0.1", port, allow_unknown_opt_params=True)
        client.connect()
        client.bind_transceiver(system_id="naive", password="")
        parts, coding, esm = smpplib.gsm.make_parts(TEXT)
        for part in parts:
            client.send_message(
                source_addr_ton=smpplib.consts.SMPP_TON_ALNUM,
                source_addr="UBND-LAOCAI",
                dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                destination_addr=number,
                short_message=part,
                data_coding=coding,
                esm_class=esm,
            )
            client.read_once()
        client.disconnect()
        OutboxMessage.objects.filter(pk=pk).update(state=State.SENT, sent_at=timezone.now())
    return time.perf_counter() - started


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=500)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-sms-"))
    log = work / "smsc.jsonl"
    port = testing.free_port()
    smsc = start_smsc(port, log)
    db = testing.create_database(workdir=work)
    try:
        os.environ["DATABASE_URL"] = db.url
        os.environ["DANTOC_SMPP_HOST"] = "127.0.0.1"
        os.environ["DANTOC_SMPP_PORT"] = str(port)
        os.environ["DANTOC_SMPP_BRANDNAME"] = "UBND-LAOCAI"
        os.environ["DANTOC_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)
        from dantoc.channels import services
        from dantoc.channels.models import OutboxMessage, State

        numbers = [f"8486{i:07d}" for i in range(args.messages)]
        rows = [
            {
                "channel": "sms",
                "address": n,
                "body": TEXT,
                "urgency": "urgent",
                "idempotency_key": f"alert:bench:sms:{n}",
            }
            for n in numbers
        ]
        started = time.perf_counter()
        queued = services.outbox_enqueue_many(rows=rows, source="alert:bench")
        again = services.outbox_enqueue_many(rows=rows, source="alert:bench")  # a re-run
        queue_s = time.perf_counter() - started
        started = time.perf_counter()
        while services.outbox_send_due(limit=services.BATCH).get("claimed"):
            pass
        send_s = time.perf_counter() - started
        records = [json.loads(line) for line in log.read_text().splitlines() if line]
        per_number = Counter(r["destination_addr"] for r in records)
        parts = len(records) // max(1, len(per_number))
        outbox = {
            state: OutboxMessage.objects.filter(state=state).count() for state in State.values
        }
        services.outbox_enqueue_many(
            rows=[
                {
                    "channel": "sms",
                    "address": f"8487{i:07d}",
                    "body": TEXT,
                    "idempotency_key": f"alert:naive:sms:{i}",
                }
                for i in range(args.baseline)
            ],
            source="alert:naive",
        )
        naive_s = naive(port, "alert:naive")
        return {
            "vendor": db.vendor,
            "messages": args.messages,
            "queued": queued,
            "queued_again_on_rerun": again,
            "acknowledged_messages": len(per_number),
            "submit_sm_acknowledged": len(records),
            "parts_per_message": parts,
            "duplicated_messages": sum(1 for n in per_number.values() if n != parts),
            "lost_messages": args.messages - len(per_number),
            "outbox_states": outbox,
            "queue_seconds": round(queue_s, 2),
            "outbox_send_seconds": round(send_s, 2),
            "outbox_messages_per_second": round(args.messages / send_s, 1),
            "naive_messages": args.baseline,
            "naive_seconds": round(naive_s, 2),
            "naive_messages_per_second": round(args.baseline / naive_s, 1),
            "load_average": os.getloadavg(),
        }
    finally:
        smsc.terminate()
        smsc.wait(timeout=10)
        testing.drop_database(db)


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))

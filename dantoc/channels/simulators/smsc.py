"""An SMPP 3.4 SMSC simulator: the ``smpp34`` server (PyPI, Rust core) with a little policy.

    python -m dantoc.channels.simulators.smsc --port 2775 --log var/smsc.jsonl

- binds any system_id/password (the ``smpp34`` server checks none);
- accepts every ``submit_sm`` with a fresh message id (unique across restarts: a run prefix),
  except destinations starting with ``--reject-prefix`` (``ESME_RINVDSTADR``);
- when ``registered_delivery`` asks for it, pushes a delivery receipt back as ``deliver_sm``
  (esm_class 0x04) with the SMPP 3.4 Appendix B receipt text and the
  ``receipted_message_id`` / ``message_state`` TLVs: ``DELIVRD``, or ``UNDELIV`` for
  destinations starting with ``--undeliv-prefix``;
- with ``--receipt-delay S``, the receipt comes S seconds after the submit, as on a real
  network: to the submitting session if it is still bound, else to another receiving
  session of the same system_id (a receiver bound for that), else it is stored and pushed
  when one binds (store and forward);
- with ``--drop-after N``, exits abruptly on the submit after the N-th accepted one (a
  connection dropped mid-send);
- writes one JSON line per accepted ``submit_sm`` to ``--log`` (what tests and the benchmark
  count: nothing lost, nothing duplicated).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import time

import smpp34

MESSAGE_STATE = {"DELIVRD": 2, "UNDELIV": 5}


def receipt_text(message_id: str, stat: str) -> bytes:
    """The de-facto receipt format of SMPP 3.4 Appendix B."""
    now = time.strftime("%y%m%d%H%M", time.gmtime())
    err = "000" if stat == "DELIVRD" else "001"
    dlvrd = "001" if stat == "DELIVRD" else "000"
    return (
        f"id:{message_id} sub:001 dlvrd:{dlvrd} submit date:{now} done date:{now} "
        f"stat:{stat} err:{err} text:"
    ).encode("ascii")


async def serve(args) -> None:
    server = smpp34.Server(args.host, args.port, system_id="DANTOCSIM")
    await server.start()
    print(f"smsc simulator listening on {args.host}:{args.port}", flush=True)
    log = open(args.log, "a", buffering=1, encoding="utf-8") if args.log else None  # noqa: SIM115
    sessions: dict[str, smpp34.Esme] = {}
    run = f"{os.getpid():x}{int(time.time()) % 100000:05d}"
    count = 0
    pending: set[asyncio.Task] = set()

    stored: list[tuple[str, object, str, str]] = []  # receipts no session could take yet

    def receiver_for(session_id: str, system_id: str):
        esme = sessions.get(session_id)
        if esme is not None and esme.can_receive:
            return esme
        for other in sessions.values():
            if other.can_receive and other.system_id == system_id:
                return other
        return None

    async def push_receipt(session_id: str, system_id: str, ev, message_id: str, stat: str):
        if args.receipt_delay:
            await asyncio.sleep(args.receipt_delay)
        esme = receiver_for(session_id, system_id)
        if esme is None:
            if args.receipt_delay:
                stored.append((system_id, ev, message_id, stat))
            return
        try:
            await esme.deliver_sm(
                ev.source_addr,
                receipt_text(message_id, stat),
                source_addr=ev.destination_addr,
                source_addr_ton=1,
                source_addr_npi=1,
                dest_addr_ton=ev.source_addr_ton,
                esm_class=0x04,
                tlvs=[
                    smpp34.Tlv(smpp34.TLV_RECEIPTED_MESSAGE_ID, message_id.encode() + b"\0"),
                    smpp34.Tlv(smpp34.TLV_MESSAGE_STATE, bytes([MESSAGE_STATE[stat]])),
                ],
            )
        except Exception as exc:  # the ESME went away: the receipt is lost, as on a real SMSC
            print(f"receipt {message_id} not pushed: {exc}", file=sys.stderr, flush=True)

    while True:
        ev = await server.next()
        if isinstance(ev, smpp34.Esme):
            sessions[ev.session_id] = ev
            if ev.can_receive and stored:
                waiting = [r for r in stored if r[0] == ev.system_id]
                stored[:] = [r for r in stored if r[0] != ev.system_id]
                for system_id, old_ev, message_id, stat in waiting:
                    task = asyncio.create_task(
                        push_receipt(ev.session_id, system_id, old_ev, message_id, stat)
                    )
                    pending.add(task)
                    task.add_done_callback(pending.discard)
        elif isinstance(ev, smpp34.Unbound):
            sessions.pop(ev.session_id, None)
        elif isinstance(ev, smpp34.SubmitSmEvent):
            dest = ev.destination_addr
            if args.reject_prefix and dest.startswith(args.reject_prefix):
                ev.reject(smpp34.ESME_RINVDSTADR)
                continue
            if args.drop_after and count >= args.drop_after:
                # A dropped connection mid-send: die without answering this submit_sm.
                print("dropping every connection (--drop-after)", flush=True)
                os._exit(3)
            count += 1
            message_id = f"{run}-{count}"
            ev.accept(message_id)
            if log:
                log.write(
                    json.dumps(
                        {
                            "message_id": message_id,
                            "session": ev.session_id,
                            "source_addr": ev.source_addr,
                            "source_addr_ton": ev.source_addr_ton,
                            "destination_addr": dest,
                            "data_coding": ev.data_coding,
                            "esm_class": ev.esm_class,
                            "short_message": ev.short_message.hex(),
                        }
                    )
                    + "\n"
                )
            if ev.registered_delivery & 0x01:
                stat = (
                    "UNDELIV"
                    if args.undeliv_prefix and dest.startswith(args.undeliv_prefix)
                    else "DELIVRD"
                )
                system_id = getattr(sessions.get(ev.session_id), "system_id", "")
                task = asyncio.create_task(
                    push_receipt(ev.session_id, system_id, ev, message_id, stat)
                )
                pending.add(task)
                task.add_done_callback(pending.discard)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2775)
    parser.add_argument("--log", default="")
    parser.add_argument("--reject-prefix", default="84999")
    parser.add_argument("--undeliv-prefix", default="84888")
    parser.add_argument("--receipt-delay", type=float, default=0.0, help="seconds")
    parser.add_argument("--drop-after", type=int, default=0, help="exit after N accepted")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()

"""SMS over SMPP 3.4 (the protocol Vietnamese operators and aggregators speak), with
``smpplib`` (PyPI) as the client.

One bound transceiver session per batch: every message is cut into parts (``smpplib.gsm``:
GSM 7-bit when the text allows it, UCS-2 = data_coding 8 otherwise; long messages carry a
UDH so the phone joins them), submitted from the brandname (alphanumeric source address,
TON 5) with a delivery receipt requested, and a window of outstanding ``submit_sm`` bounds
how far the client runs ahead of the SMSC. Receipts (``deliver_sm`` with esm_class 0x04:
``receipted_message_id`` or the "id:… stat:…" text of SMPP 3.4 Appendix B) and citizens'
replies (mobile-originated ``deliver_sm``) read during the session are returned to the caller,
which matches them to messages. A message counts as handed over only when every part got a
positive ``submit_sm_resp``; the rest stay queued when the connection drops.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass, field

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm
import smpplib.smpp
from django.conf import settings

from dantoc.channels.text import unaccent

_RECEIPT = re.compile(rb"id:(?P<id>\S+).*?stat:(?P<stat>[A-Z]+)", re.S)
# Command statuses after which trying again cannot help (SMPP 3.4 §5.1.3).
PERMANENT_STATUSES = {0x0A, 0x0B, 0x0C, 0x33, 0x45, 0x48, 0x49, 0x50, 0x51}


class SmppUnavailable(Exception):
    """The SMSC could not be reached or refused the bind."""


@dataclass
class SmsOutcome:
    provider_ids: list[str] = field(default_factory=list)
    parts: int = 0
    error: str = ""
    permanent: bool = False

    @property
    def ok(self) -> bool:
        return not self.error and len(self.provider_ids) == self.parts


@dataclass
class SmsBatchResult:
    outcomes: dict[str, SmsOutcome]
    receipts: list[tuple[str, str]]  # (provider message id, stat)
    replies: list[tuple[str, str]]  # (phone, text) mobile-originated


def config() -> dict:
    return dict(getattr(settings, "CHANNELS_SMPP", {}) or {})


def configured() -> bool:
    return bool(config().get("HOST"))


def _is_unaccented_operator(destination: str, prefixes) -> bool:
    return any(destination.startswith(p) for p in prefixes)


def encode(text: str, destination: str, *, unaccented_prefixes=()) -> tuple[list[bytes], int, int]:
    """The parts, data_coding and esm_class of ``text`` for ``destination``."""
    if _is_unaccented_operator(destination, unaccented_prefixes):
        text = unaccent(text)
    return smpplib.gsm.make_parts(text)


def receipt_of(pdu) -> tuple[str, str] | None:
    raw = pdu.short_message or b""
    match = _RECEIPT.search(raw)
    rid = getattr(pdu, "receipted_message_id", None)
    if isinstance(rid, bytes):
        rid = rid.rstrip(b"\0").decode("ascii", "replace")
    stat = match.group("stat").decode() if match else ""
    if not rid and match:
        rid = match.group("id").decode("ascii", "replace")
    return (rid, stat or "DELIVRD") if rid else None


def _decode_reply(pdu) -> str:
    raw = pdu.short_message or b""
    if pdu.data_coding == smpplib.consts.SMPP_ENCODING_ISO10646:
        return raw.decode("utf-16-be", "replace")
    return raw.decode("latin-1")


class SmppGateway:
    def __init__(self, cfg: dict | None = None):
        cfg = cfg or config()
        self.host = cfg["HOST"]
        self.port = int(cfg.get("PORT", 2775))
        self.system_id = cfg.get("SYSTEM_ID", "dantoc")
        self.password = cfg.get("PASSWORD", "")
        self.source = cfg.get("SOURCE_ADDR", "UBND")
        self.window = int(cfg.get("WINDOW", 50))
        self.timeout = float(cfg.get("TIMEOUT", 5))
        self.drain = float(cfg.get("RECEIPT_DRAIN_SECONDS", 0.3))
        self.unaccented_prefixes = tuple(cfg.get("UNACCENTED_PREFIXES", ()))

    def _connect(self, *, receiver: bool = False) -> smpplib.client.Client:
        """A bound session: a transceiver to send (and read what comes meanwhile), or a
        receiver that only waits for what the SMSC sends (``SmppReceiver``)."""
        client = smpplib.client.Client(
            self.host, self.port, timeout=self.timeout, allow_unknown_opt_params=True
        )
        bind = client.bind_receiver if receiver else client.bind_transceiver
        try:
            client.connect()
            bind(system_id=self.system_id, password=self.password)
        except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError) as exc:
            _quiet_close(client)
            raise SmppUnavailable(f"SMSC {self.host}:{self.port}: {exc!r}") from exc
        return client

    def check(self) -> None:
        """Bind and unbind: raises ``SmppUnavailable`` when the SMSC does not answer."""
        _quiet_close(self._connect())

    def send(self, messages: list[tuple[str, str, str]]) -> SmsBatchResult:
        """Send ``(key, destination, text)`` triples; raises ``SmppUnavailable`` when no
        session could be bound (then nothing was sent)."""
        outcomes: dict[str, SmsOutcome] = {}
        receipts: list[tuple[str, str]] = []
        replies: list[tuple[str, str]] = []
        by_sequence: dict[int, str] = {}

        def on_resp(pdu) -> None:
            key = by_sequence.pop(pdu.sequence, None)
            if key is None:
                return
            outcome = outcomes[key]
            if pdu.status:
                outcome.error = f"submit_sm_resp status 0x{pdu.status:08X}"
                outcome.permanent = pdu.status in PERMANENT_STATUSES
            else:
                mid = pdu.message_id
                outcome.provider_ids.append(mid.decode() if isinstance(mid, bytes) else str(mid))

        def on_deliver(pdu) -> None:
            if pdu.esm_class & 0x04:
                receipt = receipt_of(pdu)
                if receipt:
                    receipts.append(receipt)
            else:
                source = pdu.source_addr
                source = source.decode() if isinstance(source, bytes) else source
                replies.append((source, _decode_reply(pdu)))

        client = self._connect()
        client.set_message_sent_handler(on_resp)
        client.set_message_received_handler(on_deliver)
        client.set_error_pdu_handler(lambda pdu: None)
        try:
            for key, destination, text in messages:
                try:
                    parts, coding, esm = encode(
                        text, destination, unaccented_prefixes=self.unaccented_prefixes
                    )
                except smpplib.exceptions.MessageTooLong:
                    outcomes[key] = SmsOutcome(error="message too long", permanent=True)
                    continue
                outcomes[key] = SmsOutcome(parts=len(parts))
                for part in parts:
                    while len(by_sequence) >= self.window:
                        client.read_once(auto_send_enquire_link=False)
                    pdu = client.send_message(
                        source_addr_ton=smpplib.consts.SMPP_TON_ALNUM,
                        source_addr_npi=smpplib.consts.SMPP_NPI_UNK,
                        source_addr=self.source,
                        dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                        dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                        destination_addr=destination,
                        short_message=part,
                        data_coding=coding,
                        esm_class=esm,
                        registered_delivery=True,
                    )
                    by_sequence[pdu.sequence] = key
            while by_sequence:
                client.read_once(auto_send_enquire_link=False)
            deadline = time.monotonic() + self.drain
            while time.monotonic() < deadline:
                client._socket.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    client.read_once(auto_send_enquire_link=False)
                except TimeoutError:
                    break
        except (TimeoutError, smpplib.exceptions.ConnectionError, OSError) as exc:
            # The session broke: whatever has no positive answer for every part stays queued.
            for outcome in outcomes.values():
                if len(outcome.provider_ids) < outcome.parts and not outcome.error:
                    outcome.error = f"connection lost: {exc!r}"
        finally:
            _quiet_close(client)
        for key, _destination, _text in messages:
            outcomes.setdefault(key, SmsOutcome(error="not sent: connection lost"))
        return SmsBatchResult(outcomes=outcomes, receipts=receipts, replies=replies)


class SmppReceiver:
    """The session that waits for what the SMSC sends later: delivery receipts arrive minutes
    or hours after the batch that sent the message has unbound, and citizens' replies at any
    time. Binds as a receiver (same system_id), answers each ``deliver_sm``, hands what came
    to ``on_receipts`` / ``on_replies`` at most every ``flush_seconds`` (one transaction for
    many receipts), keeps the link alive (``enquire_link``) and binds again, with growing
    back-off, when the connection drops. ``manage.py channels_smpp_receiver`` runs it."""

    def __init__(self, cfg: dict | None = None, *, flush_seconds: float = 1.0):
        self.gateway = SmppGateway(cfg)
        self.flush_seconds = flush_seconds
        self.keepalive = float((cfg or config()).get("ENQUIRE_LINK_SECONDS", 30))
        self.binds = 0

    def _connect(self) -> smpplib.client.Client:
        client = self.gateway._connect(receiver=True)
        self.binds += 1
        return client

    def run(self, *, on_receipts, on_replies, stop=lambda: False, log=None) -> None:
        delay = 1.0
        while not stop():
            try:
                client = self._connect()
            except SmppUnavailable as exc:
                if log:
                    log(f"SMPP receiver: {exc}; binding again in {delay:.0f} s")
                deadline = time.monotonic() + delay
                while time.monotonic() < deadline and not stop():
                    time.sleep(0.2)
                delay = min(delay * 2, 60.0)
                continue
            delay = 1.0
            try:
                self._listen(client, on_receipts=on_receipts, on_replies=on_replies, stop=stop)
            except (
                smpplib.exceptions.ConnectionError,
                smpplib.exceptions.PDUError,
                OSError,
            ) as exc:
                if log:
                    log(f"SMPP receiver: connection lost ({exc!r}); binding again")
            finally:
                _quiet_close(client)

    def _listen(self, client, *, on_receipts, on_replies, stop) -> None:
        receipts: list[tuple[str, str]] = []
        replies: list[tuple[str, str]] = []

        def on_deliver(pdu) -> None:
            if pdu.esm_class & 0x04:
                receipt = receipt_of(pdu)
                if receipt:
                    receipts.append(receipt)
            else:
                source = pdu.source_addr
                source = source.decode() if isinstance(source, bytes) else source
                replies.append((source, _decode_reply(pdu)))

        def flush() -> None:
            # Handed over only once answered to the SMSC; a crash before this point loses
            # receipts the SMSC believes delivered: they are matched by id, so an SMSC that
            # repeats one changes nothing.
            if receipts:
                on_receipts(list(receipts))
                receipts.clear()
            if replies:
                on_replies(list(replies))
                replies.clear()

        client.set_message_received_handler(on_deliver)
        client.set_error_pdu_handler(lambda pdu: None)
        last_flush = last_link = time.monotonic()
        while not stop():
            client._socket.settimeout(min(self.flush_seconds, 1.0))
            with contextlib.suppress(TimeoutError):
                client.read_once(auto_send_enquire_link=False)
            now = time.monotonic()
            if now - last_flush >= self.flush_seconds or len(receipts) >= 1000:
                flush()
                last_flush = now
            if now - last_link >= self.keepalive:
                client.send_pdu(smpplib.smpp.make_pdu("enquire_link", client=client))
                last_link = now
        flush()


def _quiet_close(client) -> None:
    try:
        if client.state in (
            smpplib.consts.SMPP_CLIENT_STATE_BOUND_TRX,
            smpplib.consts.SMPP_CLIENT_STATE_BOUND_RX,
        ):
            client._socket.settimeout(0.5)
            client.unbind()
    except Exception:
        pass
    with contextlib.suppress(Exception):
        client.disconnect()

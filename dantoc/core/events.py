"""Announcements from lower apps to the readers above them, after the transaction commits.

Dependencies point one way (ARCHITECTURE.md): the portal and reporting must not import the
integration or open-data apps that react to their changes. A service announces what happened
with ``announce("portal.content_changed", ...)``; an app above registers a listener in its
``AppConfig.ready``. Listeners run only once the write has committed (a rolled-back write
announces nothing), and a failing listener is logged without undoing the committed write:
listeners must therefore be idempotent catch-up jobs (enqueue a task that reads the state),
never the only record of the change.

Some readers must change *with* the write, in its transaction: the analytics roll-ups are
exact at every commit. For those, ``announce_now`` calls the listeners at once, inside the
caller's transaction; a failing listener fails the write (and rolls it back). Listeners of
such events are registered with ``listen_now``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

Listener = Callable[..., Any]
_listeners: dict[str, list[Listener]] = defaultdict(list)


def listen(event: str, listener: Listener) -> None:
    """Register ``listener`` for ``event`` (once; registering it again changes nothing)."""
    if listener not in _listeners[event]:
        _listeners[event].append(listener)


def announce(event: str, **payload: Any) -> None:
    """Call every listener of ``event`` with ``payload`` after the current transaction commits."""
    for listener in list(_listeners.get(event, ())):
        transaction.on_commit(_guarded(event, listener, payload))


def _guarded(event: str, listener: Listener, payload: dict[str, Any]) -> Callable[[], None]:
    def run() -> None:
        try:
            listener(**payload)
        except Exception:
            logger.exception("listener %r of %s failed", listener, event)

    return run


_now_listeners: dict[str, list[Listener]] = defaultdict(list)


def listen_now(event: str, listener: Listener) -> None:
    """Register ``listener`` for ``event``, called inside the announcing transaction."""
    if listener not in _now_listeners[event]:
        _now_listeners[event].append(listener)


def announce_now(event: str, **payload: Any) -> int:
    """Call every in-transaction listener of ``event`` with ``payload`` now; their errors
    propagate to the caller, whose transaction then rolls back. Returns how many listened (a
    caller may do the work itself when no app above took it)."""
    listeners = list(_now_listeners.get(event, ()))
    for listener in listeners:
        listener(**payload)
    return len(listeners)

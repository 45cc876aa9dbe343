"""Statistical disclosure control of counts by ethnic group: the cell key method.

Counts of an integer indicator that is disaggregated by a sensitive category (ethnic group:
sensitive personal data under the Personal Data Protection Law 2025) are published with a
small, bounded, *consistent* perturbation, the method national statistics offices use for
census tables (ABS TableBuilder; ONS 2021 census "cell key perturbation"; Eurostat's
"Cell Key Method", τ-Argus manual / SDC handbook):

- every contributing record (one unit's approved figure for one indicator, one reported
  period and one option of each category) has a **record key**, a 64-bit number derived with
  a server-side secret (keyed BLAKE2b) from what the record is, so that it stays the same in
  every release and every data set;
- a published cell's **cell key** is the sum of its contributors' record keys modulo 2⁶⁴
  (a number in [0, 1) once divided by 2⁶⁴): the same contributors give the same cell key,
  whichever data set, release or level of the hierarchy shows the cell;
- the **perturbation table** gives, for a cell's true value and its cell key, the noise to
  add: at most ``max_noise`` (D) either way, never making a non-zero count zero or negative;
- zeros (no contributor) are published as they are; a perturbed count below the minimum
  (``OPENDATA_MIN_COUNT``) is not published (flag ``suppressed``).

Differencing two releases or two data sets then gives noise, not a count: a cell whose
contributors did not change shows the same published value, a cell whose contributors
changed gets a new, independent noise, and totals are perturbed on their own so that adding
up cannot solve back exactly (see ``tests/test_disclosure_attack.py``).
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

SUPPRESSED = "suppressed"
KEY_BITS = 64
KEY_SPACE = 1 << KEY_BITS
KEY_MASK = KEY_SPACE - 1


@dataclass(frozen=True)
class PerturbationTable:
    """Noise by (true value, cell key). Row ``v`` (1 ≤ v ≤ D + 1; larger values use row
    D + 1) lists the noises allowed for that value with the cell-key bounds they start at."""

    max_noise: int
    variance: float
    threshold: int
    rows: dict[int, tuple[tuple[int, ...], tuple[int, ...]]]  # v → (starts, noises)

    def noise(self, value: int, cell_key: int) -> int:
        if value <= 0:
            return 0
        starts, noises = self.rows[min(value, self.max_noise + 1)]
        return noises[bisect.bisect_right(starts, cell_key) - 1]

    def distribution(self, value: int) -> dict[int, float]:
        """The probability of each noise for this true value (documentation and tests)."""
        starts, noises = self.rows[min(max(value, 1), self.max_noise + 1)]
        ends = (*starts[1:], KEY_SPACE)
        return {n: (e - s) / KEY_SPACE for n, s, e in zip(noises, starts, ends, strict=True)}


def table_build(*, max_noise: int, variance: float, threshold: int) -> PerturbationTable:
    """A table whose noises follow a discrete normal law of the given variance, cut at
    ±``max_noise`` and, for small values, at ``1 - value`` (no count becomes 0 or less). For
    values above ``max_noise`` the law is symmetric: the published value is unbiased."""
    if max_noise < 0 or variance <= 0:
        raise ValueError("max_noise ≥ 0 and variance > 0")
    rows = {}
    for value in range(1, max_noise + 2):
        allowed = list(range(max(-max_noise, 1 - value), max_noise + 1))
        weights = [math.exp(-(n * n) / (2 * variance)) for n in allowed]
        total = sum(weights)
        starts, acc = [], 0.0
        for w in weights:
            starts.append(min(KEY_MASK, int(acc / total * KEY_SPACE)))
            acc += w
        starts[0] = 0
        rows[value] = (tuple(starts), tuple(allowed))
    return PerturbationTable(max_noise, variance, threshold, rows)


@functools.lru_cache(maxsize=4)
def _table(max_noise: int, variance: float, threshold: int) -> PerturbationTable:
    return table_build(max_noise=max_noise, variance=variance, threshold=threshold)


def current_table() -> PerturbationTable:
    return _table(
        settings.OPENDATA_PERTURBATION_MAX,
        float(settings.OPENDATA_PERTURBATION_VARIANCE),
        settings.OPENDATA_MIN_COUNT,
    )


@functools.lru_cache(maxsize=4)
def _secret(text: str) -> bytes:
    # The key of the record keys: a secret of its own, or one derived from SECRET_KEY.
    return hashlib.sha256(b"dantoc.opendata.record-key\0" + text.encode()).digest()


def record_keyer():
    """``record_key`` with the secret read once (a release computes one key per record)."""
    secret = _secret(settings.OPENDATA_KEY_SECRET or settings.SECRET_KEY)
    blake2b = hashlib.blake2b
    from_bytes = int.from_bytes

    def key(indicator: str, period: str, unit: str, options: str) -> int:
        # Keyed BLAKE2b (RFC 7693) is a MAC, as HMAC-SHA256 is, at a third of the cost.
        message = f"{indicator}|{period}|{unit}|{options}".encode()
        return from_bytes(blake2b(message, key=secret, digest_size=8).digest(), "big")

    return key


def record_key(indicator: str, period: str, unit: str, options: str) -> int:
    """The record key of one unit's figure for an indicator, a reported period and one option
    of each category (``options`` in canonical ``CAT=OPT;…`` form)."""
    return record_keyer()(indicator, period, unit, options)


def residual_key(cell: str, residual: Decimal) -> int:
    """A key for the part of a cell's value that no record read explains (figures reported
    by a unit above the communes, for instance): derived from the cell and that part."""
    return record_key("~", cell, "", _text(residual))


def _text(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True)
class Published:
    text: str  # the published value ("" when suppressed)
    flag: str  # "" or "suppressed"


def protect(value: Decimal | int, cell_key: int, table: PerturbationTable) -> Published:
    """What to publish for a count with this true value and cell key."""
    count = int(value)
    if count <= 0:
        return Published(_text(Decimal(value)), "")
    shown = count + table.noise(count, cell_key & KEY_MASK)
    if shown < table.threshold:
        return Published("", SUPPRESSED)
    return Published(str(shown), "")

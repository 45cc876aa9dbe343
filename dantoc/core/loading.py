"""Shared pieces of the reference-data loaders: their result, and create-or-update by key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation

# The reference data files (data/), each folder with a README naming its official source.
DATA_DIR = Path(settings.BASE_DIR) / "data"


# What a loader did to each row, in the words the set-up log uses.
OUTCOME_WORDS = {
    "created": "mới",
    "updated": "cập nhật",
    "unchanged": "không đổi",
    "deleted": "xoá",
}


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    details: dict[str, int] = field(default_factory=dict)
    # Counts per kind of row ("chỉ tiêu", "mục phân tổ"…): the totals above add up rows of
    # different kinds, which the log must not present as one number (87 "indicators" for 6
    # indicators, 4 categories and 77 options).
    kinds: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            **self.details,
        }

    def tally(self, kind: str, outcome: str, count: int = 1) -> None:
        """Count ``count`` rows of ``kind`` (its name in words) as ``outcome``."""
        setattr(self, outcome, getattr(self, outcome) + count)
        counts = self.kinds.setdefault(kind, {})
        counts[outcome] = counts.get(outcome, 0) + count

    def describe(self) -> str:
        """ "6 chỉ tiêu (6 mới); 77 mục phân tổ (77 mới)": each kind with its own count."""
        parts = []
        for kind, counts in self.kinds.items():
            total = sum(counts.values())
            how = ", ".join(
                f"{_number(counts[o])} {word}" for o, word in OUTCOME_WORDS.items() if counts.get(o)
            )
            parts.append(f"{_number(total)} {kind} ({how})")
        parts += [f"{_number(n)} {name}" for name, n in self.details.items()]
        if not parts:
            return "không có gì để nạp"
        return "; ".join(parts)


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # Vietnamese thousands separator


def kind_of(model: type[models.Model]) -> str:
    """A model's name in words for the set-up log, in the platform's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(model._meta.verbose_name)


# Long loaders report what they are doing through this (set by the management commands; a
# loader called elsewhere reports to nobody).
_progress_writer: Callable[[str], None] | None = None


def progress(message: str) -> None:
    """Say what a long loader is doing now ("xã, phường: 3.321 đơn vị…")."""
    if _progress_writer is not None:
        _progress_writer(message)


@contextmanager
def progress_to(write: Callable[[str], None]) -> Iterator[None]:
    global _progress_writer
    previous, _progress_writer = _progress_writer, write
    try:
        yield
    finally:
        _progress_writer = previous


def upsert(
    index: dict,
    key: Any,
    model: type[models.Model],
    identity: dict[str, Any],
    values: dict[str, Any],
    result: LoadResult,
) -> models.Model:
    """Create the row for ``key`` or update only the fields that differ; count which it was.

    ``index`` maps keys to the rows already loaded, so that a whole file costs one read.
    """
    obj = index.get(key)
    if obj is None:
        obj = index[key] = model.objects.create(**identity, **values)
        result.tally(kind_of(model), "created")
    elif any(getattr(obj, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(obj, k, v)
        obj.save(update_fields=list(values))
        result.tally(kind_of(model), "updated")
    else:
        result.tally(kind_of(model), "unchanged")
    return obj

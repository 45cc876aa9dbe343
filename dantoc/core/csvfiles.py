from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from dantoc.core.errors import ImportRejected, RowError
from dantoc.core.text import nfc


def read_csv(path: Path, *, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) with NFC-normalised values; refuse a file missing columns."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportRejected(
                [RowError(row=1, column=c, message="thiếu cột bắt buộc") for c in missing]
            )
        for line, row in enumerate(reader, start=2):
            yield line, {k: nfc(v or "") for k, v in row.items() if k is not None}

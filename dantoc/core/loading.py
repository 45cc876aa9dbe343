"""Shared pieces of the reference-data loaders: their result, and create-or-update by key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models

# The reference data files (data/), each folder with a README naming its official source.
DATA_DIR = Path(settings.BASE_DIR) / "data"


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    details: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            **self.details,
        }


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
        result.created += 1
    elif any(getattr(obj, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(obj, k, v)
        obj.save(update_fields=list(values))
        result.updated += 1
    else:
        result.unchanged += 1
    return obj

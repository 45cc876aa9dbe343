from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """One problem in an imported file, located the way a person would look for it."""

    row: int
    column: str
    message: str
    sheet: str = ""

    def __str__(self) -> str:
        where = f"sheet {self.sheet}, " if self.sheet else ""
        return f"{where}dòng {self.row}, cột {self.column}: {self.message}"


class ImportRejected(Exception):
    """An import found errors; nothing was written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        preview = "; ".join(str(e) for e in errors[:5])
        more = f" (và {len(errors) - 5} lỗi khác)" if len(errors) > 5 else ""
        super().__init__(f"{len(errors)} lỗi, không có thay đổi nào được ghi: {preview}{more}")

"""Load or refresh the reference data every app declares (``reference_loaders``)."""

import time

from django.core.management.base import BaseCommand, CommandError

from dantoc.core.errors import ImportRejected
from dantoc.core.loading import LoadResult, progress_to
from dantoc.core.registry import loaders

# Words for what loaders that return plain numbers, lists or dicts made (the set-up log says
# what was created in the words the pages use, not "created 87").
WORDS = {
    "accounts.demo_users": "tài khoản mới",
    "opendata.demo": "bộ dữ liệu mở mới",
    "documents": "văn bản mới",
    "articles": "bài viết mới",
    "agencies": "cơ quan mới",
    "classifications": "phân loại vùng mới",
    "figures": "giá trị số liệu BM01-VON mới (báo cáo quý, đã duyệt)",
    "households": "giá trị số liệu BM02-DA1 mới (hộ được hỗ trợ theo dân tộc, đã duyệt)",
}


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _shown(result, name: str = "") -> str:
    """What a loader did, in words."""
    if isinstance(result, LoadResult):
        return result.describe()
    if isinstance(result, dict):
        parts = [f"{_number(n)} {WORDS.get(key, key)}" for key, n in result.items()]
        return "; ".join(parts) or "không có gì mới"
    if isinstance(result, list | tuple):
        if not result:
            return "không có gì mới (đã có từ trước)"
        return f"{_number(len(result))} {WORDS.get(name, 'mục mới')}: {', '.join(map(str, result))}"
    if isinstance(result, int):
        return f"{_number(result)} {WORDS.get(name, 'mục mới')}"
    return "xong" if result is None else str(result)


def run_steps(command: BaseCommand, kind: str, refused: tuple[type[Exception], ...]) -> None:
    """Run the loaders of ``kind``, saying which one runs, what it is doing while it works
    (``dantoc.core.loading.progress``), what it made and how long it took."""
    out = command.stdout
    steps = loaders(kind)
    started_all = time.monotonic()

    def say(message: str) -> None:
        out.write(f"      {message}")
        out.flush()

    with progress_to(say):
        for number, loader in enumerate(steps, start=1):
            out.write(f"[{number}/{len(steps)}] {loader.name} …")
            out.flush()
            started = time.monotonic()
            try:
                result = loader.run()
            except refused as exc:
                raise CommandError(f"{loader.name}: {exc}") from exc
            seconds = f"{time.monotonic() - started:.1f}".replace(".", ",")
            out.write(f"    → {_shown(result, loader.name)} ({seconds} giây)")
            out.flush()
    total = f"{time.monotonic() - started_all:.1f}".replace(".", ",")
    out.write(f"Xong {len(steps)} bước trong {total} giây.")


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu tham chiếu mà các ứng dụng khai báo: đơn vị hành chính, dân tộc, danh mục "
        "chương trình, chỉ tiêu, biểu mẫu báo cáo… (idempotent)."
    )

    def handle(self, *args, **options):
        run_steps(self, "reference", (ImportRejected,))

"""Load or refresh the reference data every app declares (``reference_loaders``)."""

from django.core.management.base import BaseCommand, CommandError

from dantoc.core.errors import ImportRejected
from dantoc.core.registry import loaders


def _shown(result) -> object:
    return result.as_dict() if hasattr(result, "as_dict") else result


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu tham chiếu mà các ứng dụng khai báo: đơn vị hành chính, dân tộc, danh mục "
        "chương trình, chỉ tiêu, biểu mẫu báo cáo… (idempotent)."
    )

    def handle(self, *args, **options):
        steps = loaders("reference")
        for number, loader in enumerate(steps, start=1):
            self.stdout.write(f"[{number}/{len(steps)}] {loader.name} …", ending="")
            self.stdout.flush()
            try:
                result = loader.run()
            except ImportRejected as exc:
                self.stdout.write("")
                raise CommandError(f"{loader.name}: {exc}") from exc
            self.stdout.write(f" {_shown(result)}")

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dantoc.core.errors import ImportRejected
from dantoc.geo.services import area_classifications_import


class Command(BaseCommand):
    help = (
        "Nhập phân loại khu vực I/II/III và thôn ĐBKK từ CSV (cột: unit_code, unit_as_of, scheme, "
        "value, village_name, valid_from, valid_to, decision). Có lỗi thì không ghi gì."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        if not path.exists():
            raise CommandError(f"Không có tệp {path}")
        try:
            result = area_classifications_import(path=path)
        except ImportRejected as exc:
            raise CommandError("\n".join(str(e) for e in exc.errors)) from exc
        self.stdout.write(str(result.as_dict()))

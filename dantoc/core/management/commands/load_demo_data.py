"""Demo data of every app (``demo_loaders``), for trying the platform out. Refuses to run in
production."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dantoc.core.management.commands.load_reference_data import _shown
from dantoc.core.registry import loaders


class Command(BaseCommand):
    help = "Tạo dữ liệu mẫu của các ứng dụng (chỉ để dùng thử, không dùng trong sản xuất)."

    def handle(self, *args, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("Không tạo dữ liệu mẫu khi DANTOC_PRODUCTION=1.")
        steps = loaders("demo")
        for number, loader in enumerate(steps, start=1):
            self.stdout.write(f"[{number}/{len(steps)}] {loader.name} …", ending="")
            self.stdout.flush()
            try:
                result = loader.run()
            except LookupError as exc:
                self.stdout.write("")
                raise CommandError(f"{loader.name}: {exc}") from exc
            self.stdout.write(f" {_shown(result)}")

"""Demo data of every app (``demo_loaders``), for trying the platform out. Refuses to run in
production."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dantoc.core.management.commands.load_reference_data import run_steps


class Command(BaseCommand):
    help = "Tạo dữ liệu mẫu của các ứng dụng (chỉ để dùng thử, không dùng trong sản xuất)."

    def handle(self, *args, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("Không tạo dữ liệu mẫu khi DANTOC_PRODUCTION=1.")
        run_steps(self, "demo", (LookupError,))

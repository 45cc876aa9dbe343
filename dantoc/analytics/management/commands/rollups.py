"""``manage.py rollups check`` compares the maintained roll-ups with a computation from
scratch (exit status 1 when they differ); ``manage.py rollups rebuild`` recomputes them all;
``manage.py rollups latest`` recomputes only the "last over a window" rows (``RollupLatest``),
which an upgrade that added them needs once."""

from django.core.management.base import BaseCommand, CommandError

from dantoc.analytics.rollups import rollups_differences, rollups_latest_rebuild, rollups_rebuild


class Command(BaseCommand):
    help = "Kiểm tra (check) hoặc tính lại (rebuild, latest) số liệu tổng hợp."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "rebuild", "latest"])

    def handle(self, *args, action: str, **options):
        if action == "rebuild":
            rollups_rebuild()
            self.stdout.write("Đã tính lại toàn bộ số liệu tổng hợp.")
            return
        if action == "latest":
            rollups_latest_rebuild()
            self.stdout.write("Đã tính lại số liệu kỳ gần nhất theo năm, 6 tháng, quý.")
            return
        problems = rollups_differences()
        for line in problems[:50]:
            self.stdout.write(line)
        if problems:
            raise CommandError(f"{len(problems)} dòng tổng hợp khác với tính lại từ đầu.")
        self.stdout.write("Số liệu tổng hợp khớp với số liệu gốc.")

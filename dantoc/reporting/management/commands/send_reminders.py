import datetime

from django.core.management.base import BaseCommand

from dantoc.reporting.reminders import deadline_reminders_send
from dantoc.reporting.tasks import deadline_reminders_send_task


class Command(BaseCommand):
    help = (
        "Nhắc hạn nộp báo cáo và báo cáo quá hạn. Mặc định đưa việc vào hàng đợi cho "
        "`manage.py db_worker`; --now chạy ngay. Chạy hằng ngày (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="chạy ngay, không qua hàng đợi")
        parser.add_argument("--date", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args, now: bool, date, **options):
        if now:
            run = deadline_reminders_send(today=date)
            self.stdout.write(f"due soon: {run.due_soon}, late: {run.late}")
        else:
            result = deadline_reminders_send_task.enqueue(date.isoformat() if date else None)
            self.stdout.write(f"queued task {result.id}")

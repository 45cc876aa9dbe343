"""Check the originals' checksums now (for cron), or with ``--schedule`` queue the task that
checks them and then queues itself again every MEDIA_FIXITY_DAYS days."""

from django.core.management.base import BaseCommand

from dantoc.media.fixity import assets_fixity_check
from dantoc.media.tasks import assets_fixity_check_task


class Command(BaseCommand):
    help = "Re-verify the SHA-256 of every original file and report any change."

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true", help="queue it in the worker")

    def handle(self, *args, schedule: bool = False, **options):
        if schedule:
            assets_fixity_check_task.enqueue(True)
            self.stdout.write("fixity check queued")
            return
        report = assets_fixity_check()
        self.stdout.write(
            f"{report.checked} original(s) checked; changed: {len(report.changed)}; "
            f"missing: {len(report.missing)}"
        )
        for uuid in report.changed:
            self.stdout.write(f"CHANGED {uuid}")
        for uuid in report.missing:
            self.stdout.write(f"MISSING {uuid}")
        if not report.ok:
            raise SystemExit(1)

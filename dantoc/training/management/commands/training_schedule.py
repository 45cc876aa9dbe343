"""Start the training part's hourly task (reminders; the nightly recount of the 100 % goal)
in the task worker, unless it is already queued: ``scripts/serve.sh`` runs this at start.
``--now`` runs one round here instead (for cron or a check by hand)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Queue the hourly training task (reminders, nightly recount), once."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="run one round now, here")

    def handle(self, *args, now: bool = False, **options):
        from dantoc.training import tasks

        if now:
            result = tasks.training_hourly_task.call(False)
            self.stdout.write(f"reminders: {result['reminders']}")
            return
        queued = tasks.schedule()
        self.stdout.write("training task queued" if queued else "training task already queued")

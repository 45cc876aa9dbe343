"""Queue every asset still waiting for its derivatives (after a data migration brought
existing files into the pipeline, or after the worker was down). ``--now`` processes them in
this process instead of queueing."""

from django.core.management.base import BaseCommand

from dantoc.media.models import MediaAsset, MediaState
from dantoc.media.services import asset_process
from dantoc.media.tasks import asset_process_task


class Command(BaseCommand):
    help = "Queue (or with --now make) the derivatives of assets still waiting."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="process here, not in the worker")

    def handle(self, *args, now: bool = False, **options):
        ids = list(MediaAsset.objects.filter(state=MediaState.WAITING).values_list("pk", flat=True))
        for asset_id in ids:
            if now:
                asset_process(asset_id=asset_id)
            else:
                asset_process_task.enqueue(asset_id)
        self.stdout.write(f"{len(ids)} asset(s) {'processed' if now else 'queued'}")

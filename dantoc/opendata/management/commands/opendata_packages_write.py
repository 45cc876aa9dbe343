"""Write the stored CKAN packages of every data set (after an upgrade that adds them or
changes their shape; the services keep them current afterwards)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from dantoc.opendata.models import Dataset
from dantoc.opendata.services import packages_write


class Command(BaseCommand):
    help = "Ghi lại gói CKAN lưu sẵn của mọi bộ dữ liệu mở / rewrite every stored CKAN package."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="data sets per transaction")

    def handle(self, *args, batch: int, **options):
        ids = list(Dataset.objects.order_by("pk").values_list("pk", flat=True))
        written = 0
        for first in range(0, len(ids), batch):
            written += packages_write(dataset_ids=ids[first : first + batch])
        self.stdout.write(f"{written} bộ dữ liệu / data sets written")

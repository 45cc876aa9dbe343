"""Withdraw the releases made before counts by ethnic group were protected by the cell key
method, and publish each data set concerned again (docs/opendata.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from dantoc.opendata.services import releases_republish_protected


class Command(BaseCommand):
    help = (
        "Thu hồi các phiên bản công bố trước khi số liệu theo dân tộc được bảo vệ và công bố "
        "lại / withdraw unprotected releases and republish."
    )

    def handle(self, *args, **options):
        names = releases_republish_protected()
        for name in names:
            self.stdout.write(f"{name}: thu hồi và công bố lại / withdrawn and republished")
        self.stdout.write(f"{len(names)} bộ dữ liệu / data sets")

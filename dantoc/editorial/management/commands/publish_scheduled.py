from django.core.management.base import BaseCommand

from dantoc.editorial.services import content_publish_due


class Command(BaseCommand):
    help = (
        "Xuất bản các bài viết, văn bản đã hẹn giờ và đến giờ. Chạy định kỳ (cron, mỗi phút) "
        "bên cạnh db_worker; chạy nhiều lần không sao."
    )

    def handle(self, *args, **options):
        count = content_publish_due()
        self.stdout.write(f"{count} nội dung đến giờ đã được xuất bản")

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one official, shown in the platform and (once) sent by e-mail.

    Rows are written only by ``notifications.services``; other apps call ``notify``.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("người nhận"),
        # The (recipient, created_at) index below serves every lookup by recipient.
        db_index=False,
    )
    kind = models.CharField(_("loại"), max_length=64)
    title = models.CharField(_("tiêu đề"), max_length=255)
    body = models.TextField(_("nội dung"), blank=True)
    url = models.CharField(_("liên kết"), max_length=500, blank=True)
    unit = models.ForeignKey(
        "geo.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("đơn vị"),
    )
    created_at = models.DateTimeField(_("thời điểm tạo"), default=timezone.now)
    read_at = models.DateTimeField(_("thời điểm đọc"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("thời điểm gửi thư"), null=True, blank=True)
    email_error = models.TextField(_("lỗi gửi thư"), blank=True)
    # Callers name a reminder (e.g. "reminder:BM01:2025Q3:00715:3d") so that running the
    # reminder job again never tells the same person twice.
    dedupe_key = models.CharField(_("khoá chống trùng"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_unique_dedupe_key",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ xử lý")
    RUNNING = "running", _("Đang xử lý")
    DONE = "done", _("Đã xong")
    FAILED = "failed", _("Không thành công")


class BackgroundJob(models.Model):
    """Long work a user started (an Excel upload, an aggregate report) and waits for: the task
    worker runs it, the progress page polls it. Input and output files live in the row until
    the job is cleaned up."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=40)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("việc"), max_length=300)
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField(default=dict)
    payload = models.BinaryField(null=True, blank=True)
    output = models.BinaryField(null=True, blank=True)
    output_name = models.CharField(max_length=200, blank=True)
    output_type = models.CharField(max_length=100, blank=True)
    # [{"level": "success" | "info" | "warning" | "error", "text": "…"}]
    outcome = models.JSONField(default=list)
    back_url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # How far the worker is: ``progress_done`` of ``progress_total`` (unknown while None),
    # in the stage it names (``progress_stage``, a translated sentence).
    progress_done = models.PositiveBigIntegerField(default=0)
    progress_total = models.PositiveBigIntegerField(null=True, blank=True)
    progress_stage = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("công việc chạy nền")
        verbose_name_plural = _("các công việc chạy nền")
        indexes = [models.Index(fields=["owner", "-created_at"], name="job_owner_recent")]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.title}"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        """Progress in whole per cent, when the total is known."""
        if not self.progress_total:
            return None
        return min(100, self.progress_done * 100 // self.progress_total)


class PageGeneration(models.Model):
    """One row: the generation of the public page cache (``dantoc.core.pagecache``). Kept in
    the database, not in the cache, so that every server process (each has its own memory
    cache on one machine) sees a change within a second."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(_("thế hệ"), default=1)

    class Meta:
        verbose_name = _("thế hệ bộ nhớ đệm trang công khai")
        verbose_name_plural = _("thế hệ bộ nhớ đệm trang công khai")

    def __str__(self) -> str:
        return str(self.value)

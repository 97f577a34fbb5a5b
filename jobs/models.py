from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class JobFailure(models.Model):
    """One item a periodic job could not handle: open until it succeeds or staff close it."""

    job = models.CharField(max_length=60)  # the job's name in marketplace.jobs
    item = models.CharField(max_length=120)  # what the job was working on, e.g. "checkout:42"
    error = models.TextField()  # the last error, with its type
    times = models.PositiveIntegerField(default=1)  # failed runs since first_seen
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Empty with a resolved_at: the item succeeded on a later run and closed itself.
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-last_seen", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "item"], condition=Q(resolved_at__isnull=True),
                name="job_failure_one_open_per_item",
            ),
        ]
        indexes = [models.Index(fields=["resolved_at", "-last_seen"])]

    def __str__(self):
        return f"{self.job} {self.item}"

    @property
    def job_title(self) -> str:
        from .labels import job_title

        return job_title(self.job)

    @property
    def item_label(self) -> str:
        from .labels import item_label

        return item_label(self.item)

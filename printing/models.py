"""What printing leaves behind: one row per PDF written by a print job (the manifest)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PrintedFile(models.Model):
    """A PDF of one polling area written by a job; upserted, so a re-run never duplicates."""

    class Kind(models.TextChoices):
        CARDS = "cards", _("Voter cards")
        LISTS = "lists", _("Posted voter list")

    job = models.ForeignKey("common.Job", on_delete=models.CASCADE, related_name="+")
    polling_area = models.ForeignKey(
        "election.PollingArea", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    path = models.CharField(max_length=500, help_text=_("relative to MEDIA_ROOT"))
    sha256 = models.CharField(max_length=64)
    items = models.PositiveIntegerField(help_text=_("cards or list rows"))
    pages = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("printed file")
        verbose_name_plural = _("printed files")
        ordering = ["job_id", "polling_area__code"]
        constraints = [
            models.UniqueConstraint(fields=["job", "polling_area"], name="printed_file_once")
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

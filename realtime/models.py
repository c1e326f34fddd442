"""Turnout on voting day: cumulative reports per polling area and slot, and published snapshots.

Thin models: the rules are in realtime/rules.py, writes in realtime/services/.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TurnoutReport(models.Model):
    """How many voters of a polling area had voted by a slot (cumulative). One row per slot;
    a correction updates the row (the audit trail keeps before/after and the reason)."""

    class Source(models.TextChoices):
        WEB = "web", _("Web page")
        API = "api", _("API")

    election = models.ForeignKey("election.Election", on_delete=models.CASCADE, related_name="+")
    polling_area = models.ForeignKey(
        "election.PollingArea", on_delete=models.CASCADE, related_name="turnout_reports"
    )
    slot = models.CharField(max_length=8, help_text=_('"HH:MM" or "closed"'))
    voted = models.PositiveIntegerField()
    voted_female = models.PositiveIntegerField(null=True, blank=True)
    voted_male = models.PositiveIntegerField(null=True, blank=True)
    listed = models.PositiveIntegerField(help_text=_("voters on the list when reported"))
    is_late = models.BooleanField(default=False)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField()
    corrections = models.PositiveSmallIntegerField(default=0)
    correction_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("turnout report")
        verbose_name_plural = _("turnout reports")
        ordering = ["polling_area_id", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["polling_area", "slot"], name="turnout_one_per_slot"),
        ]
        indexes = [models.Index(fields=["election", "polling_area"])]

    def __str__(self) -> str:
        return f"{self.polling_area_id} {self.slot}: {self.voted}"


class TurnoutPublication(models.Model):
    """A published snapshot of a slot: versioned, timestamped, immutable (aggregates only)."""

    election = models.ForeignKey(
        "election.Election", on_delete=models.CASCADE, related_name="turnout_publications"
    )
    version = models.PositiveIntegerField()
    slot = models.CharField(max_length=8)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField()

    class Meta:
        verbose_name = _("published turnout")
        verbose_name_plural = _("published turnout")
        ordering = ["election_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["election", "version"], name="turnout_pub_version"),
            models.UniqueConstraint(fields=["election", "slot"], name="turnout_pub_once_per_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.election_id} v{self.version} {self.slot}"

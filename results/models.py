"""Count minutes (one per polling area × contest × round), their two entries, and what the
committees decide and publish. Thin: the law is in results/rules.py, writes in services/."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Round(models.TextChoices):
    """Which vote a minute belongs to (domain.md §6.5–6.6)."""

    MAIN = "main", _("First election")
    REVOTE = "revote", _("Re-vote")
    ADDITIONAL = "additional", _("Additional election")


class ResultsSettings(models.Model):
    """Per-election thresholds of the warnings (all configurable by the committee)."""

    election = models.OneToOneField(
        "election.Election", on_delete=models.CASCADE, related_name="results_settings"
    )
    invalid_warning_pct = models.DecimalField(
        _("invalid-ballot warning (% of ballots received)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("W.201 warns when invalid ballots are above this share"),
    )
    turnout_tolerance = models.PositiveIntegerField(
        _("turnout tolerance (voters)"),
        default=0,
        help_text=_("voters the minutes may differ from the last turnout report"),
    )

    class Meta:
        verbose_name = _("results settings")
        verbose_name_plural = _("results settings")

    def __str__(self) -> str:
        return f"{self.election_id}"


class VoteRound(models.Model):
    """A re-vote or additional election decided for one constituency (Art 79, 80)."""

    constituency = models.ForeignKey(
        "election.Constituency", on_delete=models.CASCADE, related_name="vote_rounds"
    )
    kind = models.CharField(max_length=16, choices=Round.choices)
    date = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vote round")
        verbose_name_plural = _("vote rounds")
        constraints = [
            models.UniqueConstraint(fields=["constituency", "kind"], name="one_round_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.constituency_id} {self.kind}"


class CountMinutes(models.Model):
    """Biên bản kết quả kiểm phiếu of one Election Team for one contest (domain.md §5.5).

    The figure columns hold the definitive values only (filled when status is DEFINITIVE);
    what each person typed is kept in MinutesEntry.
    """

    class Status(models.TextChoices):
        EMPTY = "empty", _("Not entered")
        FIRST_ENTRY = "first_entry", _("First entry done")
        DIFFERENT = "different", _("Entries differ")
        DEFINITIVE = "definitive", _("Definitive")

    polling_area = models.ForeignKey(
        "election.PollingArea", on_delete=models.CASCADE, related_name="count_minutes"
    )
    contest = models.ForeignKey("election.Contest", on_delete=models.CASCADE, related_name="+")
    constituency = models.ForeignKey(
        "election.Constituency", on_delete=models.CASCADE, related_name="count_minutes"
    )
    round = models.CharField(max_length=16, choices=Round.choices, default=Round.MAIN)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.EMPTY)
    version = models.PositiveIntegerField(default=0)

    voters_listed = models.PositiveIntegerField(null=True, blank=True)
    voters_listed_reason = models.CharField(max_length=500, blank=True)
    voters_voted = models.PositiveIntegerField(null=True, blank=True)
    ballots_issued = models.PositiveIntegerField(null=True, blank=True)
    ballots_received = models.PositiveIntegerField(null=True, blank=True)
    ballots_valid = models.PositiveIntegerField(null=True, blank=True)
    ballots_invalid = models.PositiveIntegerField(null=True, blank=True)
    valid_by_names_kept = models.JSONField(null=True, blank=True)
    acknowledged = models.JSONField(default=list, blank=True)

    updated_at = models.DateTimeField(auto_now=True)
    definitive_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("count minutes")
        verbose_name_plural = _("count minutes")
        constraints = [
            models.UniqueConstraint(
                fields=["polling_area", "contest", "round"], name="one_minutes_per_area_contest"
            )
        ]
        indexes = [
            models.Index(fields=["constituency", "round", "status"]),
            models.Index(fields=["contest", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.polling_area_id}/{self.contest_id}/{self.round}"


class CandidateVotes(models.Model):
    """Definitive votes of one candidate in one count minute (for set-based roll-ups)."""

    minutes = models.ForeignKey(CountMinutes, on_delete=models.CASCADE, related_name="votes")
    candidate = models.ForeignKey(
        "election.Candidate", on_delete=models.CASCADE, related_name="count_votes"
    )
    votes = models.PositiveIntegerField()
    # copied from the minutes: rows exist only while the minutes are definitive, so the
    # roll-up sums them per candidate and round without joining the minutes
    round = models.CharField(max_length=16, choices=Round.choices, default=Round.MAIN)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["minutes", "candidate"], name="one_vote_row")
        ]
        indexes = [models.Index(fields=["candidate", "minutes"])]

    def __str__(self) -> str:
        return f"{self.minutes_id}:{self.candidate_id}={self.votes}"


class MinutesEntry(models.Model):
    """What one person keyed in (first or second entry); never edited, superseded on reopen."""

    minutes = models.ForeignKey(CountMinutes, on_delete=models.CASCADE, related_name="entries")
    number = models.PositiveSmallIntegerField()  # 1 or 2
    data = models.JSONField()
    acknowledged = models.JSONField(default=list, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=16, default="web")
    entered_at = models.DateTimeField(auto_now_add=True)
    current = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("minutes entry")
        verbose_name_plural = _("minutes entries")
        ordering = ["minutes_id", "-current", "number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["minutes", "number"],
                condition=models.Q(current=True),
                name="one_current_entry_per_number",
            )
        ]

    def __str__(self) -> str:
        return f"{self.minutes_id} #{self.number}"


class ContestPublication(models.Model):
    """The committee declared the contest's results official (public page shows them)."""

    contest = models.OneToOneField(
        "election.Contest", on_delete=models.CASCADE, related_name="publication"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)
    snapshot = models.JSONField(default=dict)
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")

    def __str__(self) -> str:
        return f"{self.contest_id} @ {self.published_at:%Y-%m-%d %H:%M}"


class TieDecision(models.Model):
    """The Election Committee's decision on a tie at the last seat that the birth dates cannot
    settle: Art 78(4) gives the seat to the older candidate and says nothing of equal birth
    dates (domain.md §6.4: not regulated, flagged for a manual decision). One per
    constituency and round; the chosen candidates are among those tied."""

    constituency = models.ForeignKey(
        "election.Constituency", on_delete=models.CASCADE, related_name="tie_decisions"
    )
    round = models.CharField(max_length=16, choices=Round.choices, default=Round.MAIN)
    candidates = models.ManyToManyField("election.Candidate", related_name="+")
    reason = models.CharField(max_length=500)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tie decision")
        verbose_name_plural = _("tie decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["constituency", "round"], name="one_tie_decision_per_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.constituency_id} {self.round}"


class NoAdditionalElection(models.Model):
    """The decision that a National Assembly constituency left short of deputies holds no
    additional election (Art 79: the Board reports the shortfall, the provincial Election
    Committee asks, the National Election Council decides; 2021 ended with 499 of 500 seats,
    none held — domain.md §6.5, §6.8). One per constituency; it applies to the shortfall it
    was recorded for (round and unfilled seats) and lets the contest be published."""

    constituency = models.OneToOneField(
        "election.Constituency", on_delete=models.CASCADE, related_name="no_additional_election"
    )
    round = models.CharField(max_length=16, choices=Round.choices, default=Round.MAIN)
    seats_unfilled = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=500)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision of no additional election")
        verbose_name_plural = _("decisions of no additional election")

    def __str__(self) -> str:
        return f"{self.constituency_id} {self.round} -{self.seats_unfilled}"

"""Voter lists: one entry per voter per polling area of an election, and the change ledger.

Thin models: the law (age, contests by residence, cut-off) is in voters/rules.py, writes are in
voters/services/. An entry is never deleted and its STT never changes; a removal or a move
keeps the old entry (status `removed`, with the reason) and, for a move, adds a new entry at
the new place. A person is *listed* (eligible) in at most one list of an election at a time:
the partial unique constraint `voter_listed_once` enforces it in the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Voter(models.Model):
    """An entry of a polling area's voter list (danh sách cử tri), Mẫu 33/31 columns."""

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Residence(models.TextChoices):
        PERMANENT = "permanent", _("Permanent residence")
        TEMPORARY = "temporary", _("Temporary residence")
        SOLDIER = "soldier", _("Soldier at the unit's station")
        DETAINED = "detained", _("In custody or detention")
        ELSEWHERE = "elsewhere", _("Certificate to vote elsewhere")

    class Scope(models.TextChoices):
        """Which contests of the polling area the voter takes part in (domain.md §2.2)."""

        ALL = "all", _("All contests")
        NO_COMMUNE = "no_commune", _("All but the commune council")
        NA_PROVINCE = "na_province", _("National Assembly and provincial council")

    class Status(models.TextChoices):
        LISTED = "listed", _("On the list")
        ELSEWHERE = "elsewhere", _("Votes elsewhere")
        REMOVED = "removed", _("Removed")

    # FK indexes are left out: (election, …) and (polling_area, stt) indexes cover them, and
    # every index slows the bulk import. No FK of the voter tables is checked by the database:
    # PostgreSQL checks a (deferred) FK with one query per inserted row at commit, which cost
    # more than the whole insert at city scale (bench/README.md). The services guarantee them
    # instead: the election is the polling area's, the area comes from the election's areas
    # read in the import's transaction, ledger rows point at entries the same statement or
    # transaction wrote; entries and areas are never deleted (PROTECT, checked by Django).
    election = models.ForeignKey(
        "election.Election",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    polling_area = models.ForeignKey(
        "election.PollingArea",
        on_delete=models.PROTECT,
        related_name="voters",
        db_index=False,
        db_constraint=False,
    )
    stt = models.PositiveIntegerField(help_text=_("number in the list = voter card number"))
    national_id = models.CharField(max_length=12)
    full_name = models.CharField(max_length=200)
    search_key = models.CharField(max_length=200, help_text=_("folded name: no accents, đ → d"))
    birth_date = models.DateField(null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(max_length=64, blank=True)
    occupation = models.CharField(max_length=200, blank=True)
    permanent_address = models.CharField(max_length=300, blank=True)
    temporary_address = models.CharField(max_length=300, blank=True)
    temporary_since = models.DateField(null=True, blank=True)
    residence = models.CharField(max_length=16, choices=Residence.choices)
    contest_scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.ALL)
    household_code = models.CharField(max_length=32, blank=True)
    is_head = models.BooleanField(default=False)
    relation = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.LISTED)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        ordering = ["polling_area_id", "stt"]
        constraints = [
            models.UniqueConstraint(fields=["polling_area", "stt"], name="voter_stt_unique"),
            models.UniqueConstraint(
                fields=["election", "national_id"],
                condition=models.Q(status="listed"),
                name="voter_listed_once",
            ),
        ]
        # Few indexes, each for a query that needs it (every index slows the bulk import):
        # (polling_area, stt) serves the list pages and numbering, voter_listed_once the ID
        # checks, (election, search_key, birth_date) name search and likely duplicates (the
        # print pre-flight looks up namesakes by name and birth date: a common name alone has
        # tens of thousands of bearers in a city).
        indexes = [
            models.Index(
                fields=["election", "search_key", "birth_date"], name="voter_election_key_born"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.polling_area_id}#{self.stt}"  # no personal data in logs or audit repr

    @property
    def year_only(self) -> bool:
        return self.birth_date is None


class VoterEvent(models.Model):
    """The change ledger (biến động cử tri): one typed event per change to one entry.

    `delta` is +1 when the event puts the entry on its list, −1 when it takes it off, 0 for a
    correction, so that list size at any time = sum(delta) of the events up to then.
    """

    class Kind(models.TextChoices):
        ADDED = "added", _("Added")
        UPDATED = "updated", _("Details corrected")
        REMOVED = "removed", _("Removed")
        MOVED_OUT = "moved_out", _("Moved out")
        MOVED_IN = "moved_in", _("Moved in")
        ELSEWHERE_ISSUED = "elsewhere_issued", _("Certificate to vote elsewhere issued")
        ELSEWHERE_RECEIVED = "elsewhere_received", _("Added with a certificate to vote here")
        INELIGIBLE = "ineligible", _("Became ineligible")
        DIED = "died", _("Died")
        UNREACHABLE = "unreachable", _("Could not be reached")
        DUPLICATE = "duplicate", _("Duplicate merged")
        RESTORED = "restored", _("Rights restored, re-added")

    class Reason(models.TextChoices):
        NONE = "", _("—")
        PERMANENT_MOVE = "permanent_move", _("Moved permanent residence")
        TEMPORARY_MOVE = "temporary_move", _("Moved to temporary residence, votes there")
        DETENTION = "detention", _("Taken into custody or detention")
        RELEASE = "release", _("Released from custody or detention")
        SOURCE = "source", _("No longer in the source extract")
        IMPORT = "import", _("Imported")
        REGISTERED = "registered", _("Registered by staff")
        CORRECTION = "correction", _("Correction")
        # Art 30(1) grounds of "became ineligible" (keys of voters.rules.ART30_STATUSES)
        DEPRIVED = "deprived", _("Deprived of voting rights by an effective court judgment")
        DEATH_SENTENCE = "death_sentence", _("Sentenced to death, awaiting execution")
        PRISON = "prison", _("Serving a prison sentence without suspension")
        INCAPACITY = "incapacity", _("Lost civil-act capacity")
        OTHER = "other", _("Other")

    # No FK is checked by the database (see Voter.election): the voter is the entry the
    # service just wrote or changed, the others are copies of the voter's, or the actor.
    election = models.ForeignKey(
        "election.Election",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    polling_area = models.ForeignKey(
        "election.PollingArea",
        on_delete=models.DO_NOTHING,
        related_name="voter_events",
        db_index=False,
        db_constraint=False,
    )
    voter = models.ForeignKey(
        Voter, on_delete=models.PROTECT, related_name="events", db_constraint=False
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    reason = models.CharField(max_length=24, choices=Reason.choices, blank=True, default="")
    delta = models.SmallIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=16, default="web")
    batch = models.CharField(max_length=40, blank=True, help_text=_("import that made the change"))
    related = models.ForeignKey(
        Voter,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    changes = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("voter list change")
        verbose_name_plural = _("voter list changes")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["polling_area", "at"], name="voterevent_area_at"),
            models.Index(fields=["election", "at"], name="voterevent_election_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.polling_area_id}#{self.voter_id}"


class VoterImport(models.Model):
    """An uploaded voter file between preview and confirmation (the file is deleted after)."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Being checked")
        READY = "ready", _("Ready to confirm")
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    election = models.ForeignKey("election.Election", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("election.AdminUnit", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255)
    path = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64)
    mode = models.CharField(max_length=8, default="all")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEW)
    preview = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    preview_job = models.ForeignKey(
        "common.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    apply_job = models.ForeignKey(
        "common.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("voter list import")
        verbose_name_plural = _("voter list imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import #{self.pk} ({self.status})"


class VoterAreaCount(models.Model):
    """Voters on the list now per polling area, sex and contest scope: a summary kept by the
    services in the same transaction as every write (voters/services/counts.py), so that the
    roll-up of a city of millions reads thousands of rows, not millions."""

    election = models.ForeignKey(
        "election.Election",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    polling_area = models.ForeignKey(
        "election.PollingArea",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    sex = models.CharField(max_length=1)
    contest_scope = models.CharField(max_length=16)
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["polling_area", "sex", "contest_scope"], name="voter_count_unique"
            )
        ]
        indexes = [models.Index(fields=["election", "polling_area"], name="voter_count_election")]

    def __str__(self) -> str:
        return f"{self.polling_area_id} {self.sex} {self.contest_scope}: {self.n}"


class DistinctPersons(models.Model):
    """A person's decision that a group of likely duplicates (same folded name and birth,
    different IDs) are different people, with the reason (the *Nghi trùng* page).

    Keyed by the entries it names (DistinctPersonsMember): a group counts as decided while
    every two of its current members were named together in one decision. A member that
    leaves the list leaves the others decided; an entry that joins the group later (a new
    registration, an import, a move, which makes a new entry) makes the group undecided
    again, until a person decides once more. Entries are never deleted, so a decision never
    points at nothing."""

    election = models.ForeignKey("election.Election", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        "election.AdminUnit",
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("the unit whose page the decision was made on"),
    )
    reason = models.CharField(max_length=300)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision: different people")
        verbose_name_plural = _("decisions: different people")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"distinct #{self.pk}"  # no personal data in logs or audit repr


class DistinctPersonsMember(models.Model):
    """One entry named by a DistinctPersons decision."""

    decision = models.ForeignKey(DistinctPersons, on_delete=models.CASCADE, related_name="members")
    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["decision", "voter"], name="distinct_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.decision_id}: {self.voter_id}"

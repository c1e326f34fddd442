"""The structure every other part hangs on: units, elections, contests, areas, bodies, roles."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitTree(models.Model):
    """A generation of the administrative tree (2021: three tiers; 2026: two tiers)."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("administrative tree")
        verbose_name_plural = _("administrative trees")

    def __str__(self) -> str:
        return self.name or self.slug


class AdminUnit(models.Model):
    """An administrative unit of any level; kinds are data, depth is free."""

    tree = models.ForeignKey(UnitTree, on_delete=models.CASCADE, related_name="units")
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["tree_id", "level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["tree", "code"], name="unit_code_unique_in_tree")
        ]

    def __str__(self) -> str:
        return self.name


class UnitAncestry(models.Model):
    """Closure table: one row per (ancestor, descendant) pair, itself included at depth 0."""

    ancestor = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+")
    descendant = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+")
    depth = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ancestor", "descendant"], name="ancestry_unique")
        ]
        indexes = [models.Index(fields=["descendant", "ancestor"])]

    def __str__(self) -> str:
        return f"{self.ancestor_id} > {self.descendant_id} ({self.depth})"


class Election(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=300)
    date = models.DateField()
    tree = models.ForeignKey(UnitTree, on_delete=models.PROTECT, related_name="elections")
    root = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    turnout_slots = models.JSONField(default=list)
    is_rehearsal = models.BooleanField(default=False)  # docs/rehearsal.md
    # Raised by every wipe of the election's turnout (realtime/live.py): live snapshots carry it
    # so that dashboards accept the lower versions that follow a wipe. Only ever increases.
    turnout_epoch = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("election")
        verbose_name_plural = _("elections")
        ordering = ["-date", "slug"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """An existing election is saved without its turnout epoch (only
        realtime.services.turnout.turnout_epoch_advance raises it, by an UPDATE): a stale
        object saved for another reason must not lower it."""
        if not self._state.adding and kwargs.get("update_fields") is None and not args:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "turnout_epoch"
            ]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """Switching between real and rehearsal follows election.rules (see docs/rehearsal.md)."""
        super().clean()
        if self.pk is None:
            return
        before = Election.objects.filter(pk=self.pk).values_list("is_rehearsal", flat=True).first()
        if before is None or before == self.is_rehearsal:
            return
        from django.core.exceptions import ValidationError

        from election.services.rehearsal import switch_refusal

        problem = switch_refusal(self, to_rehearsal=self.is_rehearsal)
        if problem:
            raise ValidationError({"is_rehearsal": problem})


class Contest(models.Model):
    class Kind(models.TextChoices):
        NATIONAL_ASSEMBLY = "national_assembly", _("National Assembly")
        PEOPLE_COUNCIL = "people_council", _("People's Council")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="contests")
    code = models.CharField(max_length=32)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=300)

    class Meta:
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        ordering = ["election_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "code"], name="contest_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Constituency(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="constituencies")
    number = models.PositiveIntegerField()
    seats = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=300, blank=True)
    units = models.ManyToManyField(AdminUnit, related_name="+", blank=True)

    class Meta:
        verbose_name = _("constituency")
        verbose_name_plural = _("constituencies")
        ordering = ["contest_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "number"], name="constituency_unique"),
            models.CheckConstraint(condition=models.Q(seats__gte=1), name="seats_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.contest.code} · {self.name or self.number}"


class PollingArea(models.Model):
    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential")
        HOSPITAL = "hospital", _("Hospital")
        CARE_HOME = "care_home", _("Care home")
        ARMED_UNIT = "armed_unit", _("Armed unit")
        DETENTION = "detention", _("Detention facility")
        OTHER = "other", _("Other")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="polling_areas")
    code = models.CharField(max_length=32)
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="polling_areas")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=32, default=Kind.RESIDENTIAL)
    polling_day = models.DateField(null=True, blank=True)
    voters_estimate = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("polling area")
        verbose_name_plural = _("polling areas")
        ordering = ["election_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["election", "code"], name="polling_area_code_unique")
        ]
        indexes = [models.Index(fields=["election", "unit"])]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def effective_polling_day(self):  # noqa: ANN201
        return self.polling_day or self.election.date


class PollingAreaConstituency(models.Model):
    """A polling area maps to exactly one constituency per contest it takes part in."""

    polling_area = models.ForeignKey(
        PollingArea, on_delete=models.CASCADE, related_name="assignments"
    )
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="+")
    constituency = models.ForeignKey(
        Constituency, on_delete=models.CASCADE, related_name="assignments"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["polling_area", "contest"], name="one_constituency_per_contest"
            )
        ]

    def __str__(self) -> str:
        return f"{self.polling_area_id}: {self.contest_id} → {self.constituency_id}"


class Candidate(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    constituency = models.ForeignKey(
        Constituency, on_delete=models.CASCADE, related_name="candidates"
    )
    ref = models.CharField(max_length=200, help_text=_("id from the definition, or full name"))
    full_name = models.CharField(max_length=200)
    family_name = models.CharField(max_length=64, blank=True)
    middle_name = models.CharField(max_length=128, blank=True)
    given_name = models.CharField(max_length=64, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices)
    birth_date = models.DateField(null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    ballot_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["constituency_id", "ballot_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["constituency", "ref"], name="candidate_ref_unique")
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def title(self) -> str:
        return "Ông" if self.sex == self.Sex.MALE else "Bà"


class ElectionBody(models.Model):
    """Election Committee (per level), Election Board (per constituency), Team (per area)."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Election Committee")
        BOARD = "board", _("Election Board")
        TEAM = "team", _("Election Team")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="bodies")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=300)
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    constituency = models.OneToOneField(
        Constituency, null=True, blank=True, on_delete=models.CASCADE, related_name="board"
    )
    polling_area = models.OneToOneField(
        PollingArea, null=True, blank=True, on_delete=models.CASCADE, related_name="team"
    )
    contact = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("election body")
        verbose_name_plural = _("election bodies")
        ordering = ["election_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "unit"],
                condition=models.Q(kind="committee"),
                name="one_committee_per_unit",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """What a user may do, and where: bound to a unit and, where it applies, to a body."""

    class Kind(models.TextChoices):
        ADMIN = "admin", _("System administrator")
        COMMITTEE_MEMBER = "committee_member", _("Election committee member")
        WARD_STAFF = "ward_staff", _("Ward staff")
        TEAM_SECRETARY = "team_secretary", _("Election team secretary")
        OBSERVER = "observer", _("Observer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="baucu_roles"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="roles")
    body = models.ForeignKey(
        ElectionBody, null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "unit", "body"], name="role_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.unit}"

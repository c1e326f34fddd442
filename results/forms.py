"""The count-minutes form, laid out like the paper (domain.md §5.5). Built per minutes: one
field per candidate on the ballot, one per possible number of names kept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.text import nfc
from election.models import Candidate
from results import rules


class MinutesForm(forms.Form):
    voters_listed = forms.IntegerField(label=_("Voters on the list"), min_value=0, required=False)
    voters_listed_reason = forms.CharField(
        label=_("Reason, if different from the voter list"), required=False, max_length=500
    )
    voters_voted = forms.IntegerField(label=_("Voters who voted"), min_value=0, required=False)
    ballots_issued = forms.IntegerField(label=_("Ballots issued"), min_value=0, required=False)
    ballots_received = forms.IntegerField(label=_("Ballots received"), min_value=0, required=False)
    ballots_valid = forms.IntegerField(label=_("Valid ballots"), min_value=0, required=False)
    ballots_invalid = forms.IntegerField(label=_("Invalid ballots"), min_value=0, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        candidates: list[Candidate],
        seats: int,
        warnings: list[rules.Finding] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        self.seats = seats
        for k in range(1, seats + 1):
            self.fields[f"kept_{k}"] = forms.IntegerField(min_value=0, required=False)
        for c in candidates:
            self.fields[f"vote_{c.id}"] = forms.IntegerField(min_value=0, required=False)
        self.warnings = list(warnings)
        for w in self.warnings:
            self.fields[f"ack_{w.code}"] = forms.BooleanField(required=False, label=w.message)
        for field in self.fields.values():
            if isinstance(field, forms.IntegerField):
                field.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
                field.widget.attrs.setdefault("class", "num")

    def clean_voters_listed_reason(self) -> str:
        return nfc(self.cleaned_data.get("voters_listed_reason") or "")

    def figures(self) -> rules.Figures:
        d = self.cleaned_data
        kept = {k: d.get(f"kept_{k}") for k in range(1, self.seats + 1)}
        kept_given = {k: v for k, v in kept.items() if v is not None}
        return rules.Figures(
            **{f: d.get(f) for f in rules.FIELDS},
            votes={c.id: d.get(f"vote_{c.id}") for c in self.candidates},
            valid_by_names_kept={k: kept_given.get(k, 0) for k in kept} if kept_given else None,
            voters_listed_reason=d.get("voters_listed_reason") or "",
        )

    def acknowledged(self) -> list[str]:
        return [w.code for w in self.warnings if self.cleaned_data.get(f"ack_{w.code}")]

    def kept_rows(self) -> list[tuple[int, Any]]:
        return [(k, self[f"kept_{k}"]) for k in range(1, self.seats + 1)]

    def vote_rows(self) -> list[tuple[Candidate, Any]]:
        return [(c, self[f"vote_{c.id}"]) for c in self.candidates]

    def ack_rows(self) -> list[Any]:
        return [self[f"ack_{w.code}"] for w in self.warnings]

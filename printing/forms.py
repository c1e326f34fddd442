"""Forms of the printing pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from printing.services.documents import CARDS, LISTS

AREA_PREFIX = "pa:"


class PrintForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"))
    kind = forms.ChoiceField(
        label=_("What to print"),
        choices=[(CARDS, _("Voter cards")), (LISTS, _("Posted voter lists"))],
        widget=forms.RadioSelect,
        initial=CARDS,
    )
    per_sheet = forms.TypedChoiceField(
        label=_("Card layout"),
        choices=[(1, _("One A6 card per page")), (4, _("4 cards per A4 sheet, with cut marks"))],
        coerce=int,
        initial=1,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: object, units: list, areas: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choices: list = [(u.code, f"{'— ' * u.level}{u.name} ({u.code})") for u in units]
        if areas:
            choices.append(
                (
                    _("Single polling area"),
                    [
                        (f"{AREA_PREFIX}{a.code}", f"{a.code} · {a.name} · {a.unit.name}")
                        for a in areas
                    ],
                )
            )
        self.fields["unit"].choices = choices


class ReprintForm(forms.Form):
    area = forms.CharField(label=_("Polling area code"), max_length=32)
    stt = forms.IntegerField(label=_("Card number (STT)"), min_value=1)
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("lost", _("Lost")), ("torn", _("Torn or damaged")), ("other", _("Other"))],
    )

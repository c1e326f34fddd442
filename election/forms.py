"""Forms of the staff pages (validation messages come in Vietnamese through Django i18n)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from common.text import nfc
from election.access import Cap, can
from election.models import AdminUnit, Election, ElectionBody, Role


class AccountForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[a-z0-9._-]+$",
        error_messages={"invalid": _("Use lower-case letters without accents, digits, . _ -")},
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    kind = forms.ChoiceField(label=_("Role"), choices=Role.Kind.choices)
    unit = forms.CharField(label=_("Unit code"), max_length=32)
    polling_area = forms.CharField(
        label=_("Polling area code (team secretary only)"), max_length=32, required=False
    )

    def __init__(self, *args: Any, actor: Any, election: Election, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.election = election

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username

    def clean_full_name(self) -> str:
        return nfc(self.cleaned_data["full_name"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        code = data.get("unit")
        unit = AdminUnit.objects.filter(tree_id=self.election.tree_id, code=code).first()
        if code and unit is None:
            self.add_error("unit", _("No unit with this code in this election."))
        elif unit is not None and not can(self.actor, Cap.MANAGE_STRUCTURE, unit):
            self.add_error("unit", _("You may not give roles in this unit."))
        body = None
        if data.get("kind") == Role.Kind.TEAM_SECRETARY:
            area_code = data.get("polling_area")
            body = (
                ElectionBody.objects.filter(election=self.election, polling_area__code=area_code)
                .select_related("polling_area")
                .first()
            )
            if body is None:
                self.add_error("polling_area", _("Give the code of the team's polling area."))
            elif unit is not None and body.polling_area.unit_id != unit.id:
                self.add_error("polling_area", _("This polling area is not in that unit."))
        if data.get("kind") == Role.Kind.ADMIN and not getattr(self.actor, "is_superuser", False):
            self.add_error("kind", _("Only a system administrator may create administrators."))
        password = data.get("password")
        if password:
            try:
                password_validation.validate_password(
                    password, get_user_model()(username=data.get("username", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        data["unit_obj"] = unit
        data["body_obj"] = body
        return data


class WipeRehearsalForm(forms.Form):
    """Wiping a rehearsal asks the user to type the election's slug."""

    confirm = forms.CharField(
        label=_("Type the election's code to confirm"), max_length=64, strip=True
    )
    including_structure = forms.BooleanField(
        label=_(
            "Also delete the structure (contests, polling areas, candidates, bodies) and the "
            "election itself"
        ),
        required=False,
    )

    def __init__(self, *args: Any, slug: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slug = slug

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"]
        if value != self.slug:
            raise forms.ValidationError(
                _("Type exactly %(slug)s to confirm.") % {"slug": self.slug}
            )
        return value

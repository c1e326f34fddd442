"""Forms of the common pages: the audit trail's filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]


class AuditFilterForm(forms.Form):
    """Filters of the audit trail (all optional; GET parameters, so a filtered view has a link)."""

    since = forms.DateTimeField(
        label=_("Since"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    until = forms.DateTimeField(
        label=_("Until"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    actor = forms.CharField(label=_("User"), required=False, max_length=150)
    action = forms.CharField(label=_("Action starts with"), required=False, max_length=64)
    unit = forms.CharField(label=_("Unit code (and everything under it)"), required=False,
                           max_length=32)  # fmt: skip
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start of the period is after its end."))
        return data

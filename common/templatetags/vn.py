"""Template filters for Vietnamese number, percent and date formats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils.translation import gettext_lazy as _

from common import vn

UNIT_KINDS = {
    "country": _("country"),
    "province": _("province"),
    "city": _("centrally-run city"),
    "municipal_city": _("city under a city"),
    "district": _("district"),
    "urban_district": _("urban district"),
    "rural_district": _("rural district"),
    "town": _("town"),
    "ward": _("ward"),
    "commune": _("commune"),
    "township": _("township"),
    "special_zone": _("special zone"),
    "hamlet": _("hamlet"),
    "residential_group": _("residential group"),
}

register = template.Library()


@register.filter
def vn_int(value: int | None) -> str:
    return vn.format_int(value)


@register.filter
def vn_pct(value: Decimal | None) -> str:
    return vn.format_percent(value)


@register.filter
def vn_date(value: dt.date | None) -> str:
    return vn.format_date(value)


@register.simple_tag
def vn_share(part: int, whole: int) -> str:
    return vn.format_percent(vn.percent(part, whole))


@register.filter
def unit_kind(kind: str) -> str:
    """Administrative kind as words ("ward" → "phường")."""
    return str(UNIT_KINDS.get(kind, kind))

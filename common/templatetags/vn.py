"""Template filters for Vietnamese number, percent and date formats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template

from common import vn

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

"""Template helpers of the results pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from common.vn import format_percent

register = template.Library()


@register.filter
def pct_str(value: str | None) -> str:
    """JSON percentage "75.63" → "75,63%"."""
    return "—" if value in (None, "") else format_percent(Decimal(value))


@register.filter
def get(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None

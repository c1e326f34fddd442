"""{% load printing_tags %}{% if user|can_print:unit %}…{% endif %}"""

from __future__ import annotations

from typing import Any

from django import template

from election.access import Cap, can

register = template.Library()


@register.filter
def can_print(user: Any, unit: Any) -> bool:
    return unit is not None and can(user, Cap.PRINT, unit)

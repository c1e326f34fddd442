"""Numbers, percentages and dates the way Vietnamese officials write them.

`5.421.028`, `99,38%`, `23/05/2021`. Percentages have two decimals, rounded half up on the
third decimal, computed with Decimal; a share that is not the whole never shows as 100.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole × 100, two decimals half up; 99.99 when it would round to 100 but part < whole.

    Returns None when whole is 0 (no base). Never uses floats.
    """
    if whole <= 0:
        return None
    value = (Decimal(part) * _HUNDRED / Decimal(whole)).quantize(_CENT, rounding=ROUND_HALF_UP)
    if value >= _HUNDRED and part < whole:
        # Rounding up to 100 would claim everyone; truncate instead (99.995.. → 99.99).
        value = (Decimal(part) * _HUNDRED / Decimal(whole)).quantize(_CENT, rounding=ROUND_DOWN)
    return value


def percent_str(part: int, whole: int) -> str | None:
    """JSON form: "75.63"."""
    value = percent(part, whole)
    return None if value is None else f"{value:.2f}"


def format_int(value: int | None) -> str:
    """5421028 → "5.421.028"."""
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    return sign + f"{abs(int(value)):,}".replace(",", ".")


def format_decimal(value: Decimal | None, places: int = 2) -> str:
    """Decimal("99.38") → "99,38" (thousands with dots)."""
    if value is None:
        return ""
    q = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{abs(q):.{places}f}".partition(".")
    sign = "-" if q < 0 else ""
    text = sign + format_int(int(whole))
    return f"{text},{frac}" if places else text


def format_percent(value: Decimal | None) -> str:
    """Decimal("99.38") → "99,38%"; None → "—"."""
    if value is None:
        return "—"
    return format_decimal(value) + "%"


def format_date(value: dt.date | None) -> str:
    """date(2021, 5, 23) → "23/05/2021"."""
    return "" if value is None else value.strftime("%d/%m/%Y")

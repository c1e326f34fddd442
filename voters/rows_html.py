"""The rows of the voter tables as HTML, built in Python.

The list of a polling area (100 rows a page) and a search (up to 200 results) are the pages ward
staff open most on election day; through the template engine their rows were half of each
page's time (a dozen variable lookups and conditions per row). Here each row is one f-string and
every value is escaped; the templates keep the table's head and everything around it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from common.vn import format_date


def _e(value: object) -> str:
    return "" if value is None else escape(str(value), quote=True)


def _birth(birth_date: Any, birth_year: int | None, flag_year: int | None) -> str:
    """A full date as dd/mm/yyyy; a year alone with a mark (a warning when it is the year that
    turns 18 on election day, rules.age_boundary_flag)."""
    if birth_date:
        return _e(format_date(birth_date))
    year = _e(birth_year)
    if flag_year is not None and birth_year == flag_year:
        title = _e(gettext("Year of birth only, in the year that turns 18: check the birth date"))
        label = _e(gettext("check age"))
        return f'{year} <span class="tag warn age-flag" title="{title}">{label}</span>'
    title = _e(gettext("year of birth only"))
    return f'{year} <span class="tag" title="{title}">?</span>'


def area_list_rows(
    rows: Iterable[tuple[Any, Sequence[bool]]], *, voter_base: str, boundary_year: int
) -> SafeString:
    """The <tr>s of a polling area's list: (voter, takes part in each contest) per row."""
    temp = _e(gettext("Temp."))
    since = _e(gettext("since"))
    out: list[str] = []
    for v, marks in rows:
        css = {"removed": "struck", "elsewhere": "elsewhere"}.get(v.status, "")
        if v.is_head:
            css += " head"
        if v.temporary_address:
            residence = f"{temp}: {_e(v.temporary_address)}"
            if v.temporary_since:
                residence += f" ({since} {_e(format_date(v.temporary_since))})"
        else:
            residence = _e(v.permanent_address)
        listed = v.status == "listed"
        cells = "".join("<td>x</td>" if m and listed else "<td></td>" for m in marks)
        out.append(
            f'<tr class="{css}">'
            f'<td class="num">{_e(v.stt)}</td>'
            f'<td><a href="{_e(voter_base)}{v.pk}/">{_e(v.full_name)}</a></td>'
            f"<td>{_birth(v.birth_date, v.birth_year, boundary_year)}</td>"
            f"<td>{'x' if v.sex == 'M' else ''}</td><td>{'x' if v.sex == 'F' else ''}</td>"
            f"<td>{_e(v.ethnicity)}</td><td>{_e(v.occupation)}</td>"
            f'<td class="small">{residence}</td>{cells}'
            f'<td class="small">{_e(v.note)}</td></tr>'
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped


def search_rows(results: Iterable[dict[str, Any]], *, voter_base: str) -> SafeString:
    """The <tr>s of a voter search: dicts with pk, area, stt, full_name, birth_date,
    birth_year, status (its label), note."""
    out: list[str] = []
    for v in results:
        birth = format_date(v["birth_date"]) if v["birth_date"] else v["birth_year"]
        status = _e(v["status"]) + (f" · {_e(v['note'])}" if v["note"] else "")
        out.append(
            f'<tr><td>{_e(v["area"])}</td><td class="num">{_e(v["stt"])}</td>'
            f'<td><a href="{_e(voter_base)}{v["pk"]}/">{_e(v["full_name"])}</a></td>'
            f"<td>{_e(birth)}</td><td>{status}</td></tr>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped

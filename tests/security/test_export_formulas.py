"""Every spreadsheet export escapes formula-like text: `=`, `+`, `-`, `@`, tab and CR at the
start of every text column come back from the file as text behind an apostrophe, never as a
formula.

The data goes in through the real import (the rejected rows keep what the file said), then
every text column of voters, changes, units, areas, contests, constituencies and candidates is
overwritten with formula-like values; each export is fetched from its page and read back with
openpyxl.
"""

from __future__ import annotations

import io
from itertools import cycle

import openpyxl
import pytest
from django.urls import reverse

from common.spreadsheet import FORMULA_PREFIXES
from tests.security.test_personal_data import _import_demo_list

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
# what the reader may give back for a leading CR (XML turns a bare CR into LF)
DANGEROUS_START = (*FORMULA_PREFIXES, "\n")


def _payload(prefix: str, tag: str) -> str:
    return f'{prefix}HYPERLINK("http://x","{tag}")' if prefix == "=" else f"{prefix}1+{tag}"


@pytest.fixture
def poisoned(client, db, mini_doc, make_user, tmp_path):
    from election.models import AdminUnit, Candidate, Constituency, Contest, Election, PollingArea
    from election.services.definition_import import import_definition
    from results.services.import_minutes import import_count_minutes
    from tests.results.conftest import qh_minutes
    from voters.models import Voter, VoterEvent
    from voters.services.counts import refresh_area_counts

    mini_doc["election"]["date"] = "2031-05-25"
    election = import_definition(data=mini_doc, source="test").election
    import_count_minutes(election=election, data={"format": "baucu.count/1",
                                                  "minutes": qh_minutes()})  # fmt: skip
    staff = make_user("ward_staff", "26734")
    client.force_login(staff)
    rows = _import_demo_list(client, election, tmp_path, poison=PREFIXES)
    prefixes = cycle(PREFIXES)
    text_fields = ["full_name", "ethnicity", "occupation", "permanent_address",
                   "temporary_address", "household_code", "relation", "note"]  # fmt: skip
    for i, voter in enumerate(Voter.objects.filter(election=election).order_by("id")):
        p = next(prefixes)
        for field in text_fields:
            limit = Voter._meta.get_field(field).max_length
            setattr(voter, field, _payload(p, f"{field[:3]}{i}")[:limit])
        voter.national_id = f"{p}{i:05d}"
        voter.save()
    for i, event in enumerate(VoterEvent.objects.filter(election=election)):
        event.note = _payload(PREFIXES[i % 6], f"note{i}")
        event.save(update_fields=["note"])
    refresh_area_counts(election_id=election.id)
    for model, field in [(AdminUnit, "name"), (PollingArea, "name"), (Contest, "name"),
                         (Constituency, "name"), (Candidate, "full_name")]:  # fmt: skip
        for i, obj in enumerate(model.objects.all()):
            setattr(obj, field, _payload(PREFIXES[i % 6], f"{model.__name__[:4]}{i}"))
            obj.save(update_fields=[field])
    Election.objects.filter(pk=election.pk).update(name=_payload("@", "election"))
    client.force_login(make_user(superuser=True))
    return election, rows


def _read(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))  # not read-only: data types


def _check(wb: openpyxl.Workbook, name: str) -> dict[str, int]:
    """No formula anywhere, no text starting like one; count the escaped values per prefix."""
    escaped = dict.fromkeys(PREFIXES, 0)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (name, cell.coordinate, cell.value)
                v = cell.value
                if not isinstance(v, str):
                    continue
                assert not v.startswith(DANGEROUS_START), (name, cell.coordinate, v)
                if v.startswith("'"):
                    first = v[1:2].replace("\n", "\r")
                    if first in escaped:
                        escaped[first] += 1
    return escaped


EXPORTS = {
    "voters:area": lambda e, c: reverse("voters:area", args=[e.slug, "26734-01"]) + "?format=xlsx",
    "voters:unit": lambda e, c: reverse("voters:unit", args=[e.slug, "26734"]) + "?format=xlsx",
    "voters:unit(city)": lambda e, c: reverse("voters:unit", args=[e.slug, "79"]) + "?format=xlsx",
    "voters:changes": lambda e, c: (
        reverse("voters:changes", args=[e.slug, "26734"])
        + "?format=xlsx&from=2020-01-01&to=2040-01-01"
    ),
    "voters:import-errors": lambda e, c: reverse("voters:import-errors", args=[e.slug, c]),
    "results:constituency-doc": lambda e, c: reverse(
        "results:constituency-doc", args=[e.slug, "QH", 1, "xlsx"]
    ),
    "results:contest-doc": lambda e, c: reverse("results:contest-doc", args=[e.slug, "QH", "xlsx"]),
    "reconciliation:xlsx": lambda e, c: reverse("reconciliation:xlsx", args=[e.slug, "79"]),
}
# exports whose data is only names of places and bodies: one prefix per object is enough
ALL_PREFIXES = {"voters:area", "voters:changes", "voters:import-errors"}


def test_every_export_escapes_formula_like_text(client, poisoned):
    from voters.models import VoterImport

    election, _rows = poisoned
    imp = VoterImport.objects.filter(election=election).latest("id")
    assert imp.errors, "the import kept its rejected rows"
    for name, url in EXPORTS.items():
        escaped = _check(_read(client.get(url(election, imp.pk))), name)
        assert sum(escaped.values()) > 0, (name, "nothing formula-like reached this export")
        if name in ALL_PREFIXES:
            assert all(escaped.values()), (name, escaped)


def test_the_template_has_nothing_formula_like(client, poisoned):
    election, _rows = poisoned
    wb = _read(client.get(reverse("voters:template", args=[election.slug])))
    escaped = _check(wb, "template")  # raises on a formula or a formula-like start
    # the template holds our header and example only: none of the poisoned names reach it
    assert sum(escaped.values()) == 0, escaped
    assert wb.active.max_row >= 2  # a header and an example row were read


def test_every_xlsx_export_is_in_this_test():
    """A new spreadsheet export must be added here: every view that answers XLSX is listed."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    producers = set()
    for path in [*root.glob("*/views.py"), *root.glob("*/api.py")]:
        text = path.read_text(encoding="utf-8")
        for chunk in re.split(r"\n(?=@|def |class )", text):
            m = re.match(r"def (\w+)\(\s*request", chunk)
            if m and "xlsx" in chunk:
                producers.add(f"{path.parent.name}.{m.group(1)}")
    assert producers == {
        "voters.unit_voters",
        "voters.unit_changes",
        "voters.area_list",
        "voters.import_errors",
        "voters.template_xlsx",
        "results.contest_document",
        "results.constituency_document",
        "reconciliation.unit_xlsx",
    }, producers


def test_admin_export_of_the_audit_trail_escapes_and_is_recorded(client, make_user):
    """The admin's export of the audit trail (django-import-export, which escapes formulae by
    setting) holds voters' details from the recorded changes: it is escaped and on the record."""
    from common.audit import record
    from common.models import AuditEvent

    admin = make_user(superuser=True)
    for i, p in enumerate(PREFIXES):
        record(actor=admin, action=f"{p}act{i}", object_type="voters.Voter", object_id=f"{p}{i}",
               object_repr=_payload(p, f"repr{i}"),
               before={"full_name": _payload(p, "old")},
               after={"full_name": "Lê Văn B"})  # fmt: skip
    client.force_login(admin)
    fields = ["id", "actor", "at", "action", "source", "unit", "election", "object_type",
              "object_id", "object_repr", "changes"]  # fmt: skip
    data = {"format": "1", "resource": "0", **{f"auditeventresource_{f}": "on" for f in fields}}
    response = client.post(reverse("admin:common_auditevent_export"), data)
    escaped = _check(_read(response), "admin audit export")
    assert escaped["="] and escaped["@"] and escaped["+"], escaped
    ev = AuditEvent.objects.filter(action="audit.exported").get()
    assert ev.actor == admin and ev.changes["extra"]["rows"] == len(PREFIXES)

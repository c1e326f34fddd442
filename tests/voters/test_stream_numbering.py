"""STT computed while a grouped file streams: the same numbers as the import's SQL order, the
grouping checked as it goes, and the import using them only when they hold."""

from __future__ import annotations

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.voters.conftest import row
from voters.models import Voter
from voters.services import import_list
from voters.services.import_list import import_voters
from voters.services.stream_numbering import NULL, StreamNumbering, reference_order


def _number(rows: list[tuple[int, str, str, bool]]) -> tuple[bool, dict[int, str]]:
    out: list[str] = []
    numbering = StreamNumbering(lambda line: out.append(line) or False)
    for row_no, area, household, head in rows:
        numbering.add(f"{row_no}\tstaged values\n", area, household, head)
    numbering.close()
    assert len(out) == len(rows)  # every line is sent, once, with its number in front
    got = {}
    for line in out:
        number, row_no, rest = line.split("\t")
        assert rest == "staged values\n"
        got[int(row_no)] = number
    return numbering.ok, got


# files grouped as extracts come: areas in runs, each household's rows together
grouped_areas = st.lists(
    st.lists(  # households of one area
        st.tuples(st.sampled_from(["", "H"]), st.lists(st.booleans(), min_size=1, max_size=5)),
        min_size=1,
        max_size=6,
    ),
    min_size=1,
    max_size=4,
)


def _flatten(areas) -> list[tuple[int, str, str, bool]]:
    rows, row_no = [], 1
    for a, households in enumerate(areas):
        for h, (prefix, heads) in enumerate(households):
            for head in heads:
                household = f"{prefix}{h}" if prefix else ""
                rows.append((row_no, str(100 + a), household, head))
                row_no += 1
    return rows


@settings(max_examples=300, deadline=None)
@given(grouped_areas)
def test_a_grouped_file_is_numbered_as_the_sql_orders_it(areas) -> None:
    rows = _flatten(areas)
    ok, got = _number(rows)
    assert ok
    assert got == {k: str(v) for k, v in reference_order(rows).items()}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["1", "2", "3"]), st.sampled_from(["", "A", "B", "C"]), st.booleans()
        ),  # fmt: skip
        min_size=1,
        max_size=30,
    )
)
def test_any_file_either_numbers_right_or_gives_up(raw) -> None:
    """Whatever the order of the rows: when the numbering says it held, its numbers are the
    SQL's; when it gave up, it said so."""
    rows = [(i + 1, a, h, head) for i, (a, h, head) in enumerate(raw)]
    ok, got = _number(rows)
    if ok:
        assert got == {k: str(v) for k, v in reference_order(rows).items()}
    else:
        assert NULL in got.values()


def test_a_household_or_an_area_that_comes_back_ends_the_numbering() -> None:
    ok, got = _number([(1, "1", "A", False), (2, "1", "B", True), (3, "1", "A", True)])
    assert not ok and got[3] == NULL
    ok, got = _number([(1, "1", "A", True), (2, "2", "A", True), (3, "1", "B", True)])
    assert not ok and got[3] == NULL
    ok, got = _number([(1, "1", "A", False), (2, "1", "A", True), (3, "2", "A", True)])
    assert ok and (got[1], got[2], got[3]) == ("2", "1", "1")  # head first; area 2 from 1


pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the numbers stream with the COPY into staging"
)


def _listing(election) -> list[tuple[str, int, str]]:
    return list(
        Voter.objects.filter(election=election)
        .order_by("polling_area__code", "stt")
        .values_list("polling_area__code", "stt", "national_id")
    )


def _rows(order: list[int]) -> list[dict[str, str]]:
    people = [
        row(national_id="079085000011", household_code="H1", relation="Con"),
        row(national_id="079085000012", household_code="H1", relation="Chủ hộ"),
        row(national_id="079085000013", household_code="H2", relation="Chủ hộ"),
        row(national_id="079085000014", household_code="", relation=""),
        row(national_id="079085000015", household_code="H3", relation="Vợ",
            area_code="26734-02"),
        row(national_id="079085000016", household_code="H3", relation="Chủ hộ",
            area_code="26734-02"),
        row(national_id="079085000017", household_code="H2", relation="Con"),
    ]  # fmt: skip
    return [people[i] for i in order]


@pg_only
@pytest.mark.parametrize(
    ("order", "streamed"),
    [
        ([0, 1, 2, 6, 3, 4, 5], True),  # grouped: areas in runs, households together
        ([0, 1, 2, 3, 6, 4, 5], False),  # household H2 comes back after another row
        ([0, 4, 1, 5, 2, 6, 3], False),  # the two areas interleaved
    ],
)
def test_the_import_lists_the_same_either_way(
    election, write, monkeypatch, mini_doc, order, streamed
) -> None:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        r = import_voters(election=election, path=write(_rows(order)), actor=None)
    assert r.applied and r.created == 7 and r.stt_hints is streamed
    used = any("s.stt_hint, 'listed'" in q["sql"] for q in ctx.captured_queries)
    assert used is streamed  # the streamed numbers are the ones written
    listing = _listing(election)
    # the SQL numbering on the same file, into a second election on the same units
    from election.services.definition_import import import_definition

    mini_doc["election"]["slug"] = "second-" + election.slug
    other = import_definition(data=mini_doc, source="test").election
    monkeypatch.setattr(import_list, "StreamNumbering", _GivesUp)
    again = import_voters(election=other, path=write(_rows(order)), actor=None)
    assert again.applied and again.stt_hints is False
    assert _listing(other) == listing
    # and the law's order: in area 26734-01 household H1 (head first), then H2, then the
    # voter without a household, wherever H2's second member stood in the file
    area1 = [nid for code, _stt, nid in listing if code == "26734-01"]
    assert area1[:2] == ["079085000012", "079085000011"]


@pg_only
def test_a_row_rejected_after_staging_falls_back_to_the_sql_numbers(election, write) -> None:
    rows = _rows([0, 1, 2, 6, 3, 4, 5])
    rows.insert(1, dict(rows[0]))  # the same ID twice in the file: both rows rejected
    r = import_voters(election=election, path=write(rows), actor=None, mode="valid")
    assert r.applied and r.rejected == 2 and r.stt_hints is False
    area1 = [stt for code, stt, _nid in _listing(election) if code == "26734-01"]
    assert area1 == list(range(1, len(area1) + 1))  # no gap where the rejected rows were


class _GivesUp(StreamNumbering):
    def add(self, line: str, area: str, household: str, head: bool) -> bool:
        self.ok = False
        return super().add(line, area, household, head)

"""A large import writes with the secondary indexes set aside and builds them again: the same
list, the same indexes after, nothing changed when it fails, and only when it pays."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.voters.conftest import row
from voters.models import Voter, VoterEvent
from voters.services import index_rebuild
from voters.services.import_list import import_voters

TABLES = ("voters_voter", "voters_voterevent")


@pytest.mark.parametrize(
    ("adding", "present", "threshold", "expected"),
    [
        (1_000_000, 0, 50_000, True),  # a first city load
        (1_000_000, -1, 50_000, True),  # never analysed: counts as empty
        (100_000, 100_000, 50_000, True),  # doubles the table
        (99_999, 100_000, 50_000, False),  # less than doubles: row by row is cheaper
        (20_000, 7_500_000, 50_000, False),  # a ward's import into a city's table
        (49_999, 0, 50_000, False),  # too small to be worth the lock
        (1_000_000, 0, 0, False),  # turned off
    ],
)
def test_worth_rebuilding(adding: int, present: float, threshold: int, expected: bool) -> None:
    assert index_rebuild.worth_rebuilding(adding, present, threshold) is expected


pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="index rebuild is a PostgreSQL path"
)


@pytest.fixture(autouse=True)
def exact_row_counts(monkeypatch):
    """The import decides on the planner's estimate (pg_class.reltuples), which an ANALYZE of an
    earlier test leaves behind when its rows are rolled back; here the tables are counted."""

    def count(cur, table: str) -> float:
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        return float(cur.fetchone()[0])

    monkeypatch.setattr(index_rebuild, "table_rows", count)


def _index_defs() -> dict[str, set[tuple[str, str, bool]]]:
    with connection.cursor() as cur:
        return {
            t: {
                (i.name, i.definition, i.constraint)
                for i in index_rebuild.secondary_indexes(cur, t)
            }
            for t in TABLES
        }


def _households(prefix: str, n: int) -> list[dict[str, str]]:
    """n voters in households of three, listed member-first so the head must be moved up."""
    rows = []
    for i in range(n):
        hh = f"H{i // 3}"
        head = i % 3 == 2
        rows.append(
            row(
                national_id=f"{prefix}{i:06d}",
                full_name=f"Nguyễn Văn {chr(65 + i % 26)}",
                household_code=hh,
                relation="Chủ hộ" if head else "Con",
                area_code="26734-01" if (i // 3) % 2 else "26734-02",
            )
        )
    return rows


def _listing(election) -> list[tuple[str, int, str, str]]:
    return list(
        Voter.objects.filter(election=election)
        .order_by("polling_area__code", "stt")
        .values_list("polling_area__code", "stt", "national_id", "status")
    )


@pg_only
def test_a_large_import_rebuilds_the_indexes_and_lists_the_same(
    election, write, settings, mini_doc
) -> None:
    before = _index_defs()
    assert before["voters_voter"] and before["voters_voterevent"]
    settings.BAUCU_IMPORT_REBUILD_MIN_ROWS = 0  # row by row: the reference
    rows = _households("079085", 30)
    plain = import_voters(election=election, path=write(rows), actor=None)
    assert plain.applied and plain.indexes_rebuilt == []
    reference = _listing(election)
    # the same file into a second election on the same units: it doubles both tables
    from election.services.definition_import import import_definition

    mini_doc["election"]["slug"] = "second-" + election.slug
    other = import_definition(data=mini_doc, source="test").election
    settings.BAUCU_IMPORT_REBUILD_MIN_ROWS = 1
    big = import_voters(election=other, path=write(rows), actor=None)
    assert big.applied and big.indexes_rebuilt == list(TABLES)
    assert _listing(other) == reference
    # households in order of first appearance, head first, numbered from 1 in each area
    first = [r for r in _listing(other) if r[0] == "26734-01"][:3]
    assert [r[1] for r in first] == [1, 2, 3]
    assert Voter.objects.get(election=other, national_id=first[0][2]).relation == "Chủ hộ"
    assert VoterEvent.objects.filter(election=other, kind="added", delta=1).count() == 30
    assert _index_defs() == before  # the same names, definitions and constraints
    with connection.cursor() as cur:  # and valid: the planner may use them
        cur.execute(
            "SELECT COUNT(*) FROM pg_index WHERE indrelid = ANY(%s::regclass[]) "
            "AND NOT (indisvalid AND indisready)",
            [list(TABLES)],
        )
        assert cur.fetchone()[0] == 0


@pg_only
def test_the_unique_rules_hold_when_rebuilt(election, write, settings) -> None:
    """The rebuilt voter_listed_once still refuses a second listed entry with the same ID."""
    from django.db import IntegrityError, transaction

    settings.BAUCU_IMPORT_REBUILD_MIN_ROWS = 1
    said: list[str] = []
    r = import_voters(
        election=election,
        path=write(_households("079085", 6)),
        actor=None,
        progress=lambda _n, message: said.append(message),
    )
    assert r.indexes_rebuilt == list(TABLES)
    assert said[-1].startswith("Đang hoàn tất danh sách")  # the page says what takes the time
    v = Voter.objects.filter(election=election).first()
    twin = Voter.objects.get(pk=v.pk)
    twin.pk = None
    twin.stt = 999
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    twin.national_id = "079999999999"
    twin.stt = v.stt  # same number in the same area
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


@pg_only
def test_a_failed_rebuild_leaves_the_old_indexes_and_no_voter(
    election, write, settings, monkeypatch
) -> None:
    from django.db import transaction

    before = _index_defs()
    settings.BAUCU_IMPORT_REBUILD_MIN_ROWS = 1
    created = []
    real_create = index_rebuild._create

    def failing_create(cur, index) -> None:
        if created:
            raise RuntimeError("disk full")
        created.append(index.name)
        real_create(cur, index)

    monkeypatch.setattr(index_rebuild, "_create", failing_create)
    with transaction.atomic():  # a savepoint, as the test's own transaction holds the real one
        with pytest.raises(RuntimeError, match="disk full"):
            import_voters(election=election, path=write(_households("079085", 9)), actor=None)
    assert created  # it got as far as the rebuild
    assert not Voter.objects.filter(election=election).exists()
    assert not VoterEvent.objects.filter(election=election).exists()
    assert _index_defs() == before


@pg_only
def test_a_ward_import_into_a_bigger_table_keeps_its_indexes(election, write, settings) -> None:
    settings.BAUCU_IMPORT_REBUILD_MIN_ROWS = 1
    import_voters(election=election, path=write(_households("079085", 12)), actor=None)
    with connection.cursor() as cur:  # the planner's estimate, as after autovacuum
        cur.execute("ANALYZE voters_voter")
        cur.execute("ANALYZE voters_voterevent")
    late = [row(national_id="079001000777", full_name="Phạm Văn Em", household_code="H9")]
    r = import_voters(election=election, path=write(late), actor=None)
    assert r.applied and r.created == 1 and r.indexes_rebuilt == []

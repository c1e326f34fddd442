"""The law as pure functions (no database): age on election day, contests by residence."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from voters import rules

days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))


def test_2021_boundary() -> None:
    day = dt.date(2021, 5, 23)
    assert rules.latest_birth_date(day) == dt.date(2003, 5, 23)
    assert rules.age_check(dt.date(2003, 5, 23), 2003, day).eligible
    assert not rules.age_check(dt.date(2003, 5, 24), 2003, day).eligible


@given(day=days)
def test_age_boundary_any_election_day(day: dt.date) -> None:
    limit = rules.latest_birth_date(day)
    assert rules.age_check(limit, limit.year, day).eligible
    assert not rules.age_check(limit + dt.timedelta(days=1), limit.year, day).eligible
    # exactly 18 full years: the limit is 18 years earlier, same day (or 28/02 for a 29/02)
    assert limit.year == day.year - 18
    assert (limit.month, limit.day) == (day.month, day.day) or (day.month, day.day) == (2, 29)


def test_leap_days() -> None:
    # election on 29/02/2028: born 28/02/2010 is 18; 01/03/2010 is not
    day = dt.date(2028, 2, 29)
    assert rules.latest_birth_date(day) == dt.date(2010, 2, 28)
    # born 29/02/2008, election 28/02/2026: not yet 18 (turns 18 on 01/03)
    assert not rules.age_check(dt.date(2008, 2, 29), 2008, dt.date(2026, 2, 28)).eligible
    assert rules.age_check(dt.date(2008, 2, 29), 2008, dt.date(2026, 3, 1)).eligible


@given(day=days, offset=st.integers(min_value=-5, max_value=5))
def test_year_only(day: dt.date, offset: int) -> None:
    year = rules.latest_birth_date(day).year + offset
    check = rules.age_check(None, year, day)
    if offset < 0:
        assert check.eligible and check.flag == "year_only"
    elif offset == 0:
        assert check.eligible and check.flag == "year_only_boundary"
    else:
        assert not check.eligible


@given(since=days, day=days)
def test_temporary_twelve_month_rule(since: dt.date, day: dt.date) -> None:
    scope = rules.contest_scope(rules.TEMPORARY, since, day)
    twelve = rules.add_months(since, 12) <= day
    assert scope == (rules.SCOPE_ALL if twelve else rules.SCOPE_NO_COMMUNE)


def test_scopes_by_residence() -> None:
    day = dt.date(2026, 3, 15)
    assert rules.contest_scope(rules.PERMANENT, None, day) == rules.SCOPE_ALL
    assert rules.contest_scope(rules.TEMPORARY, None, day) == rules.SCOPE_NO_COMMUNE
    assert rules.contest_scope(rules.SOLDIER, None, day) == rules.SCOPE_NO_COMMUNE
    assert rules.contest_scope(rules.DETAINED, None, day) == rules.SCOPE_NA_PROVINCE
    assert rules.contest_scope(rules.ELSEWHERE, None, day) == rules.SCOPE_NA_PROVINCE
    t = rules.takes_part
    assert all(t(rules.SCOPE_ALL, x) for x in ("na", "province", "middle", "commune"))
    assert t(rules.SCOPE_NO_COMMUNE, "middle") and not t(rules.SCOPE_NO_COMMUNE, "commune")
    assert t(rules.SCOPE_NA_PROVINCE, "province") and not t(rules.SCOPE_NA_PROVINCE, "middle")


def test_cutoff_is_24_hours_before_voting() -> None:
    day = dt.date(2026, 3, 15)
    close = rules.changes_close(day)
    assert close == dt.datetime(2026, 3, 14, 7, 0, tzinfo=rules.VN_TZ)
    assert rules.changes_allowed(close - dt.timedelta(seconds=1), day)
    assert not rules.changes_allowed(close, day)


def test_validate_row_messages() -> None:
    areas = {"A-1": rules.AreaInfo(1, "residential", 10)}
    ok = rules.validate_row(
        {"national_id": "079085000001", "full_name": "Đặng Văn  An", "birth": "1985",
         "sex": "nam", "permanent_address": "x", "area_code": "A-1"},
        election_day=dt.date(2026, 3, 15), areas=areas,
    )  # fmt: skip
    assert ok.record and ok.record["search_key"] == "dang van an" and ok.flags == ["year_only"]
    bad = rules.validate_row(
        {"national_id": "79", "full_name": "An", "birth": "31/02/1990", "sex": "?",
         "area_code": "Z"},
        election_day=dt.date(2026, 3, 15), areas=areas,
    )  # fmt: skip
    cols = {c for c, _r in bad.errors}
    assert cols == {"Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính",
                    "Nơi thường trú", "Mã khu vực bỏ phiếu"}  # fmt: skip


def test_headers_matched_without_accents_or_case() -> None:
    cells = ["stt", "SO CCCD", "ho va ten", "NGÀY SINH", "giới tính", "ma khu vuc bo phieu"]
    found = rules.match_headers(cells)
    assert found == {"national_id": 1, "full_name": 2, "birth": 3, "sex": 4, "area_code": 5}


# --- the fast path agrees with validate_row ---------------------------------------------------

_DAY = dt.date(2031, 5, 25)
_AREAS = {"A-1": rules.AreaInfo(1, "residential", 10), "B-1": rules.AreaInfo(2, "armed_unit", 11)}
_HEADER = {k: i for i, k in enumerate(rules.COLUMNS)}
_KEYS = rules.STAGE_FIELDS


def _slow(cells: list[str]) -> tuple | None:
    raw = {k: cells[i] for k, i in _HEADER.items()}
    check = rules.validate_row(raw, election_day=_DAY, areas=_AREAS)
    if check.record is None or check.flags:
        return None
    return tuple(check.record[k] for k in _KEYS)


def _fast(cells: list[str]) -> tuple | None:
    fast = rules.FastRowValidator(
        header=_HEADER, election_day=_DAY, areas=_AREAS, allowed_area_ids=None
    )
    out = fast(cells, 2)
    return None if out is None else out[1:]


def _slow_copy(cells: list[str]) -> str | None:
    raw = {k: cells[i] for k, i in _HEADER.items()}
    check = rules.validate_row(raw, election_day=_DAY, areas=_AREAS)
    if check.record is None or check.flags:
        return None
    return rules.copy_line(2, check.record)


def _fast_copy(cells: list[str]) -> str | None:
    fast = rules.FastRowValidator(
        header=_HEADER, election_day=_DAY, areas=_AREAS, allowed_area_ids=None, copy=True
    )
    return fast(cells, 2)


def test_fast_path_equals_validate_row_on_demo_rows() -> None:
    from voters.demo import generate_rows

    n = 0
    for r in generate_rows(area_codes=["A-1", "B-1"], per_area=300, election_day=_DAY):
        cells = [r[h] for h in rules.TEMPLATE_HEADERS]
        fast, slow = _fast(cells), _slow(cells)
        assert fast is None or fast == slow
        n += fast is not None
        line = _fast_copy(cells)
        assert (line is None) == (fast is None)
        assert line is None or line == _slow_copy(cells)
    assert n > 550  # nearly every clean row takes the fast path


cell = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "Nam",
            "Nữ",
            "nữ",
            "01/02/1990",
            "1990",
            "31/02/1990",
            "079085000001",
            "07908500000",
            "A-1",
            "B-1",
            "C-9",
            "Chủ hộ",
            "chu ho",
            "Nguyễn  Văn An",
            "Đặng Thị Ân",
            "An",
            "Lê 3",
            "Kinh",
            "01/01/2031",
            "01/01/2040",
            "x" * 70,
        ]
    ),  # fmt: skip
    st.text(max_size=12),
)


@given(cells=st.lists(cell, min_size=12, max_size=12))
def test_fast_path_never_accepts_what_validate_row_rejects(cells: list[str]) -> None:
    fast = _fast(cells)
    assert fast is None or fast == _slow(cells)
    line = _fast_copy(cells)
    assert line is None or line == _slow_copy(cells)


def test_copy_line_escapes_what_copy_text_format_reads() -> None:
    record = {k: "" for k in rules.STAGE_FIELDS} | {
        "full_name": "Lê Văn\\Tư",
        "birth_date": dt.date(1990, 2, 1),
        "birth_year": 1990,
        "temporary_since": None,
        "is_head": True,
        "polling_area_id": 7,
    }
    fields = rules.copy_line(5, record).rstrip("\n").split("\t")
    values = dict(zip(["row_no", *rules.STAGE_FIELDS], fields, strict=True))
    assert values["row_no"] == "5"
    assert values["full_name"] == "Lê Văn\\\\Tư"  # a backslash doubled
    assert values["birth_date"] == "1990-02-01"
    assert values["temporary_since"] == "\\N"
    assert values["is_head"] == "t"
    assert values["polling_area_id"] == "7"

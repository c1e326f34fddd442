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

"""Structure rules of the law, without a database."""

import datetime as dt

import pytest

from election import rules


def test_seat_limits_art_10():
    assert rules.max_seats("national_assembly") == 3
    assert rules.max_seats("people_council") == 5


@pytest.mark.parametrize(
    ("kind", "seats", "minimum"),
    [
        ("national_assembly", 3, 5),
        ("national_assembly", 2, 4),
        ("people_council", 1, 2),
        ("people_council", 2, 3),
        ("people_council", 3, 5),
        ("people_council", 4, 7),
        ("people_council", 5, 8),
    ],
)
def test_candidate_surplus(kind, seats, minimum):
    assert rules.min_candidates(kind, seats) == minimum


def test_split_name():
    assert rules.split_name("Nguyễn Thị Sửu") == rules.NameParts("Nguyễn", "Thị", "Sửu")
    assert rules.split_name("Lê Văn Minh Tuấn") == rules.NameParts("Lê", "Văn Minh", "Tuấn")
    assert rules.split_name("Lý An") == rules.NameParts("Lý", "", "An")


def test_parse_birth_accepts_year_only():
    assert rules.parse_birth("1970-04-30") == (dt.date(1970, 4, 30), 1970)
    assert rules.parse_birth("1958") == (None, 1958)
    with pytest.raises(ValueError):
        rules.parse_birth("30/04/1970")


def _key(full_name, birth):
    parts = rules.split_name(full_name)
    date, year = rules.parse_birth(birth)
    return rules.ballot_order_key(parts.given, parts.family, parts.middle, date, year)


def test_ballot_order_given_then_family_then_middle_then_older_first():
    names = [
        ("Trần Thị Ánh", "1975-01-02"),
        ("Nguyễn Văn An", "1970-04-30"),
        ("Đặng Thị Ân", "1980-06-15"),
        ("Phạm Minh An", "1962"),
        ("Lê Văn Bình", "1968-11-11"),
        ("Nguyễn Thị An", "1960-01-01"),
        ("Nguyễn Văn An B", "1990-01-01"),
    ]
    ordered = [n for n, _ in sorted(names, key=lambda x: _key(*x))]
    assert ordered == [
        "Nguyễn Thị An",  # An: family Nguyễn < Phạm; middle Thị < Văn
        "Nguyễn Văn An",
        "Phạm Minh An",
        "Trần Thị Ánh",  # Ánh after An (tone secondary, same letters) ...
        "Đặng Thị Ân",  # ... Ân after Ánh (â after a is primary)
        "Nguyễn Văn An B",
        "Lê Văn Bình",
    ]


def test_same_name_older_first():
    a = _key("Nguyễn Văn An", "1970-01-01")
    b = _key("Nguyễn Văn An", "1965-01-01")
    assert b < a

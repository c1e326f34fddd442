"""Vietnamese formats, percentages, text folding and collation (no database)."""

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from common.collation import vi_sort_key
from common.spreadsheet import safe_cell
from common.text import fold, nfc
from common.vn import format_date, format_int, format_percent, percent, percent_str


def test_numbers_as_officials_write_them():
    assert format_int(5421028) == "5.421.028"
    assert format_int(999) == "999"
    assert format_int(-1234) == "-1.234"
    assert format_percent(Decimal("99.38")) == "99,38%"
    assert format_percent(None) == "—"
    assert format_date(dt.date(2021, 5, 23)) == "23/05/2021"


def test_percent_rounds_half_up_on_the_third_decimal():
    # 22,566 % → 22,57 % (NEC Q&A 2026)
    assert percent(22566, 100000) == Decimal("22.57")
    assert percent(1, 8) == Decimal("12.50")  # 12.5 exactly
    assert percent(1, 3) == Decimal("33.33")
    assert percent(2, 3) == Decimal("66.67")
    assert percent(5421028, 5455060) == Decimal("99.38")  # HCMC 2021
    # Ngọc Thụy 2021 printed 93,19 % for 2,380/2,544; correct is 93,55 %
    assert percent(2380, 2544) == Decimal("93.55")
    assert percent(0, 0) is None


def test_never_100_unless_everyone_voted():
    assert percent_str(99999, 100000) == "99.99"
    assert percent_str(969425, 969479) == "99.99"
    assert percent_str(100, 100) == "100.00"


@given(st.integers(min_value=1, max_value=10**8), st.data())
def test_percent_properties(whole, data):
    part = data.draw(st.integers(min_value=0, max_value=whole))
    value = percent(part, whole)
    assert Decimal(0) <= value <= Decimal(100)
    assert (value == Decimal(100)) == (part == whole)
    exact = Decimal(part) * 100 / Decimal(whole)
    assert abs(value - exact) <= Decimal("0.01")


def test_fold_removes_marks_and_maps_d_stroke():
    assert fold("Nguyễn Văn An") == "nguyen van an"
    assert fold("Đặng") == "dang"
    assert fold("  ĐỖ   Thị  ") == "do thi"
    assert nfc("Nguye\u0302\u0303n  Văn") == "Nguyễn Văn"


def test_vietnamese_collation_orders_letters_then_tones():
    words = ["Ân", "An", "Ăn", "Bình", "Dung", "Đức", "Em", "Ê", "Ơn", "Ôn", "On", "Ưu", "Uy"]
    assert sorted(words, key=vi_sort_key) == [
        "An",
        "Ăn",
        "Ân",
        "Bình",
        "Dung",
        "Đức",
        "Em",
        "Ê",
        "On",
        "Ôn",
        "Ơn",
        "Uy",
        "Ưu",
    ]
    # tones are secondary: letters decide first
    assert sorted(["Bá", "Ba", "Bà", "Bả", "Bã", "Bạ"], key=vi_sort_key) == [
        "Ba",
        "Bà",
        "Bả",
        "Bã",
        "Bá",
        "Bạ",
    ]


def test_safe_cell_escapes_formula_prefixes():
    for bad in ("=1+1", "+84", "-3", "@SUM(A1)", "\tx", "\rx", "\0x"):
        assert safe_cell(bad) == "'" + bad
    assert safe_cell("Nguyễn") == "Nguyễn"
    assert safe_cell(12) == 12

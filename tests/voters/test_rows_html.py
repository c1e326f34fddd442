"""The voter tables' rows built in Python (voters.rows_html): escaping, marks, flags, links."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from voters.rows_html import area_list_rows, search_rows


def voter(**kw: object) -> SimpleNamespace:
    base = dict(
        pk=7,
        stt=12,
        full_name="Nguyễn Văn An",
        birth_date=dt.date(1980, 2, 29),
        birth_year=1980,
        sex="M",
        ethnicity="Kinh",
        occupation="Thợ may",
        permanent_address="12 Lê Lợi",
        temporary_address="",
        temporary_since=None,
        status="listed",
        is_head=True,
        note="",
    )
    base.update(kw)
    return SimpleNamespace(**base)


def test_a_listed_head_of_household_row():
    html = area_list_rows(
        [(voter(), [True, False])], voter_base="/e/x/voters/v/", boundary_year=2003
    )
    assert html.startswith('<tr class=" head">')
    assert '<td class="num">12</td>' in html
    assert '<a href="/e/x/voters/v/7/">Nguyễn Văn An</a>' in html
    assert "<td>29/02/1980</td>" in html
    assert "<td>x</td><td></td><td>Kinh</td>" in html  # male, not female
    assert html.count("<td>x</td>") == 2  # the male mark and the one contest taken part in
    assert '<td class="small">12 Lê Lợi</td>' in html


def test_every_value_is_escaped():
    evil = '<script>alert("x")</script>&'
    v = voter(full_name=evil, occupation=evil, permanent_address=evil, note=evil, ethnicity=evil)
    html = area_list_rows([(v, [])], voter_base='/"onclick=/', boundary_year=2003)
    assert "<script>" not in html and '"onclick' not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;") == 5
    found = search_rows(
        [
            {
                "pk": 1,
                "area": evil,
                "stt": 1,
                "full_name": evil,
                "birth_date": None,
                "birth_year": 1990,
                "status": evil,
                "note": evil,
            }
        ],
        voter_base="/v/",
    )
    assert "<script>" not in found and found.count("&lt;script&gt;") == 4


def test_removed_and_elsewhere_rows_are_marked_and_take_no_contest_mark():
    removed = area_list_rows(
        [(voter(status="removed", is_head=False, note="Chết"), [True])],
        voter_base="/v/",
        boundary_year=2003,
    )
    assert removed.startswith('<tr class="struck">') and '<td class="small">Chết</td>' in removed
    assert removed.count("<td>x</td>") == 1  # the sex mark only: not on the list any more
    elsewhere = area_list_rows(
        [(voter(status="elsewhere", is_head=False), [True])], voter_base="/v/", boundary_year=2003
    )
    assert elsewhere.startswith('<tr class="elsewhere">')


def test_year_only_births_and_temporary_residence():
    flagged = area_list_rows(
        [(voter(birth_date=None, birth_year=2003), [])], voter_base="/v/", boundary_year=2003
    )
    assert '2003 <span class="tag warn age-flag"' in flagged
    plain = area_list_rows(
        [(voter(birth_date=None, birth_year=1970), [])], voter_base="/v/", boundary_year=2003
    )
    assert "age-flag" not in plain and '1970 <span class="tag"' in plain
    temp = area_list_rows(
        [(voter(temporary_address="5 Hai Bà Trưng", temporary_since=dt.date(2020, 1, 3)), [])],
        voter_base="/v/",
        boundary_year=2003,
    )
    assert "5 Hai Bà Trưng (" in temp and "03/01/2020)" in temp and "12 Lê Lợi" not in temp


def test_search_rows_show_area_stt_birth_and_status_with_its_note():
    html = search_rows(
        [
            {
                "pk": 9,
                "area": "26734-01",
                "stt": 4,
                "full_name": "Đặng Thị Hoa",
                "birth_date": dt.date(1999, 12, 31),
                "birth_year": 1999,
                "status": "Bỏ phiếu ở nơi khác",
                "note": "Giấy chứng nhận số 3",
            },
            {
                "pk": 10,
                "area": "26734-02",
                "stt": 5,
                "full_name": "Lê B",
                "birth_date": None,
                "birth_year": 1960,
                "status": "Có tên",
                "note": "",
            },
        ],
        voter_base="/e/x/voters/v/",
    )
    rows = html.split("\n")
    assert rows[0] == (
        '<tr><td>26734-01</td><td class="num">4</td>'
        '<td><a href="/e/x/voters/v/9/">Đặng Thị Hoa</a></td><td>31/12/1999</td>'
        "<td>Bỏ phiếu ở nơi khác · Giấy chứng nhận số 3</td></tr>"
    )
    assert "<td>1960</td><td>Có tên</td></tr>" in rows[1]

"""The board's page, XLSX export and API through the full Django stack (Vietnamese UI)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from common.models import AuditEvent
from reconciliation import rules

pytestmark = pytest.mark.django_db

E = "mini-2021"


def test_city_page_rolls_up_children(client, broken):
    client.force_login(broken.admin)
    html = client.get(reverse("reconciliation:unit", args=[E, "79"])).content.decode()
    assert "Đối soát toàn chuỗi" in html
    assert "2 khu vực bỏ phiếu cần chú ý" in html
    assert 'id="n-green">3<' in html and 'id="n-amber">1<' in html and 'id="n-red">1<' in html
    # each district names its own count and links down to its board
    assert "1 khu vực bỏ phiếu cần chú ý" in html
    assert reverse("reconciliation:unit", args=[E, "760"]) in html
    assert 'data-unit="760"' in html and "child-amber" in html and "child-red" in html


def test_ward_page_shows_figures_and_rules_in_vietnamese(client, broken):
    client.force_login(broken.admin)
    html = client.get(reverse("reconciliation:unit", args=[E, "27499"])).content.decode()
    assert 'id="pa-27499-01"' in html and 'data-state="red"' in html
    assert rules.BALLOTS_UNBALANCED in html
    assert (
        "Số phiếu hợp lệ (28) + số phiếu không hợp lệ (4) không bằng số phiếu thu vào (28)." in html
    )
    ward = client.get(reverse("reconciliation:unit", args=[E, "26734"])).content.decode()
    assert "Chưa báo cáo tiến độ bỏ phiếu các mốc: 11:00." in ward
    assert 'id="pa-26734-01"' in ward and 'id="pa-26734-02"' in ward


def test_only_attention_filter(client, broken):
    client.force_login(broken.admin)
    url = reverse("reconciliation:unit", args=[E, "79"])
    html = client.get(url + "?only=attention").content.decode()
    assert 'id="pa-26734-02"' in html and 'id="pa-27499-01"' in html
    assert 'id="pa-26734-01"' not in html and 'id="pa-27496-01"' not in html
    district = client.get(reverse("reconciliation:unit", args=[E, "760"]) + "?only=attention")
    text = district.content.decode()
    # only the child units needing attention are listed
    assert 'data-unit="26734"' in text and 'data-unit="26737"' not in text
    # a unit where all is well says so
    ok = client.get(reverse("reconciliation:unit", args=[E, "26737"]) + "?only=attention")
    assert 'id="all-green"' in ok.content.decode()


def test_unit_page_links_to_the_board(client, day):
    client.force_login(day.admin)
    html = client.get(reverse("unit", args=[E, "760"])).content.decode()
    assert reverse("reconciliation:unit", args=[E, "760"]) in html


def test_xlsx_read_back_escaped_and_audited(client, broken):
    area = broken.areas["26737-01"]
    area.name = '=HYPERLINK("http://x")'
    area.save(update_fields=["name"])
    client.force_login(broken.admin)
    before = AuditEvent.objects.filter(action="reconciliation.exported").count()
    resp = client.get(reverse("reconciliation:xlsx", args=[E, "79"]))
    assert resp.status_code == 200
    assert "doi-soat-mini-2021-79.xlsx" in resp["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.content))
    ws = wb["Đối soát"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("Khu vực bỏ phiếu", "Tên", "Cuộc bầu cử", "Trạng thái")
    assert len(rows) == 1 + 13
    by_key = {(r[0], r[2]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    red = by_key[("27499-01", "HDND-79")]
    assert red["Trạng thái"] == "đỏ"
    assert red["Quy tắc"] == rules.BALLOTS_UNBALANCED
    assert red["Số phiếu không hợp lệ"] == 4
    first = by_key[("26734-01", "QH")]
    assert (first["Cử tri khi niêm yết"], first["Bổ sung sau niêm yết"]) == (60, 2)
    assert first["Đã bỏ phiếu lúc kết thúc bỏ phiếu"] == 59
    assert by_key[("26737-01", "QH")]["Tên"] == '\'=HYPERLINK("http://x")'
    summary = list(wb["Theo đơn vị"].iter_rows(values_only=True))
    assert summary[1][:7] == ("760", "Quận 1", 3, 2, 1, 0, 1)
    assert summary[-1][:7] == ("79", "Thành phố Hồ Chí Minh", 5, 3, 1, 1, 2)
    assert AuditEvent.objects.filter(action="reconciliation.exported").count() == before + 1
    # only the areas needing attention
    resp = client.get(reverse("reconciliation:xlsx", args=[E, "79"]) + "?only=attention")
    rows = list(load_workbook(io.BytesIO(resp.content))["Đối soát"].iter_rows(values_only=True))
    assert sorted({r[0] for r in rows[1:]}) == ["26734-02", "27499-01"]


def test_api_board(client, broken):
    client.force_login(broken.admin)
    url = reverse("api-reconciliation", args=[E, "79"])
    assert url == "/api/reconciliation/mini-2021/79/"
    data = client.get(url).json()
    assert data["format"] == "baucu.reconciliation/1"
    assert data["totals"] == {
        "areas": 5, "green": 3, "amber": 1, "red": 1, "attention": 2, "state": "red"
    }  # fmt: skip
    assert [(c["code"], c["attention"]) for c in data["children"]] == [("760", 1), ("783", 1)]
    rows = {(r["polling_area"], r["contest"]): r for r in data["rows"]}
    assert len(rows) == 13
    red = rows[("27499-01", "HDND-79")]
    assert red["state"] == "red"
    [finding] = red["findings"]
    assert finding["code"] == rules.BALLOTS_UNBALANCED
    assert finding["detail"] == {"valid": 28, "invalid": 4, "received": 28}
    assert red["facts"]["turnout"]["closed"] == 28
    assert red["facts"]["turnout_final"] == 28
    only = client.get(url + "?only=attention").json()
    assert {r["polling_area"] for r in only["rows"]} == {"26734-02", "27499-01"}
    assert client.get(url + "?rows=none").json()["rows"] == []


def test_api_scope_and_schema(client, day, make_user):
    observer = make_user("observer", "26737")
    client.force_login(observer)
    assert client.get(reverse("api-reconciliation", args=[E, "26737"])).status_code == 200
    assert client.get(reverse("api-reconciliation", args=[E, "79"])).status_code == 403
    assert client.get(reverse("reconciliation:unit", args=[E, "26734"])).status_code == 403
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").content.decode()
    assert "/api/reconciliation/{slug}/{code}/" in schema
    assert "ReconciliationBoard" in schema


def test_polling_area_page_links_to_its_row(client, day):
    client.force_login(day.admin)
    html = client.get(reverse("polling-area", args=[E, "26734-02"])).content.decode()
    assert reverse("reconciliation:unit", args=[E, "26734"]) + "#pa-26734-02" in html


def test_api_at_an_instant_only_for_rehearsals(client, day):
    client.force_login(day.admin)
    url = reverse("api-reconciliation", args=[E, "79"])
    morning = "2021-05-23T10:00:00+07:00"
    assert client.get(url, {"at": morning}).status_code == 400  # not a rehearsal
    day.election.is_rehearsal = True
    day.election.save(update_fields=["is_rehearsal"])
    assert client.get(url, {"at": "yesterday"}).status_code == 400
    data = client.get(url, {"at": morning}).json()
    # a rehearsal's slots are those of the day it is read: at 10:00 only 09:00 is due
    assert data["slots_due"] == {"2021-05-23": ["09:00"]}
    assert data["at"] == "2021-05-23T10:00:00+07:00"
    assert data["totals"]["green"] == 5
    # the same instant in UTC reads the same slots
    utc = client.get(url, {"at": "2021-05-23T03:00:00Z"}).json()
    assert utc["slots_due"] == {"2021-05-23": ["09:00"]}

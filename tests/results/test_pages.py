"""Pages and API: entry flow, settlement, results, documents, permissions, public page."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from results.models import CountMinutes
from results.services.import_minutes import import_count_minutes
from tests.conftest import PASSWORD
from tests.results.conftest import qh_minutes

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def form_data(m: dict, version: int, cand_ids: dict[str, int], **extra) -> dict:
    d = {
        f: m[f]
        for f in (
            "voters_listed",
            "voters_voted",
            "ballots_issued",
            "ballots_received",
            "ballots_valid",
            "ballots_invalid",
        )
    }
    d["version"] = version
    for v in m["votes"]:
        d[f"vote_{cand_ids[v['candidate']]}"] = v["votes"]
    for k, n in (m.get("valid_by_names_kept") or {}).items():
        d[f"kept_{k}"] = n
    d.update(extra)
    return d


def cand_ids(election):
    from election.models import Candidate

    return {
        c.full_name: c.id
        for c in Candidate.objects.filter(constituency__contest__election=election)
    }


def test_entry_flow_in_pages(client, mini_election, make_user):
    a = make_user("team_secretary", "26734", area="26734-01")
    b = make_user("ward_staff", "26734")
    m = qh_minutes()[0]
    ids = cand_ids(mini_election)
    url = "/e/mini-2021/results/pa/26734-01/QH/main/"
    c = login(client, a)
    page = c.get("/e/mini-2021/results/pa/26734-01/")
    assert page.status_code == 200 and "QH" in page.content.decode()
    r = c.get(url)
    assert r.status_code == 200 and "Ông Nguyễn Văn An" in r.content.decode()
    bad = form_data(m, 0, ids, ballots_valid=m["ballots_valid"] + 1)
    r = c.post(url, bad)
    assert r.status_code == 400 and "F.201" in r.content.decode()
    r = c.post(url, form_data(m, 0, ids))
    assert r.status_code == 302
    # the same person cannot make the second entry
    assert (
        "second must be made by another person" in c.get(url).content.decode()
        or "người khác" in c.get(url).content.decode()
    )
    c.logout()
    c = login(client, b)
    r = c.get(url)
    body = r.content.decode()
    assert 'value="1180"' not in body  # blind: the first entry's figures are not shown
    r = c.post(url, form_data(m, 1, ids, ballots_issued=m["ballots_issued"] + 2))
    assert r.status_code == 400 and "W.202" in r.content.decode()
    r = c.post(
        url, form_data(m, 1, ids, ballots_issued=m["ballots_issued"] + 2, **{"ack_W.202": "on"})
    )
    assert r.status_code == 302
    mm = CountMinutes.objects.get(polling_area__code="26734-01", contest__code="QH")
    assert mm.status == "different"  # issued differs between the entries


def test_settle_page_resolves_and_reopens(client, mini_election, make_user):
    a = make_user("team_secretary", "26734", area="26734-01")
    b = make_user("ward_staff", "26734")
    boss = make_user("committee_member", "760")
    m = qh_minutes()[0]
    ids = cand_ids(mini_election)
    url = "/e/mini-2021/results/pa/26734-01/QH/main/"
    login(client, a).post(url, form_data(m, 0, ids, voters_listed=1210))
    client.logout()
    login(client, b).post(url, form_data(m, 1, ids))
    client.logout()
    settle = url + "settle/"
    assert login(client, b).get(settle).status_code == 403
    client.logout()
    c = login(client, boss)
    page = c.get(settle).content.decode()
    assert 'class="num differ"' in page and "1.210" in page and "1.200" in page
    c.post(settle, {"action": "keep_second", "version": 2})
    mm = CountMinutes.objects.get(polling_area__code="26734-01", contest__code="QH")
    assert mm.status == "definitive" and mm.voters_listed == 1200
    c.post(settle, {"action": "reopen", "reason": ""})
    mm.refresh_from_db()
    assert mm.status == "definitive"
    c.post(settle, {"action": "reopen", "reason": "Tổ bầu cử đính chính"})
    mm.refresh_from_db()
    assert mm.status == "empty"


@pytest.mark.parametrize(
    ("kind", "unit", "area", "enter", "settle"),
    [
        ("team_secretary", "26734", "26734-01", 200, 403),
        ("team_secretary", "26734", "26734-02", 403, 403),
        ("ward_staff", "26734", None, 200, 403),
        ("ward_staff", "26737", None, 403, 403),
        ("committee_member", "760", None, 403, 200),
        ("committee_member", "783", None, 403, 403),
        ("observer", "79", None, 403, 403),
    ],
)
def test_permission_matrix(client, mini_election, make_user, kind, unit, area, enter, settle):
    import_count_minutes(
        election=mini_election, data={"format": "baucu.count/1", "minutes": qh_minutes()[:1]}
    )
    u = make_user(kind, unit, area=area)
    c = login(client, u)
    assert c.get("/e/mini-2021/results/pa/26734-01/QH/main/").status_code in (
        enter,
        403 if enter == 403 else 200,
    )
    r = c.get("/e/mini-2021/results/pa/26734-01/QH/main/settle/")
    assert r.status_code == settle


def test_results_pages_documents_and_publication(client, mini_election, make_user):
    import_count_minutes(
        election=mini_election, data={"format": "baucu.count/1", "minutes": qh_minutes()}
    )
    boss = make_user("committee_member", "79")
    c = login(client, boss)
    r = c.get("/e/mini-2021/results/u/79/")
    body = r.content.decode()
    assert r.status_code == 200 and "5/5" in body and "99,21%" in body
    r = c.get("/e/mini-2021/results/c/QH/1/")
    body = r.content.decode()
    assert "84,80%" in body and body.count("KẾT QUẢ TẠM THỜI — chưa công bố") == 1
    pdf = c.get("/e/mini-2021/results/c/QH/1/minutes.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    xlsx = c.get("/e/mini-2021/results/c/QH/minutes.xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert "Đơn vị bầu cử" in wb.sheetnames
    j = c.get("/e/mini-2021/results/results.json").json()
    assert j["format"] == "baucu.results/1" and len(j["constituencies"]) == 5
    api = c.get("/api/elections/mini-2021/results/?contest=QH").json()
    assert api["constituencies"][0]["turnout_pct"] == "99.21"
    prog = c.get("/api/elections/mini-2021/results/progress/79/").json()
    assert {p["contest"]: p["definitive"] for p in prog["contests"]}["QH"] == 5
    # public page: nothing until published, then the official snapshot
    client.logout()
    assert "84,80%" not in client.get("/public/mini-2021/results/").content.decode()
    c = login(client, boss)
    c.post("/e/mini-2021/results/c/QH/", {"action": "publish"})
    client.logout()
    pub = client.get("/public/mini-2021/results/").content.decode()
    assert "84,80%" in pub and "Nguyễn Văn An" in pub
    assert "26734-01" not in pub  # aggregates only


def test_board_member_sees_only_its_constituency(client, mini_election, make_user):
    from election.models import ElectionBody, Role

    import_count_minutes(
        election=mini_election, data={"format": "baucu.count/1", "minutes": qh_minutes()}
    )
    u = make_user()
    board = ElectionBody.objects.get(constituency__contest__code="HDND-79", constituency__number=2)
    Role.objects.create(user=u, kind="committee_member", unit=board.unit, body=board)
    c = login(client, u)
    assert c.get("/e/mini-2021/results/c/HDND-79/2/").status_code == 200
    assert c.get("/e/mini-2021/results/c/HDND-79/2/minutes.pdf").status_code == 200
    assert c.get("/e/mini-2021/results/c/HDND-79/1/").status_code == 403
    assert c.get("/e/mini-2021/results/c/QH/1/").status_code == 403
    assert c.get("/e/mini-2021/results/c/QH/minutes.pdf").status_code == 403
    j = c.get("/api/elections/mini-2021/results/").json()
    assert [(x["contest"], x["number"]) for x in j["constituencies"]] == [("HDND-79", 2)]
    assert c.get("/e/mini-2021/results/").status_code == 200


def test_api_entry_needs_own_area(client, mini_election, make_user):
    m = qh_minutes()[0]
    other = make_user("team_secretary", "26734", area="26734-02")
    c = login(client, other)
    r = c.post(
        "/api/elections/mini-2021/minutes/", {"minutes": [m]}, content_type="application/json"
    )
    assert r.status_code == 403
    client.logout()
    mine = make_user("team_secretary", "26734", area="26734-01")
    c = login(client, mine)
    r = c.post(
        "/api/elections/mini-2021/minutes/", {"minutes": [m]}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["states"] == {"first_entry": 1}
    bad = dict(m, ballots_valid=1)
    r = c.post(
        "/api/elections/mini-2021/minutes/", {"minutes": [bad]}, content_type="application/json"
    )
    assert r.status_code == 400


def test_tie_decision_on_the_constituency_page_then_publish(client, mini_election, make_user):
    from results.models import ContestPublication, TieDecision
    from tests.results.test_services import tied_council

    contest = tied_council(mini_election)
    ids = cand_ids(mini_election)
    url = "/e/mini-2021/results/c/HDND-27496/1/"
    c = login(client, make_user("committee_member", "27496"))
    body = c.get(url).content.decode()
    assert 'id="tie-decision"' in body
    assert (
        f'value="{ids["Tạ Thị Quyên"]}"' in body and f'value="{ids["Lương Thị Oanh"]}"' not in body
    )
    r = c.post(url, {"action": "tie", "candidate": [ids["Lương Thị Oanh"]], "reason": "x"})
    assert r.status_code == 302 and not TieDecision.objects.exists()
    assert (
        "Chỉ được chọn người ứng cử trong số những người bằng phiếu" in c.get(url).content.decode()
    )
    c.post(url, {"action": "tie", "candidate": [ids["Tạ Thị Quyên"]], "reason": "bốc thăm"})
    body = c.get(url).content.decode()
    assert 'id="tie-decision"' not in body and "bốc thăm" in body
    c.post("/e/mini-2021/results/c/HDND-27496/", {"action": "publish"})
    assert ContestPublication.objects.filter(contest=contest).exists()


def test_api_entry_needs_each_warning_acknowledged(client, mini_election, make_user):
    from results.models import MinutesEntry

    m = dict(qh_minutes()[0])
    m["ballots_issued"] += 5  # W.202: ballots issued differ from voters who voted
    url = "/api/elections/mini-2021/minutes/"
    c = login(client, make_user("team_secretary", "26734", area="26734-01"))
    for ack in ([], ["W.201"]):
        r = c.post(url, {"minutes": [m], "acknowledged": ack}, content_type="application/json")
        assert r.status_code == 400
        j = r.json()
        assert [(w["minutes"], w["code"]) for w in j["warnings"]] == [(0, "W.202")]
        assert j["errors"] == [] and "5" in j["warnings"][0]["reason"]
    assert not MinutesEntry.objects.exists()
    bad = c.post(url, {"minutes": [m], "acknowledged": "W.202"}, content_type="application/json")
    assert bad.status_code == 400 and not MinutesEntry.objects.exists()
    r = c.post(url, {"minutes": [m], "acknowledged": ["W.202"]}, content_type="application/json")
    assert r.status_code == 200 and r.json()["states"] == {"first_entry": 1}
    (entry,) = MinutesEntry.objects.all()
    assert entry.acknowledged == ["W.202"] and entry.source == "api"
    # a minute may carry its own list
    second = make_user("ward_staff", "26734")
    client.logout()
    c = login(client, second)
    own = dict(m, acknowledged=["W.202"])
    r = c.post(url, {"minutes": [own]}, content_type="application/json")
    assert r.status_code == 200 and r.json()["states"] == {"definitive": 1}


def test_published_contest_minutes_cannot_be_reopened(client, mini_election, make_user):
    from common.models import AuditEvent
    from results import selectors
    from results.services import minutes as svc
    from results.services.publication import contest_publish

    import_count_minutes(
        election=mini_election, data={"format": "baucu.count/1", "minutes": qh_minutes()}
    )
    boss = make_user("committee_member", "79")
    pub = contest_publish(actor=boss, contest=mini_election.contests.get(code="QH"))
    mm = CountMinutes.objects.get(polling_area__code="26734-01", contest__code="QH")
    with pytest.raises(svc.WrongState, match="đã công bố chính thức"):
        svc.minutes_reopen(actor=boss, minutes=mm, reason="Tổ bầu cử đính chính")
    settle = "/e/mini-2021/results/pa/26734-01/QH/main/settle/"
    c = login(client, boss)
    page = c.get(settle).content.decode()
    assert 'id="published-note"' in page and 'value="reopen"' not in page
    c.post(settle, {"action": "reopen", "reason": "Tổ bầu cử đính chính"})
    assert "không thể mở lại" in c.get(settle).content.decode()
    mm.refresh_from_db()
    assert mm.status == "definitive" and mm.version == 1
    assert not AuditEvent.objects.filter(action="minutes.reopened").exists()
    (r,) = selectors.compute_results(election=mini_election, contest=pub.contest)
    assert r.official


def test_unit_and_board_pages_show_the_real_status(client, mini_election, make_user):
    from election.models import ElectionBody, Role
    from results.services.publication import contest_publish

    import_count_minutes(
        election=mini_election, data={"format": "baucu.count/1", "minutes": qh_minutes()}
    )
    boss = make_user("committee_member", "79")
    member = make_user()
    board = ElectionBody.objects.get(constituency__contest__code="QH", constituency__number=1)
    Role.objects.create(user=member, kind="committee_member", unit=board.unit, body=board)
    official, provisional = 'data-status="official"', 'data-status="provisional"'

    def sections(body: str) -> dict[str, str]:
        parts = body.split('<section class="card" id="contest-')[1:]
        return {p.split('"', 1)[0]: p for p in parts}

    c = login(client, boss)
    before = sections(c.get("/e/mini-2021/results/u/79/").content.decode())
    assert provisional in before["QH"] and official not in before["QH"]
    client.logout()
    home = login(client, member).get("/e/mini-2021/results/").content.decode()
    assert provisional in home and official not in home
    client.logout()
    contest_publish(actor=boss, contest=mini_election.contests.get(code="QH"))
    c = login(client, boss)
    after = sections(c.get("/e/mini-2021/results/u/79/").content.decode())
    assert official in after["QH"] and "KẾT QUẢ CHÍNH THỨC" in after["QH"]
    assert provisional in after["HDND-79"] and official not in after["HDND-79"]
    client.logout()
    home = login(client, member).get("/e/mini-2021/results/").content.decode()
    assert official in home and provisional not in home


def test_no_additional_election_on_the_constituency_page_then_publish(
    client, mini_election, make_user, qh_doc
):
    from common.models import AuditEvent
    from results.models import ContestPublication, NoAdditionalElection
    from tests.results.test_services import qh_short

    import_count_minutes(election=mini_election, data=qh_short(qh_doc))
    url = "/e/mini-2021/results/c/QH/1/"
    staff = login(client, make_user("ward_staff", "79")).get(url)  # sees, may not decide
    assert staff.status_code == 200 and 'id="no-additional"' not in staff.content.decode()
    client.logout()
    c = login(client, make_user("committee_member", "79"))
    body = c.get(url).content.decode()
    assert 'id="no-additional"' in body and "Ghi nhận: không bầu cử thêm" in body
    assert 'value="additional"' in body  # next to the additional-election control
    r = c.post(url, {"action": "no_additional", "reason": ""})
    assert r.status_code == 302 and not NoAdditionalElection.objects.exists()
    assert "Hãy ghi quyết định của Hội đồng bầu cử quốc gia" in c.get(url).content.decode()
    c.post(url, {"action": "no_additional", "reason": "NQ 748/NQ-HĐBCQG ngày 10/06/2021"})
    assert NoAdditionalElection.objects.get().reason == "NQ 748/NQ-HĐBCQG ngày 10/06/2021"
    assert AuditEvent.objects.filter(action="results.no_additional_election").count() == 1
    body = c.get(url).content.decode()
    assert 'id="no-additional"' not in body and 'value="additional"' not in body
    assert "không tổ chức bầu cử thêm cho 1 ghế còn thiếu" in body
    assert "NQ 748/NQ-HĐBCQG ngày 10/06/2021" in body
    c.post("/e/mini-2021/results/c/QH/", {"action": "publish"})
    assert ContestPublication.objects.filter(contest__code="QH").exists()


def test_refusals_are_said_in_vietnamese_on_the_pages_and_the_api(client, mini_election, make_user):
    import_count_minutes(
        election=mini_election, data={"format": "baucu.count/1", "minutes": qh_minutes()[:4]}
    )
    c = login(client, make_user("committee_member", "79"))
    contest = "/e/mini-2021/results/c/QH/"
    r = c.post(contest, {"action": "publish"}, follow=True)
    body = r.content.decode()
    assert "Còn thiếu biên bản kết quả kiểm phiếu (đã chốt / số khu vực bỏ phiếu)" in body
    assert "4/5" in body and "minutes missing" not in body
    assert "Trúng cử" in body and "Elected" not in body  # a column once left untranslated
    settle = "/e/mini-2021/results/pa/26734-01/QH/main/settle/"
    body = c.post(settle, {"action": "reopen", "reason": " "}, follow=True).content.decode()
    assert "Mở lại biên bản phải ghi lý do." in body and "reopening needs" not in body
    body = c.post(settle, {"action": "keep_third", "version": 1}, follow=True).content.decode()
    assert "Không có chênh lệch cần xử lý: biên bản ở trạng thái Đã chốt." in body
    r = c.get("/api/elections/mini-2021/results/?contest=XX")
    assert r.status_code == 404 and r.json()["detail"] == "Không có cuộc bầu cử này."

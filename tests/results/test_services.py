"""Double entry, checks, permissions, import and results on the database."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from common.models import AuditEvent
from election.models import Contest, ElectionBody, PollingArea, Role
from results import rules, selectors
from results.models import CountMinutes, MinutesEntry
from results.services import minutes as svc
from results.services.import_minutes import ImportRejected, import_count_minutes
from results.services.publication import PublicationError, contest_publish, vote_round_declare
from tests.results.conftest import QH, minute, qh_minutes

pytestmark = pytest.mark.django_db


def figures_for(m: dict, area: PollingArea) -> rules.Figures:
    cands = {
        c.full_name: c.id
        for c in area.assignments.get(contest__code=m["contest"]).constituency.candidates.all()
    }
    return rules.Figures(
        **{f: m[f] for f in rules.FIELDS},
        votes={cands[v["candidate"]]: v["votes"] for v in m["votes"]},
        valid_by_names_kept={int(k): n for k, n in m["valid_by_names_kept"].items()}
        if m.get("valid_by_names_kept")
        else None,
    )


def setup_minutes(election, code="26734-01", contest="QH"):
    area = PollingArea.objects.get(election=election, code=code)
    c = Contest.objects.get(election=election, code=contest)
    return area, svc.minutes_get_or_create(area=area, contest=c)


def qh(code):
    return next(m for m in qh_minutes() if m["polling_area"] == code)


def test_checked_import_gives_the_published_figures(mini_election, qh_doc):
    s = import_count_minutes(election=mini_election, data=qh_doc)
    assert (s.created, s.unchanged) == (5, 0)
    again = import_count_minutes(election=mini_election, data=qh_doc)
    assert (again.created, again.unchanged) == (0, 5)
    doc = selectors.results_document(
        election=mini_election, contest=mini_election.contests.get(code="QH")
    )
    (c,) = doc["constituencies"]
    assert c["voters_listed"] == 6350 and c["voters_voted"] == 6300
    assert (c["turnout_pct"], c["valid_pct"], c["invalid_pct"]) == ("99.21", "99.21", "0.79")
    assert c["polling_areas"] == c["polling_areas_reported"] == 5
    assert [(x["full_name"], x["votes"], x["pct"], x["elected"]) for x in c["candidates"]] == [
        ("Nguyễn Văn An", 5300, "84.80", True),
        ("Trần Thị Ánh", 4600, "73.60", True),
        ("Lê Văn Bình", 3760, "60.16", True),
        ("Đặng Thị Ân", 2550, "40.80", False),
        ("Phạm Minh An", 2540, "40.64", False),
    ]
    assert c["elected"] == QH[:3] and c["seats_unfilled"] == 0
    assert c["valid"] and not c["needs_revote"] and not c["needs_additional_election"]
    assert c["status"] == "provisional"
    assert any("78" in n for n in c["notes"])


def test_rejected_file_writes_nothing_and_names_the_rule(mini_election, qh_doc):
    qh_doc["minutes"][2]["ballots_valid"] += 1  # valid + invalid ≠ received
    with pytest.raises(ImportRejected) as exc:
        import_count_minutes(election=mini_election, data=qh_doc)
    assert [(p.index, p.code) for p in exc.value.problems if p.code == "F.201"] == [(2, "F.201")]
    assert CountMinutes.objects.count() == 0 and MinutesEntry.objects.count() == 0


def test_commands_exit_codes_and_json(mini_election, qh_doc, tmp_path, capsys):
    f = tmp_path / "m.json"
    f.write_text(json.dumps(qh_doc, ensure_ascii=False), encoding="utf-8")
    call_command("import_count_minutes", str(f), "--election", "mini-2021")
    with pytest.raises(CommandError) as e:
        call_command("import_count_minutes", str(f), "--election", "nope")
    assert e.value.returncode == 2
    bad = tmp_path / "bad.json"
    qh_doc["minutes"][0]["votes"][0]["candidate"] = "Không Có Ai"
    bad.write_text(json.dumps(qh_doc), encoding="utf-8")
    with pytest.raises(CommandError) as e:
        call_command("import_count_minutes", str(bad), "--election", "mini-2021")
    assert e.value.returncode == 1
    capsys.readouterr()
    call_command("election_results", "--election", "mini-2021", "--contest", "QH")
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "baucu.results/1" and doc["election"] == "mini-2021"
    assert doc["constituencies"][0]["elected"] == QH[:3]
    with pytest.raises(CommandError) as e:
        call_command("election_results", "--election", "mini-2021", "--format", "pdf")
    assert e.value.returncode == 2


def test_double_entry_equal_entries_become_definitive(mini_election, make_user):
    a = make_user("team_secretary", "26734", area="26734-01")
    b = make_user("ward_staff", "26734")
    area, m = setup_minutes(mini_election)
    fig = figures_for(qh("26734-01"), area)
    out = svc.minutes_enter(actor=a, minutes=m, figures=fig)
    assert out.minutes.status == "first_entry" and out.minutes.ballots_valid is None
    with pytest.raises(svc.WrongState):  # the same person cannot make the second entry
        svc.minutes_enter(actor=a, minutes=m, figures=fig)
    out = svc.minutes_enter(actor=b, minutes=m, figures=fig)
    m.refresh_from_db()
    assert m.status == "definitive" and m.ballots_valid == 1180
    assert sum(m.votes.values_list("votes", flat=True)) == 3540
    assert AuditEvent.objects.filter(action__startswith="minutes.entry").count() == 2
    with pytest.raises(svc.WrongState):  # nobody edits definitive minutes
        svc.minutes_enter(actor=b, minutes=m, figures=fig)


def test_different_entries_go_to_a_coordinator(mini_election, make_user):
    a = make_user("team_secretary", "26734", area="26734-01")
    b = make_user("ward_staff", "26734")
    boss = make_user("committee_member", "760")
    area, m = setup_minutes(mini_election)
    right = figures_for(qh("26734-01"), area)
    ids = sorted(right.votes)
    wrong_votes = dict(right.votes)
    wrong_votes[ids[0]] += 10
    wrong_votes[ids[1]] -= 10
    wrong = rules.Figures(**{**right.__dict__, "votes": wrong_votes})
    svc.minutes_enter(actor=a, minutes=m, figures=wrong)
    svc.minutes_enter(actor=b, minutes=m, figures=right)
    m.refresh_from_db()
    assert m.status == "different" and m.ballots_valid is None
    ev = AuditEvent.objects.get(action="minutes.entry2")
    assert ev.changes["extra"]["differences"] == [f"votes.{ids[0]}", f"votes.{ids[1]}"]
    with pytest.raises(PermissionDenied):  # entering staff cannot settle
        svc.minutes_resolve(actor=b, minutes=m, action="keep_second")
    with pytest.raises(svc.StaleVersion):
        svc.minutes_resolve(actor=boss, minutes=m, action="keep_second", expected_version=1)
    svc.minutes_resolve(actor=boss, minutes=m, action="keep_second", expected_version=m.version)
    m.refresh_from_db()
    assert (
        m.status == "definitive" and m.votes.get(candidate_id=ids[0]).votes == right.votes[ids[0]]
    )
    # reopening needs the coordinator and a reason; entries are kept as history
    with pytest.raises(PermissionDenied):
        svc.minutes_reopen(actor=a, minutes=m, reason="sai")
    with pytest.raises(svc.WrongState):
        svc.minutes_reopen(actor=boss, minutes=m, reason=" ")
    svc.minutes_reopen(actor=boss, minutes=m, reason="Tổ bầu cử báo sai số phiếu")
    m.refresh_from_db()
    assert m.status == "empty" and m.ballots_valid is None and not m.votes.exists()
    assert MinutesEntry.objects.filter(minutes=m, current=False).count() == 2
    ev = AuditEvent.objects.get(action="minutes.reopened")
    assert ev.changes["extra"]["reason"] == "Tổ bầu cử báo sai số phiếu"
    assert ev.changes["fields"]["ballots_valid"] == [1180, None]


def test_discard_one_entry_waits_for_a_new_second(mini_election, make_user):
    a = make_user("team_secretary", "26734", area="26734-01")
    b = make_user("ward_staff", "26734")
    boss = make_user("committee_member", "79")
    area, m = setup_minutes(mini_election)
    right = figures_for(qh("26734-01"), area)
    wrong = rules.Figures(**{**right.__dict__, "voters_listed": 1201})
    svc.minutes_enter(actor=a, minutes=m, figures=wrong)
    svc.minutes_enter(actor=b, minutes=m, figures=right)
    svc.minutes_resolve(actor=boss, minutes=m, action="discard_first")
    m.refresh_from_db()
    assert m.status == "first_entry"
    assert m.entries.get(current=True).entered_by == b
    svc.minutes_enter(actor=a, minutes=m, figures=right)
    m.refresh_from_db()
    assert m.status == "definitive"


def test_errors_block_and_warnings_need_acknowledgement(mini_election, make_user):
    a = make_user("team_secretary", "26734", area="26734-01")
    area, m = setup_minutes(mini_election)
    good = figures_for(qh("26734-01"), area)
    bad = rules.Figures(**{**good.__dict__, "ballots_received": 1191, "ballots_valid": 1181})
    with pytest.raises(svc.MinutesRejected) as e:
        svc.minutes_enter(actor=a, minutes=m, figures=bad)
    assert {f.code for f in e.value.findings} >= {"F.202", "F.208"}
    warn = rules.Figures(**{**good.__dict__, "ballots_issued": 1195})
    with pytest.raises(svc.NeedsAcknowledgement) as e:
        svc.minutes_enter(actor=a, minutes=m, figures=warn)
    assert [f.code for f in e.value.findings] == ["W.202"]
    out = svc.minutes_enter(actor=a, minutes=m, figures=warn, acknowledged=["W.202"])
    assert out.entry.acknowledged == ["W.202"]


def test_identical_vote_vectors_in_one_ward_warn(mini_election, make_user, qh_doc):
    import_count_minutes(
        election=mini_election, data={"format": "baucu.count/1", "minutes": [qh("26734-01")]}
    )
    a = make_user("team_secretary", "26734", area="26734-02")
    area, m = setup_minutes(mini_election, "26734-02")
    same = figures_for(qh("26734-01"), area)
    with pytest.raises(svc.NeedsAcknowledgement) as e:
        svc.minutes_enter(actor=a, minutes=m, figures=same)
    assert "W.204" in [f.code for f in e.value.findings]
    assert "26734-01" in e.value.findings[-1].message


def test_only_the_own_team_or_ward_staff_enter(mini_election, make_user):
    other = make_user("team_secretary", "26734", area="26734-02")
    elsewhere = make_user("ward_staff", "26737")
    observer = make_user("observer", "79")
    area, m = setup_minutes(mini_election)
    fig = figures_for(qh("26734-01"), area)
    for u in (other, elsewhere, observer):
        with pytest.raises(PermissionDenied):
            svc.minutes_enter(actor=u, minutes=m, figures=fig)


def test_concurrent_saves_never_lose_an_update_silently(mini_election, make_user):
    a = make_user("team_secretary", "26734", area="26734-01")
    b = make_user("ward_staff", "26734")
    area, m = setup_minutes(mini_election)
    fig = figures_for(qh("26734-01"), area)
    opened = m.version  # both forms opened on version 0
    svc.minutes_enter(actor=a, minutes=m, figures=fig, expected_version=opened)
    with pytest.raises(svc.StaleVersion):
        svc.minutes_enter(actor=b, minutes=m, figures=fig, expected_version=opened)


def test_board_member_sees_and_settles_only_its_constituency(mini_election, make_user):
    from election.access import Cap, can, can_constituency, can_settle_minutes

    user = make_user()
    board = ElectionBody.objects.get(constituency__contest__code="HDND-79", constituency__number=1)
    Role.objects.create(user=user, kind="committee_member", unit=board.unit, body=board)
    mine = board.constituency
    other = ElectionBody.objects.get(
        constituency__contest__code="HDND-79", constituency__number=2
    ).constituency
    qh1 = mini_election.contests.get(code="QH").constituencies.get()
    assert can_constituency(user, Cap.VIEW, mine) and can_constituency(user, Cap.APPROVE, mine)
    assert not can_constituency(user, Cap.VIEW, other)
    assert not can_constituency(user, Cap.VIEW, qh1)
    assert not can(user, Cap.VIEW, board.unit)  # not the whole city
    area = PollingArea.objects.get(code="26734-01")
    assert can_settle_minutes(user, area, mine) and not can_settle_minutes(user, area, qh1)
    assert selectors.visible_constituency_ids(user=user, election=mini_election) == {mine.id}


def council_doc(votes_a, votes_b, *, listed=1800, voted=1700, names=None):
    """HDND-27496 (2 seats, 3 candidates) in its single area 27496-01."""
    names = names or ["Lương Thị Oanh", "Quách Văn Phúc", "Tạ Thị Quyên"]
    valid = voted
    vs = dict(zip(names, [votes_a, votes_b, 2 * valid - votes_a - votes_b], strict=True))
    return {
        "format": "baucu.count/1",
        "minutes": [
            minute("27496-01", "HDND-27496", vs, listed=listed, voted=voted, kept={2: valid})
        ],
    }


def test_revote_then_results_recognised(mini_election, make_user):
    boss = make_user("committee_member", "27496")
    import_count_minutes(election=mini_election, data=council_doc(800, 800, voted=900))
    r = selectors.compute_results(
        election=mini_election, contest=mini_election.contests.get(code="HDND-27496")
    )[0]
    assert r.decision.needs_revote and not r.decision.elected  # 900 of 1800 is not more than half
    with pytest.raises(PermissionDenied):
        vote_round_declare(
            actor=make_user("ward_staff", "27496"), constituency=r.constituency, kind="revote"
        )
    vote_round_declare(actor=boss, constituency=r.constituency, kind="revote")
    with pytest.raises(PublicationError):
        vote_round_declare(actor=boss, constituency=r.constituency, kind="revote")
    doc = council_doc(600, 500, voted=800)
    doc["minutes"][0]["round"] = "revote"
    import_count_minutes(election=mini_election, data=doc)
    r = selectors.compute_results(election=mini_election, contest=r.contest)[0]
    assert r.round == "revote" and r.decision.valid and not r.decision.needs_revote
    assert [c.full_name for c in r.elected] == ["Lương Thị Oanh", "Quách Văn Phúc"]
    assert r.totals.voters_voted == 800


def test_additional_election_completes_the_council_result(mini_election, make_user):
    boss = make_user("committee_member", "27496")
    names = ["Lương Thị Oanh", "Quách Văn Phúc", "Tạ Thị Quyên"]
    first = minute(
        "27496-01",
        "HDND-27496",
        dict(zip(names, [1000, 400, 300], strict=True)),
        listed=1800,
        voted=1700,
        kept={1: 1700},
    )
    import_count_minutes(
        election=mini_election, data={"format": "baucu.count/1", "minutes": [first]}
    )
    contest = mini_election.contests.get(code="HDND-27496")
    r = selectors.compute_results(election=mini_election, contest=contest)[0]
    assert [c.full_name for c in r.elected] == ["Lương Thị Oanh"]
    assert r.decision.needs_additional  # 1 of 2 seats: under two thirds
    vote_round_declare(actor=boss, constituency=r.constituency, kind="additional")
    area = PollingArea.objects.get(code="27496-01")
    m = svc.minutes_get_or_create(area=area, contest=contest, round="additional")
    assert [
        c.full_name
        for c in selectors.minutes_candidates(constituency=r.constituency, round="additional")
    ] == names[1:]
    second = minute(
        "27496-01",
        "HDND-27496",
        {names[1]: 900, names[2]: 500},
        listed=1800,
        voted=1400,
        kept={1: 1400},
        round="additional",
    )
    with pytest.raises(ImportRejected):  # the elected candidate is not on this ballot
        bad = dict(second, votes=second["votes"] + [{"candidate": names[0], "votes": 1}])
        import_count_minutes(
            election=mini_election, data={"format": "baucu.count/1", "minutes": [bad]}
        )
    import_count_minutes(
        election=mini_election, data={"format": "baucu.count/1", "minutes": [second]}
    )
    m.refresh_from_db()
    assert m.status == "definitive"
    r = selectors.compute_results(election=mini_election, contest=contest)[0]
    assert [c.full_name for c in r.elected] == ["Lương Thị Oanh", "Quách Văn Phúc"]
    assert r.decision.seats_unfilled == 0 and not r.decision.needs_additional
    j = r.as_json()
    assert j["elected"] == names[:2]
    assert any("Art 79" in n or "Điều 79" in n for n in j["notes"])


def tied_council(election) -> Contest:
    """HDND-27496 (2 seats): Oanh 1000 elected, Phúc and Quyên 900 each with the same birth
    date at the last seat: undecidable by Art 78(4)."""
    from election.models import Candidate

    Candidate.objects.filter(full_name__in=["Quách Văn Phúc", "Tạ Thị Quyên"]).update(
        birth_date="1970-09-19"
    )
    names = ["Lương Thị Oanh", "Quách Văn Phúc", "Tạ Thị Quyên"]
    m = minute(
        "27496-01",
        "HDND-27496",
        dict(zip(names, [1000, 900, 900], strict=True)),
        listed=1800,
        voted=1700,
        kept={1: 600, 2: 1100},
    )
    import_count_minutes(election=election, data={"format": "baucu.count/1", "minutes": [m]})
    return election.contests.get(code="HDND-27496")


def test_undecidable_tie_decided_by_the_committee_then_published(mini_election, make_user):
    from results.models import TieDecision
    from results.services.publication import tie_decide

    contest = tied_council(mini_election)
    boss = make_user("committee_member", "27496")
    (r,) = selectors.compute_results(election=mini_election, contest=contest)
    tied = {c.full_name: c.id for c in r.candidates if c.undecided}
    assert set(tied) == {"Quách Văn Phúc", "Tạ Thị Quyên"}
    with pytest.raises(PublicationError):
        contest_publish(actor=boss, contest=contest)
    oanh = next(c.id for c in r.candidates if c.elected)
    for wrong in ([oanh], [tied["Quách Văn Phúc"], tied["Tạ Thị Quyên"]]):
        with pytest.raises(PublicationError):
            tie_decide(actor=boss, constituency=r.constituency, candidate_ids=wrong, reason="x")
    with pytest.raises(PermissionDenied):  # the Committee of the contest decides
        tie_decide(
            actor=make_user("ward_staff", "27496"),
            constituency=r.constituency,
            candidate_ids=[tied["Tạ Thị Quyên"]],
            reason="x",
        )
    assert not TieDecision.objects.exists()
    tie = tie_decide(
        actor=boss,
        constituency=r.constituency,
        candidate_ids=[tied["Tạ Thị Quyên"]],
        reason="bốc thăm tại phiên họp",
    )
    ev = AuditEvent.objects.get(action="results.tie_decided")
    assert ev.actor == boss and ev.object_id == str(tie.pk)
    (r,) = selectors.compute_results(election=mini_election, contest=contest)
    assert [c.full_name for c in r.elected] == ["Lương Thị Oanh", "Tạ Thị Quyên"]
    assert not r.decision.undecided and r.decision.seats_unfilled == 0
    decided = next(i for i, n in enumerate(r.notes) if "bốc thăm tại phiên họp" in n)
    filled = next(i for i, n in enumerate(r.notes) if n.startswith("Đã bầu đủ"))
    assert decided < filled == len(r.notes) - 1  # the decision, then the seats filled
    pub = contest_publish(actor=boss, contest=contest)
    (c,) = pub.snapshot["constituencies"]
    assert c["elected"] == ["Lương Thị Oanh", "Tạ Thị Quyên"] and c["undecided"] == []


def qh_short(qh_doc) -> dict:
    """The QH minutes with the third candidate below half: votes moved to the last two."""
    for m in qh_doc["minutes"]:
        v = {x["candidate"]: x for x in m["votes"]}
        rest = 3 * m["ballots_valid"] - v[QH[0]]["votes"] - v[QH[1]]["votes"]
        for name, part in zip(QH[2:], [rest // 3, rest // 3, rest - 2 * (rest // 3)], strict=True):
            v[name]["votes"] = part
    return qh_doc


def test_national_assembly_shortfall_needs_additional(mini_election, qh_doc):
    import_count_minutes(election=mini_election, data=qh_short(qh_doc))
    r = selectors.compute_results(
        election=mini_election, contest=mini_election.contests.get(code="QH")
    )[0]
    assert len(r.elected) == 2 and r.decision.needs_additional and r.decision.seats_unfilled == 1


def test_na_shortfall_without_additional_election_is_recorded_then_published(
    mini_election, make_user, qh_doc
):
    """Art 79: the National Election Council decides whether the NA shortfall gets an
    additional election; 2021 held none for the 500th seat (domain.md §6.5, §6.8)."""
    from results.models import NoAdditionalElection
    from results.services.publication import no_additional_decide

    qh_contest = mini_election.contests.get(code="QH")
    const = qh_contest.constituencies.get()
    boss = make_user("committee_member", "79")
    doc = qh_short(qh_doc)
    import_count_minutes(
        election=mini_election, data={"format": "baucu.count/1", "minutes": doc["minutes"][:4]}
    )
    with pytest.raises(PublicationError, match="4/5"):  # the shortfall is not final yet
        no_additional_decide(actor=boss, constituency=const, reason="NQ 748/NQ-HĐBCQG")
    import_count_minutes(election=mini_election, data=doc)
    with pytest.raises(PublicationError, match="Bầu cử thêm"):
        contest_publish(actor=boss, contest=qh_contest)
    board = ElectionBody.objects.get(constituency=const)
    member = make_user()  # the Board reports the shortfall, it does not decide it
    Role.objects.create(user=member, kind="committee_member", unit=board.unit, body=board)
    for who in (make_user("ward_staff", "79"), make_user("committee_member", "760"), member):
        with pytest.raises(PermissionDenied):
            no_additional_decide(actor=who, constituency=const, reason="NQ 748/NQ-HĐBCQG")
    with pytest.raises(PublicationError, match="Hội đồng bầu cử quốc gia"):
        no_additional_decide(actor=boss, constituency=const, reason="  ")
    council = mini_election.contests.get(code="HDND-27496").constituencies.get()
    import_count_minutes(election=mini_election, data=council_doc(1700, 850))
    with pytest.raises(PublicationError, match="hai phần ba"):
        no_additional_decide(actor=boss, constituency=council, reason="x")
    assert not NoAdditionalElection.objects.exists()
    assert not AuditEvent.objects.filter(action="results.no_additional_election").exists()

    rec = no_additional_decide(actor=boss, constituency=const, reason="NQ 748/NQ-HĐBCQG")
    assert (rec.round, rec.seats_unfilled, rec.decided_by) == ("main", 1, boss)
    ev = AuditEvent.objects.get(action="results.no_additional_election")
    assert (ev.actor, ev.object_id, ev.election_id) == (boss, str(rec.pk), mini_election.pk)
    assert ev.changes["fields"]["seats_unfilled"][1] == 1
    with pytest.raises(PublicationError, match="đã được ghi nhận"):
        no_additional_decide(actor=boss, constituency=const, reason="again")
    with pytest.raises(PublicationError, match="không bầu cử thêm"):
        vote_round_declare(actor=boss, constituency=const, kind="additional")

    (r,) = selectors.compute_results(election=mini_election, contest=qh_contest)
    assert [c.full_name for c in r.elected] == QH[:2] and r.decision.seats_unfilled == 1
    assert not r.decision.needs_additional and r.awaiting_round is None
    assert "NQ 748/NQ-HĐBCQG" in r.notes[-1] and "Điều 79" in r.notes[-1]
    pub = contest_publish(actor=boss, contest=qh_contest)
    (c,) = pub.snapshot["constituencies"]
    assert c["elected"] == QH[:2] and c["seats_unfilled"] == 1
    assert c["needs_additional_election"] is False and c["no_additional_election"] is True
    assert any("NQ 748/NQ-HĐBCQG" in n for n in c["notes"])


def test_publication_needs_every_minute(mini_election, make_user, qh_doc):
    boss = make_user("committee_member", "79")
    qh_contest = mini_election.contests.get(code="QH")
    import_count_minutes(
        election=mini_election, data={"format": "baucu.count/1", "minutes": qh_doc["minutes"][:4]}
    )
    with pytest.raises(PublicationError):
        contest_publish(actor=boss, contest=qh_contest)
    import_count_minutes(election=mini_election, data=qh_doc)
    with pytest.raises(PermissionDenied):
        contest_publish(actor=make_user("committee_member", "760"), contest=qh_contest)
    assert not AuditEvent.objects.filter(action="results.published").exists()
    pub = contest_publish(actor=boss, contest=qh_contest)
    assert len(pub.sha256) == 64
    ev = AuditEvent.objects.get(action="results.published")
    assert (ev.actor, ev.object_id, ev.election_id) == (boss, str(pub.pk), mini_election.pk)
    assert ev.changes["fields"]["sha256"][1] == pub.sha256
    r = selectors.compute_results(election=mini_election, contest=qh_contest)[0]
    assert r.official and r.as_json()["status"] == "official"


def test_progress_names_missing_areas(mini_election, qh_doc):
    import_count_minutes(
        election=mini_election, data={"format": "baucu.count/1", "minutes": qh_doc["minutes"][:2]}
    )
    root = mini_election.root
    p = {x["contest"].code: x for x in selectors.progress(election=mini_election, unit=root)}
    assert (p["QH"]["total"], p["QH"]["definitive"], p["QH"]["missing"]) == (5, 2, 3)
    assert [a["code"] for a in p["QH"]["missing_areas"]] == ["26737-01", "27496-01", "27499-01"]
    assert {c["unit"].code: c["definitive"] for c in p["QH"]["children"]} == {"760": 2, "783": 0}
    roll = selectors.unit_rollup(
        election=mini_election, unit=root, contest=mini_election.contests.get(code="QH")
    )
    assert roll["totals"].voters_listed == 1550
    assert [(c["unit"].code, c["totals"].voters_voted) for c in roll["children"]] == [("760", 1540)]


def test_rollup_tree_matches_unit_rollup(mini_election, qh_doc):
    from election.models import AdminUnit

    import_count_minutes(election=mini_election, data=qh_doc)
    tree = selectors.rollup_tree(election=mini_election)
    qh = mini_election.contests.get(code="QH")
    for code in ("79", "760", "783", "26734"):
        unit = AdminUnit.objects.get(tree=mini_election.tree, code=code)
        direct = selectors.unit_rollup(election=mini_election, unit=unit, contest=qh)["totals"]
        assert tree[(unit.id, qh.id)] == direct
    assert tree[(mini_election.root_id, qh.id)].voters_listed == 6350


def test_minutes_compared_with_the_last_turnout_report(mini_election, make_user, monkeypatch):
    a = make_user("team_secretary", "26734", area="26734-01")
    area, m = setup_minutes(mini_election)
    monkeypatch.setattr(selectors, "turnout_reported", lambda **kw: {area.id: 1180})
    fig = figures_for(qh("26734-01"), area)
    with pytest.raises(svc.NeedsAcknowledgement) as e:
        svc.minutes_enter(actor=a, minutes=m, figures=fig)
    assert [f.code for f in e.value.findings] == ["W.203"]
    monkeypatch.setattr(selectors, "turnout_reported", lambda **kw: {area.id: 1190})
    assert svc.minutes_enter(actor=a, minutes=m, figures=fig).minutes.status == "first_entry"


def test_voters_listed_prefilled_from_the_voter_list_needs_a_reason_to_differ(
    mini_election, make_user, monkeypatch
):
    a = make_user("team_secretary", "26734", area="26734-01")
    area, m = setup_minutes(mini_election)
    qh_id = mini_election.contests.get(code="QH").id
    monkeypatch.setattr(selectors, "listed_prefill", lambda **kw: {(area.id, qh_id): 1201})
    fig = figures_for(qh("26734-01"), area)
    with pytest.raises(svc.MinutesRejected) as e:
        svc.minutes_enter(actor=a, minutes=m, figures=fig)
    assert [f.code for f in e.value.findings] == ["F.210"]
    fig = rules.Figures(**{**fig.__dict__, "voters_listed_reason": "1 cử tri từ trần ngày 22/5"})
    assert svc.minutes_enter(actor=a, minutes=m, figures=fig).minutes.status == "first_entry"


def test_listed_prefill_reads_the_voter_lists(mini_election):
    area = PollingArea.objects.get(code="26734-01")
    # no voters imported: nothing is pre-filled (empty field, not 0)
    assert selectors.listed_prefill(election=mini_election, area_ids=[area.id]) == {}


def test_listed_prefill_counts_the_voters_of_each_contest(db, mini_doc, tmp_path):
    """Wired to voters.selectors.listed_counts_by_contest: the entry form is pre-filled."""
    from django.core.management import call_command

    from election.services.definition_import import import_definition
    from tests.voters.conftest import ELECTION_DAY, row, write_rows

    mini_doc["election"]["date"] = ELECTION_DAY.isoformat()
    election = import_definition(data=mini_doc, source="test").election
    rows = [
        row(national_id=f"0790850000{i:02d}", full_name=f"Nguyễn Văn {n}", household_code=f"H{i}")
        for i, n in enumerate(["An", "Bình", "Cường"], 1)
    ]
    f = write_rows(tmp_path / "v.csv", rows)
    call_command("import_voters", str(f), "--election", election.slug)
    area = PollingArea.objects.get(election=election, code="26734-01")
    got = selectors.listed_prefill(election=election, area_ids=[area.id])
    codes = {c.id: c.code for c in election.contests.all()}
    assert {codes[c]: n for (_, c), n in got.items()} == {"QH": 3, "HDND-79": 3}


NAMES_27496 = ["Lương Thị Oanh", "Quách Văn Phúc", "Tạ Thị Quyên"]


def test_published_hcmc_2021_turnout_reproduced(mini_election):
    """HCMC 2021: 5,421,028 of 5,455,060 voters voted = 99,38 % (domain.md §7.1)."""
    m = minute(
        "27496-01",
        "HDND-27496",
        dict(zip(NAMES_27496, [4_000_000, 3_800_000, 3_000_000], strict=True)),
        listed=5_455_060,
        voted=5_421_028,
        invalid=21_028,
        kept={2: 5_400_000},
    )
    import_count_minutes(election=mini_election, data={"format": "baucu.count/1", "minutes": [m]})
    (c,) = selectors.results_document(
        election=mini_election, contest=mini_election.contests.get(code="HDND-27496")
    )["constituencies"]
    assert c["turnout_pct"] == "99.38"
    assert c["invalid_pct"] == "0.39"  # 21,028 / 5,421,028 = 0.3879 %
    assert c["valid_pct"] == "99.61"  # and the two add up to 100.00


def test_published_huong_tra_tally_reproduced(mini_election):
    """Hương Trà 2021: 91,932 ballots electing 2 + 1,003 electing 1 = 184,867 votes
    (domain.md §5.8): the identity holds to the vote, and one vote off is refused."""
    kept = {2: 91_932, 1: 1_003}
    votes = dict(zip(NAMES_27496, [90_000, 80_000, 14_867], strict=True))
    m = minute("27496-01", "HDND-27496", votes, listed=100_000, voted=93_000, invalid=65, kept=kept)
    off = minute(
        "27496-01",
        "HDND-27496",
        {**votes, NAMES_27496[2]: 14_866},
        listed=100_000,
        voted=93_000,
        invalid=65,
        kept=kept,
    )
    with pytest.raises(ImportRejected) as e:
        import_count_minutes(
            election=mini_election, data={"format": "baucu.count/1", "minutes": [off]}
        )
    assert [p.code for p in e.value.problems] == ["F.205"]
    import_count_minutes(election=mini_election, data={"format": "baucu.count/1", "minutes": [m]})
    r = selectors.compute_results(
        election=mini_election, contest=mini_election.contests.get(code="HDND-27496")
    )[0]
    assert r.totals.ballots_valid == 92_935
    assert [c.full_name for c in r.elected] == NAMES_27496[:2]  # 90,000 and 80,000 > 46,467.5


def test_ngoc_thuy_percentages_recomputed():
    """Ngọc Thụy 2021 printed 93,19 % for 2,380/2,544 and 94,15 % for 810/860; the system
    computes 93,55 % and 94,19 % (domain.md §4.3)."""
    from common.vn import percent_str

    assert percent_str(2380, 2544) == "93.55"
    assert percent_str(810, 860) == "94.19"
    assert percent_str(76_043_527, 76_516_637) == "99.38"  # national 2026, 20:00


def test_stored_invalid_threshold_decides_whether_w201_fires(client, mini_election, make_user):
    """26734-01 has 10 invalid of 1,190 ballots received (0,84 %): under the default 3,00 %,
    above a 0,50 % threshold set in the admin."""
    from django.urls import reverse

    from results.models import ResultsSettings

    admin = make_user(superuser=True)
    client.force_login(admin)
    r = client.post(
        reverse("admin:results_resultssettings_add"),
        {"election": mini_election.pk, "invalid_warning_pct": "0.50", "turnout_tolerance": "0"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    stored = ResultsSettings.objects.get(election=mini_election)
    ev = AuditEvent.objects.get(action="admin.add", object_id=str(stored.pk))
    assert ev.actor == admin and ev.election_id == mini_election.pk
    area, m = setup_minutes(mini_election)
    clerk = make_user("team_secretary", "26734", area="26734-01")
    with pytest.raises(svc.NeedsAcknowledgement) as exc:
        svc.minutes_enter(actor=clerk, minutes=m, figures=figures_for(qh("26734-01"), area))
    assert [f.code for f in exc.value.findings] == ["W.201"]
    stored.invalid_warning_pct = "3.00"
    stored.save()
    out = svc.minutes_enter(actor=clerk, minutes=m, figures=figures_for(qh("26734-01"), area))
    assert out.findings == [] and out.minutes.status == "first_entry"


def test_publication_waits_for_a_revote_or_additional_election(mini_election, make_user):
    """domain.md §5.7: the Committee's minute is made after the re-vote or additional vote."""
    boss = make_user("committee_member", "27496")
    contest = mini_election.contests.get(code="HDND-27496")
    import_count_minutes(election=mini_election, data=council_doc(800, 800, voted=900))
    with pytest.raises(PublicationError, match="Bầu cử lại"):
        contest_publish(actor=boss, contest=contest)
    CountMinutes.objects.all().delete()
    names = ["Lương Thị Oanh", "Quách Văn Phúc", "Tạ Thị Quyên"]
    first = minute(
        "27496-01",
        "HDND-27496",
        dict(zip(names, [1000, 400, 300], strict=True)),
        listed=1800,
        voted=1700,
        kept={1: 1700},
    )
    import_count_minutes(
        election=mini_election, data={"format": "baucu.count/1", "minutes": [first]}
    )
    (r,) = selectors.compute_results(election=mini_election, contest=contest)
    assert r.complete and r.decision.needs_additional and not r.decision.undecided
    with pytest.raises(PublicationError, match="Bầu cử thêm"):
        contest_publish(actor=boss, contest=contest)
    vote_round_declare(actor=boss, constituency=r.constituency, kind="additional")
    with pytest.raises(PublicationError, match="Bầu cử thêm"):
        contest_publish(actor=boss, contest=contest)
    second = minute(
        "27496-01",
        "HDND-27496",
        {names[1]: 900, names[2]: 500},
        listed=1800,
        voted=1400,
        kept={1: 1400},
        round="additional",
    )
    import_count_minutes(
        election=mini_election, data={"format": "baucu.count/1", "minutes": [second]}
    )
    pub = contest_publish(actor=boss, contest=contest)
    assert pub.snapshot["constituencies"][0]["elected"] == names[:2]


def test_import_entry_first_or_second_must_match_the_state(mini_election, tmp_path, capsys):
    f = tmp_path / "one.json"
    doc = {"format": "baucu.count/1", "minutes": [qh("26734-01")]}
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    def run(entry: str) -> None:
        call_command("import_count_minutes", str(f), "--election", "mini-2021", "--entry", entry)

    def state() -> tuple[str, int]:
        m = CountMinutes.objects.filter(polling_area__code="26734-01", contest__code="QH").first()
        return (m.status, m.entries.filter(current=True).count()) if m else ("empty", 0)

    with pytest.raises(CommandError) as e:
        run("second")  # nothing entered yet
    assert e.value.returncode == 1 and "lần 2" in capsys.readouterr().err
    assert state() == ("empty", 0)
    run("first")
    assert state() == ("first_entry", 1)
    with pytest.raises(CommandError):
        run("first")
    assert state() == ("first_entry", 1)
    run("second")
    assert state() == ("definitive", 2)
    with pytest.raises(CommandError):
        run("second")
    assert state() == ("definitive", 2)

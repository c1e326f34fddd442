"""When an election may switch between real and rehearsal: the rule (pure), the service, the
model validation (admin), the definition import and the command line."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.models import AuditEvent
from election import rules
from election.models import Election
from election.services import rehearsal
from tests.rehearsal.conftest import data_rows

DAY = dt.date(2031, 5, 25)


def refusal(**kw):  # noqa: ANN003, ANN201
    base = {
        "to_rehearsal": True,
        "today": DAY - dt.timedelta(days=10),
        "first_day": DAY,
        "turnout_reports": 0,
        "count_minutes": 0,
        "rehearsal_data": 0,
    }
    return rules.rehearsal_switch_refusal(**{**base, **kw})


def test_rule_real_to_rehearsal():
    assert refusal() is None
    assert refusal(today=DAY - dt.timedelta(days=1)) is None
    assert refusal(today=DAY) == rules.VOTING_STARTED
    assert refusal(today=DAY + dt.timedelta(days=300)) == rules.VOTING_STARTED
    assert refusal(turnout_reports=1) == rules.TURNOUT_REPORTED
    assert refusal(count_minutes=1) == rules.MINUTES_EXIST
    # leftover rehearsal data does not matter in this direction
    assert refusal(rehearsal_data=10) is None


def test_rule_rehearsal_to_real():
    assert refusal(to_rehearsal=False) is None
    assert refusal(to_rehearsal=False, rehearsal_data=1) == rules.NOT_WIPED
    # a rehearsal may become real on or after its date once wiped (it was a dry run)
    assert refusal(to_rehearsal=False, today=DAY + dt.timedelta(days=1)) is None


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dates(), st.lists(st.one_of(st.none(), st.dates()), max_size=5))
def test_first_polling_day_is_the_earliest(day, areas):
    first = rules.first_polling_day(day, areas)
    assert first <= day and all(first <= d for d in areas if d)
    assert first in [day, *areas]


@pytest.fixture
def future_real(db, mini_doc):
    """A real election whose polling day is ahead (lists being made)."""
    from election.services.definition_import import import_definition

    mini_doc["election"]["date"] = DAY.isoformat()
    return import_definition(data=mini_doc, source="test").election


def test_a_future_real_election_may_become_a_rehearsal_and_back(future_real, boss):
    rehearsal.election_set_rehearsal(actor=boss, election=future_real, rehearsal=True)
    future_real.refresh_from_db()
    assert future_real.is_rehearsal
    rehearsal.election_set_rehearsal(actor=boss, election=future_real, rehearsal=False)
    future_real.refresh_from_db()
    assert not future_real.is_rehearsal
    actions = list(
        AuditEvent.objects.filter(election_id=future_real.pk, action__startswith="election.rehe")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["election.rehearsal_on", "election.rehearsal_off"]


def test_early_voting_counts_as_the_first_polling_day(future_real, boss):
    area = future_real.polling_areas.get(code="27499-01")
    area.polling_day = dt.date.today()
    area.save()
    with pytest.raises(rehearsal.RehearsalError):
        rehearsal.election_set_rehearsal(actor=boss, election=future_real, rehearsal=True)
    future_real.refresh_from_db()
    assert not future_real.is_rehearsal


def test_a_turnout_report_or_minutes_forbid_the_switch(future_real, boss):
    from realtime.models import TurnoutReport
    from results.models import CountMinutes

    area = future_real.polling_areas.get(code="26734-01")
    report = TurnoutReport.objects.create(
        election=future_real,
        polling_area=area,
        slot="09:00",
        voted=1,
        listed=3,
        reported_at=timezone.now(),
    )
    with translation.override("vi"), pytest.raises(rehearsal.RehearsalError) as refused:
        rehearsal.election_set_rehearsal(actor=boss, election=future_real, rehearsal=True)
    assert "báo cáo" in refused.value.messages[0]  # Vietnamese by default
    report.delete()
    contest = future_real.contests.get(code="QH")
    CountMinutes.objects.create(
        polling_area=area, contest=contest, constituency=contest.constituencies.get(number=1)
    )
    with pytest.raises(rehearsal.RehearsalError):
        rehearsal.election_set_rehearsal(actor=boss, election=future_real, rehearsal=True)
    future_real.refresh_from_db()
    assert not future_real.is_rehearsal


def test_a_real_election_past_its_day_cannot_become_a_rehearsal(filled, boss):
    real, _dry = filled
    with translation.override("vi"), pytest.raises(rehearsal.RehearsalError) as refused:
        rehearsal.election_set_rehearsal(actor=boss, election=real, rehearsal=True)
    assert "23/05/2021" in refused.value.messages[0]
    assert "diễn tập" in refused.value.messages[0]
    real.refresh_from_db()
    assert not real.is_rehearsal


def test_a_rehearsal_with_data_cannot_become_real(filled, boss):
    _real, dry = filled
    with translation.override("vi"), pytest.raises(rehearsal.RehearsalError) as refused:
        rehearsal.election_set_rehearsal(actor=boss, election=dry, rehearsal=False)
    assert "xóa" in refused.value.messages[0]
    dry.refresh_from_db()
    assert dry.is_rehearsal
    rehearsal.wipe_rehearsal(actor=boss, election=dry)
    rehearsal.election_set_rehearsal(actor=boss, election=dry, rehearsal=False)
    dry.refresh_from_db()
    assert not dry.is_rehearsal
    # and once real, it can never be wiped
    with pytest.raises(rehearsal.RehearsalError):
        rehearsal.wipe_rehearsal(actor=boss, election=dry)


def test_model_validation_refuses_the_switch(filled):
    from django.core.exceptions import ValidationError

    real, dry = filled
    real.is_rehearsal = True
    with pytest.raises(ValidationError) as refused:
        real.full_clean()
    assert "is_rehearsal" in refused.value.message_dict
    dry.is_rehearsal = False
    with pytest.raises(ValidationError):
        dry.full_clean()
    fresh = Election.objects.get(pk=dry.pk)
    fresh.name = "Diễn tập lần 2"
    fresh.full_clean()  # no switch: nothing to refuse


def _admin_post(client, election, **changes):  # noqa: ANN001, ANN003, ANN202
    data = {
        "slug": election.slug,
        "name": election.name,
        "date": election.date.isoformat(),
        "tree": election.tree_id,
        "root": election.root_id,
        "turnout_slots": '["09:00", "11:00", "14:00", "17:00", "19:00"]',
        "contests-TOTAL_FORMS": "0",
        "contests-INITIAL_FORMS": "0",
        "contests-MIN_NUM_FORMS": "0",
        "contests-MAX_NUM_FORMS": "1000",
        **changes,
    }
    if data.pop("is_rehearsal", election.is_rehearsal):
        data["is_rehearsal"] = "on"
    return client.post(reverse("admin:election_election_change", args=[election.pk]), data)


def test_admin_refuses_the_switch_with_a_clear_error(filled, client, boss):
    real, dry = filled
    client.force_login(boss)
    response = _admin_post(client, real, is_rehearsal=True)
    assert response.status_code == 200  # the form again, with the error
    assert "bỏ phiếu đã bắt đầu" in response.content.decode()
    real.refresh_from_db()
    assert not real.is_rehearsal
    response = _admin_post(client, dry, is_rehearsal=False)
    assert response.status_code == 200
    dry.refresh_from_db()
    assert dry.is_rehearsal
    # once wiped, the admin may make it real (audited as an admin change)
    rehearsal.wipe_rehearsal(actor=boss, election=dry)
    response = _admin_post(client, dry, is_rehearsal=False)
    assert response.status_code == 302, response.content.decode()[:2000]
    dry.refresh_from_db()
    assert not dry.is_rehearsal
    change = AuditEvent.objects.get(
        action="admin.change", object_type="election.Election", object_id=str(dry.pk)
    )
    assert change.changes["fields"]["is_rehearsal"] == [True, False]


def test_definition_import_cannot_flip_a_started_election(filled, mini_doc):
    from election.definition import DefinitionError
    from election.services.definition_import import import_definition

    real, _dry = filled
    doc = {**mini_doc, "election": {**mini_doc["election"], "rehearsal": True}}
    with pytest.raises(DefinitionError) as refused:
        import_definition(data=doc, source="test")
    assert refused.value.problems[0].path == "$.election.rehearsal"
    real.refresh_from_db()
    assert not real.is_rehearsal


def test_command_wipes_only_with_the_slug_or_yes(filled, monkeypatch, capsys):
    real, dry = filled
    before_real = data_rows(real)
    before = data_rows(dry)
    monkeypatch.setattr("builtins.input", lambda: "mini-2021")
    with pytest.raises(CommandError) as refused:
        call_command("wipe_rehearsal", election=dry.slug)
    assert refused.value.returncode == 1
    assert data_rows(dry) == before
    with pytest.raises(CommandError) as refused:
        call_command("wipe_rehearsal", election=real.slug, yes=True)
    assert refused.value.returncode == 1
    assert data_rows(real) == before_real
    monkeypatch.setattr("builtins.input", lambda: dry.slug)
    call_command("wipe_rehearsal", election=dry.slug, json=True)
    out = capsys.readouterr().out
    assert '"voters.voters": 15' in out
    assert sum(data_rows(dry).values()) == 0
    assert data_rows(real) == before_real
    assert AuditEvent.objects.get(action="rehearsal.wiped").source == "cli"


def test_command_exit_codes(filled):
    import subprocess
    import sys

    from django.conf import settings as django_settings

    _real, dry = filled
    # usage error: exit 2 (no database needed to find it out)
    done = subprocess.run(
        [sys.executable, "manage.py", "wipe_rehearsal"],
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
    )
    assert done.returncode == 2
    with pytest.raises(CommandError) as refused:
        call_command("wipe_rehearsal", election="no-such-election", yes=True)
    assert refused.value.returncode == 1

"""Redis (the private instance) stopped during turnout reporting, behind the production web stack:
reports are still accepted and stored (the database is the truth), an open dashboard in Chromium
says it is offline, and catches up by itself when Redis is back."""

from __future__ import annotations

import json

import pytest

from tests.browser_support import login, shot
from tests.faults import support
from tests.faults.conftest import TOKENS, voter_file
from tests.faults.test_worker_killed import IMPORT_NOW

pytestmark = [pytest.mark.stack, pytest.mark.browser]

DASHBOARD = "/e/mini-2021/turnout/u/760/"


def test_redis_down_reports_kept_dashboard_offline_then_catches_up(site, browser):
    from playwright.sync_api import expect

    auth = {"Authorization": "Token " + TOKENS["secretary"], "Accept": "application/json"}
    upload = site.var / "voters.csv"
    n = voter_file(upload, ["26734-01"], 600)
    assert site.django(f"PATH = {str(upload)!r}\n" + IMPORT_NOW) == n
    env = site.env(BAUCU_CLOCK="2021-05-23T11:30:00+07:00")  # on polling day
    with support.serve(env, site.var / "web.log"):
        support.wait_port(support.WEB_PORT, timeout=60)
        base = f"http://127.0.0.1:{support.WEB_PORT}"
        ctx = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        page.set_default_timeout(20000)
        page.base = base
        login(page, "district", support.PASSWORD)
        page.goto(base + DASHBOARD)
        expect(page.locator("#live")).to_have_attribute("data-state", "open")
        assert page.locator("#t-voted").inner_text() == "0"

        site.redis.stop()
        # the open dashboard says it is offline: with the pub/sub layer its socket stays open
        # but the coalescer's heartbeat stops, and the page gives up after three missed beats
        expect(page.locator("#live")).to_have_attribute("data-state", "closed", timeout=15000)
        expect(page.locator("#live")).to_contain_text("Mất kết nối")
        shot(page, "faults-dashboard-offline")

        # a report made meanwhile is accepted and stored
        web = support.Web()
        report = {"polling_area": "26734-01", "election": "mini-2021", "slot": "09:00"}
        status, text, _ = web.request(
            "POST", "/api/turnout/", body={**report, "voted": 321}, headers=auth
        )
        assert status in (200, 201), text[:2000]
        assert site.one("SELECT voted FROM realtime_turnoutreport") == 321
        # and any page reading turnout still works, from the database
        district = support.Web()
        district.login("district")
        status, text, _ = district.request("GET", DASHBOARD)
        assert status == 200, text[:2000]
        data = json.loads(text.split('id="turnout-data"', 1)[1].split(">", 1)[1].split("<", 1)[0])
        assert data["voted"] == 321
        assert page.locator("#t-voted").inner_text() == "0"  # the open page is not updated

        site.redis.start()
        # it reconnects by itself and catches up with the report made while Redis was down
        expect(page.locator("#live")).to_have_attribute("data-state", "open", timeout=30000)
        expect(page.locator("#t-voted")).to_have_text("321", timeout=10000)
        shot(page, "faults-dashboard-back")
        ctx.close()

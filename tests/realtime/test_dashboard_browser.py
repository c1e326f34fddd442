"""The dashboard in a real Chromium: it updates over the websocket, without a reload, when a
Team secretary sends a report from the (phone) reporting page.

The pages are served by uvicorn in a thread of this process (the full ASGI app: HTTP and
websockets), on 127.0.0.1:8153, so the test's clock and in-memory layer are shared with it.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from tests.browser_support import login, shot
from tests.conftest import PASSWORD
from tests.realtime.conftest import add_voters

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PORT = 8153


@pytest.fixture
def asgi_server():
    import uvicorn
    from channels.routing import ProtocolTypeRouter
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from config.asgi import application

    app = ProtocolTypeRouter(
        {
            "http": ASGIStaticFilesHandler(application.application_mapping["http"]),
            "websocket": application.application_mapping["websocket"],
        }
    )
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=PORT, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", PORT)) == 0:
                break
        time.sleep(0.1)
    else:
        raise TimeoutError("uvicorn did not start")
    yield f"http://127.0.0.1:{PORT}"
    server.should_exit = True
    thread.join(timeout=10)


def _context(browser, base: str, **kw):
    context = browser.new_context(locale="vi-VN", **kw)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base = base
    return context, page


def test_dashboard_updates_live_when_a_team_reports(
    browser, asgi_server, mini_election, make_user, clock
):
    from playwright.sync_api import expect

    from realtime.services.turnout import turnout_report_submit

    add_voters(
        mini_election,
        {"26734-01": (1000, 520), "26734-02": 350, "26737-01": 2000, "27496-01": 1800},
    )
    body = mini_election.polling_areas.get(code="26737-01").team
    body.contact = "0903 123 456"
    body.save()
    admin = make_user(superuser=True)
    clock.set(11, 20)
    for code, slot, voted in [
        ("26734-01", "09:00", 210),
        ("26734-02", "09:00", 120),
        ("26734-02", "11:00", 200),
        ("26737-01", "09:00", 380),
    ]:
        area = mini_election.polling_areas.get(code=code)
        turnout_report_submit(actor=admin, area=area, slot=slot, voted=voted)
    watcher = make_user("committee_member", "760")
    secretary = make_user("team_secretary", "26734", area="26734-01")

    dash_ctx, dash = _context(browser, asgi_server, viewport={"width": 1280, "height": 900})
    login(dash, watcher.username, PASSWORD)
    dash.goto(asgi_server + "/e/mini-2021/turnout/u/760/")
    dash.wait_for_selector("#live[data-state=open]")
    assert dash.locator("#t-voted").inner_text() == "790"
    assert dash.locator("#t-percent").inner_text() == "23,58%"  # 790 / 3.350
    assert dash.locator("#late-count").inner_text() == "2"  # 26734-01 and 26737-01 missed 11:00
    late = dash.locator("#late tbody tr")
    assert "0903 123 456" in dash.locator("#late").inner_text()
    assert late.count() == 2
    assert dash.locator("#bar-chart rect").count() == 2
    assert dash.locator("#line-chart circle").count() == 2  # 09:00 and 11:00
    dash.evaluate("window.__noReload = true")
    shot(dash, "turnout-dashboard-before")

    # the Team secretary reports 11:00 from a phone
    phone_ctx, phone = _context(browser, asgi_server, viewport={"width": 390, "height": 844})
    login(phone, secretary.username, PASSWORD)
    phone.goto(asgi_server + "/e/mini-2021/turnout/")
    assert "/turnout/pa/26734-01/" in phone.url
    assert phone.locator("#id_slot").input_value() == "11:00"
    phone.fill("#id_voted", "505")
    assert phone.locator("#implied-pct").inner_text().startswith("50,50%")
    phone.fill("#id_voted_confirm", "505")
    shot(phone, "turnout-report-phone")
    phone.click("#report-submit")
    assert "505" in phone.locator(".messages").inner_text()
    shot(phone, "turnout-report-phone-sent")

    # the dashboard follows within 2 s, without a reload
    started = time.monotonic()
    expect(dash.locator("#t-voted")).to_have_text("1.085", timeout=5000)
    assert time.monotonic() - started < 3
    assert dash.evaluate("window.__noReload === true")
    assert dash.locator("#t-percent").inner_text() == "32,39%"  # 1.085 / 3.350
    assert dash.locator("#late-count").inner_text() == "1"
    row = dash.locator("#children tbody tr[data-code='26734']")
    assert "705" in row.inner_text()
    shot(dash, "turnout-dashboard")

    # the socket drops: the page reconnects and catches up with what happened meanwhile
    dash.evaluate("document.getElementById('turnout').turnoutSocket.close()")
    expect(dash.locator("#live")).to_have_attribute("data-state", "closed")
    clock.set(11, 40)
    area = mini_election.polling_areas.get(code="26737-01")
    turnout_report_submit(actor=admin, area=area, slot="11:00", voted=900)
    expect(dash.locator("#live")).to_have_attribute("data-state", "open", timeout=5000)
    expect(dash.locator("#t-voted")).to_have_text("1.605", timeout=5000)
    assert dash.evaluate("window.__noReload === true")
    assert dash.locator("#late-count").inner_text() == "0"
    shot(dash, "turnout-dashboard-after")
    phone_ctx.close()
    dash_ctx.close()


def test_an_open_dashboard_follows_a_rehearsal_wipe(
    browser, asgi_server, mini_election, make_user, clock
):
    """After a wipe the versions restart lower; the new epoch makes the page accept them."""
    from playwright.sync_api import expect

    from election.models import Election
    from election.services.rehearsal import wipe_rehearsal
    from realtime import denominators
    from realtime.services.turnout import turnout_report_submit

    Election.objects.filter(pk=mini_election.pk).update(is_rehearsal=True)
    mini_election.refresh_from_db()
    sizes = {"26734-01": 1000, "26734-02": 350, "26737-01": 2000}
    add_voters(mini_election, sizes)
    admin = make_user(superuser=True)
    clock.set(11, 20)
    for code, slot, voted in [("26734-01", "09:00", 210), ("26734-02", "11:00", 200)]:
        area = mini_election.polling_areas.get(code=code)
        turnout_report_submit(actor=admin, area=area, slot=slot, voted=voted)
    watcher = make_user("committee_member", "760")
    ctx, dash = _context(browser, asgi_server, viewport={"width": 1280, "height": 900})
    login(dash, watcher.username, PASSWORD)
    dash.goto(asgi_server + "/e/mini-2021/turnout/u/760/")
    dash.wait_for_selector("#live[data-state=open]")
    assert dash.locator("#t-voted").inner_text() == "410"
    root = dash.locator("#turnout")
    assert root.get_attribute("data-epoch") == "0" and root.get_attribute("data-version") == "2"
    dash.evaluate("window.__noReload = true")

    wipe_rehearsal(actor=admin, election=mini_election)  # autocommit: the reload is asked
    expect(root).to_have_attribute("data-epoch", "1", timeout=5000)
    expect(dash.locator("#t-voted")).to_have_text("0")
    add_voters(mini_election, sizes)
    denominators.clear()
    area = mini_election.polling_areas.get(code="26737-01")
    turnout_report_submit(actor=admin, area=area, slot="11:00", voted=95)
    expect(dash.locator("#t-voted")).to_have_text("95", timeout=5000)
    assert root.get_attribute("data-version") == "1"  # lower than before the wipe, shown
    assert dash.evaluate("window.__noReload === true")
    ctx.close()

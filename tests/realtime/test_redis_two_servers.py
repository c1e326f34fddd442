"""The Redis leg: two real uvicorn server processes share the Redis channel layer and dirty set.

A report POSTed to server A reaches dashboards connected to server A *and* server B. Needs
REDIS_URL (skipped otherwise) and a database both servers can reach (PostgreSQL).
Ports 127.0.0.1:18110-18111; every wait is bounded.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.realtime.conftest import add_voters

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
PORTS = (18110, 18111)


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on {port} exited: {proc.stdout.read().decode()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"server on {port} did not start")


def _server(port: int, database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_DEBUG": "0",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
        + ["--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _recv_until(ws, predicate, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "no matching snapshot in time"
        message = json.loads(ws.recv(timeout=left))
        if predicate(message):
            return message


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (Redis leg)")
def test_report_on_one_server_reaches_dashboards_on_both(mini_election, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("two server processes need a shared database (DATABASE_URL=postgres://…)")
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token
    from websockets.sync.client import connect

    # a rehearsal reports on any day, and the "00:00" slot has always started
    mini_election.is_rehearsal = True
    mini_election.turnout_slots = ["00:00"]
    mini_election.save()
    add_voters(mini_election, {"26734-01": 600, "26737-01": 400})
    secretary = make_user("team_secretary", "26734", area="26734-01")
    token = Token.objects.create(user=secretary).key
    watcher = make_user("committee_member", "760")
    client = Client()
    client.force_login(get_user_model().objects.get(pk=watcher.pk))
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    servers = [_server(port, database_url) for port in PORTS]
    sockets = []
    stack = contextlib.ExitStack()
    try:
        for port, proc in zip(PORTS, servers, strict=True):
            _wait_port(port, proc)
        for port in PORTS:
            ws = stack.enter_context(
                connect(
                    f"ws://127.0.0.1:{port}/ws/turnout/mini-2021/760/",
                    additional_headers={"Cookie": cookie},
                    origin=f"http://127.0.0.1:{port}",
                    open_timeout=10,
                )
            )
            sockets.append(ws)
            first = json.loads(ws.recv(timeout=10))
            assert first["listed"] == 1000 and first["voted"] == 0
        request = urllib.request.Request(
            f"http://127.0.0.1:{PORTS[0]}/api/turnout/",
            data=json.dumps({"polling_area": "26734-01", "slot": "00:00", "voted": 450}).encode(),
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
        sent = time.monotonic()
        for ws in sockets:
            update = _recv_until(ws, lambda m: m["voted"] == 450, timeout=5)
            assert update["percent"] == "45.00" and update["version"] >= 1
        assert time.monotonic() - sent < 3
    finally:
        stack.close()
        for proc in servers:
            proc.terminate()
        for proc in servers:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

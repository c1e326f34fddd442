"""The Redis leg: two real uvicorn server processes and two coalescer processes
(`manage.py turnout_coalescer`: one leads through the Redis lock, one stands by) share the Redis
channel layer and the changed-area set, as in production (BAUCU_TURNOUT_COALESCER=external).

A report POSTed to server A reaches dashboards connected to server A *and* server B; when the
leading coalescer stops, the standby takes over and the next report still reaches both.
Needs REDIS_URL (skipped otherwise) and a database every process can reach (PostgreSQL).
Ports 127.0.0.1:8151-8152; every wait is bounded.
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
PORTS = (8151, 8152)


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


def _env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_DEBUG": "0",
        "BAUCU_TURNOUT_COALESCER": "external",  # web workers never coalesce here
    }


def _server(port: int, database_url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
        + ["--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=_env(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _coalescer(database_url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "turnout_coalescer"],
        cwd=ROOT,
        env=_env(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _recv_until(ws, predicate, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "no matching snapshot in time"
        message = json.loads(ws.recv(timeout=left))
        if message.get("type") == "heartbeat":  # the servers run with the default heartbeat
            continue
        if predicate(message):
            return message


def _leader(timeout: float = 15) -> int:
    """The pid of the coalescer holding the lock."""
    from realtime import live

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holder = live.store().leader()
        if holder:
            return int(holder.split(":")[1])
        time.sleep(0.2)
    raise TimeoutError("no coalescer took the lock")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (Redis leg)")
def test_reports_reach_dashboards_on_both_servers_through_the_coalescer_process(
    mini_election, make_user
):
    if connection.vendor != "postgresql":
        pytest.skip("several processes need a shared database (DATABASE_URL=postgres://…)")
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token
    from websockets.sync.client import connect

    # a rehearsal reports on any day, and the "00:00" slot has always started
    mini_election.is_rehearsal = True
    mini_election.turnout_slots = ["00:00"]
    mini_election.save()
    add_voters(mini_election, {"26734-01": 600, "26737-01": 400})
    secretaries = {
        code: Token.objects.create(user=make_user("team_secretary", code[:5], area=code)).key
        for code in ("26734-01", "26737-01")
    }
    watcher = make_user("committee_member", "760")
    client = Client()
    client.force_login(get_user_model().objects.get(pk=watcher.pk))
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )

    def report(code: str, voted: int) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{PORTS[0]}/api/turnout/",
            data=json.dumps({"polling_area": code, "slot": "00:00", "voted": voted}).encode(),
            headers={
                "Authorization": f"Token {secretaries[code]}",
                "Content-Type": "application/json",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201

    coalescers = [_coalescer(database_url) for _ in range(2)]
    servers = [_server(port, database_url) for port in PORTS]
    sockets = []
    stack = contextlib.ExitStack()
    try:
        for port, proc in zip(PORTS, servers, strict=True):
            _wait_port(port, proc)
        leader = _leader()
        assert leader in {c.pid for c in coalescers}
        check = subprocess.run(
            [sys.executable, "manage.py", "turnout_coalescer", "--check"],
            cwd=ROOT,
            env=_env(database_url),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert check.returncode == 0 and f":{leader}:" in check.stdout
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
        report("26734-01", 450)
        sent = time.monotonic()
        for ws in sockets:
            update = _recv_until(ws, lambda m: m["voted"] == 450, timeout=5)
            assert update["percent"] == "45.00" and update["version"] >= 1
        assert time.monotonic() - sent < 3

        # the leader stops; the standby takes the lock, loads the figures and carries on
        _stop(next(c for c in coalescers if c.pid == leader))
        standby = next(c for c in coalescers if c.pid != leader)
        assert _leader() == standby.pid
        report("26737-01", 100)
        for ws in sockets:
            update = _recv_until(ws, lambda m: m["voted"] == 550, timeout=10)
            assert update["percent"] == "55.00" and update["version"] >= 2
        assert standby.poll() is None
    finally:
        stack.close()
        for proc in servers + coalescers:
            if proc.poll() is None:
                _stop(proc)

"""A small rehearsal election for the drill, and a live ASGI server to play it against.

The server is the real ASGI app under uvicorn: on the PostgreSQL + Redis leg a subprocess on the
test database (its own process, its own Redis channel layer), on the embedded leg a thread of
its own on a fresh SQLite file (the in-memory test database cannot be shared with a server).
On a free port of 127.0.0.1 picked when the server starts; every wait is bounded.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.realtime.conftest import _clean_live, add_voters  # noqa: F401 (autouse fixture)

ROOT = Path(__file__).resolve().parents[2]
REHEARSAL_TIME = "21:00"  # the server plays the day as if polls had closed
SLUG = "drill-test"
CANDIDATES = [
    ("Nguyễn Văn An", "M", "1970-01-01"),
    ("Trần Thị Bình", "F", "1971-02-02"),
    ("Lê Văn Cường", "M", "1972-03-03"),
    ("Phạm Thị Dung", "F", "1973-04-04"),
    ("Hoàng Văn Em", "M", "1974-05-05"),
]


def definition(areas_per_ward: int = 12) -> dict[str, Any]:
    """One city, two wards, `areas_per_ward` polling areas each, a National Assembly and a
    city council contest (3 seats, 5 candidates each), today's date."""
    units = [{"code": "C", "name": "Thành phố Diễn Tập", "kind": "city", "parent": None}]
    polling = []
    for w in (1, 2):
        units.append({"code": f"W{w}", "name": f"Phường {w}", "kind": "ward", "parent": "C"})
        for n in range(1, areas_per_ward + 1):
            polling.append(
                {
                    "code": f"W{w}-{n:02d}",
                    "unit": f"W{w}",
                    "number": n,
                    "name": f"Khu vực bỏ phiếu số {n}",
                    "kind": "residential",
                    "constituencies": {"QH": 1, "HDND": 1},
                }
            )
    return {
        "format": "baucu.election/1",
        "units": units,
        "election": {
            "slug": SLUG,
            "name": "Diễn tập bầu cử",
            "date": dt.date.today().isoformat(),
            "root": "C",
            "turnout_slots": ["09:00", "11:00", "14:00", "17:00", "19:00"],
        },
        "contests": [
            {"code": "QH", "kind": "national_assembly", "unit": "C", "name": "Quốc hội"},
            {"code": "HDND", "kind": "people_council", "unit": "C", "name": "HĐND Thành phố"},
        ],
        "constituencies": [
            {"contest": c, "number": 1, "seats": 3, "name": "Đơn vị số 1", "units": ["C"]}
            for c in ("QH", "HDND")
        ],
        "polling_areas": polling,
        "candidates": [
            {"contest": c, "constituency": 1, "full_name": n, "sex": s, "birth_date": b}
            for c in ("QH", "HDND")
            for n, s, b in CANDIDATES
        ],
    }


@pytest.fixture
def rehearsal(db):
    """The drill's election, a rehearsal, with 60 to 90 voters on each list."""
    from election.services.definition_import import import_definition

    election = import_definition(data=definition(), source="test").election
    election.is_rehearsal = True
    election.save(update_fields=["is_rehearsal"])
    add_voters(
        election,
        {a.code: 60 + (i * 7) % 31 for i, a in enumerate(election.polling_areas.order_by("code"))},
    )
    return election


def _wait_port(port: int, alive: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive()
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"server on {port} did not start")


def free_port() -> int:
    """A port nobody listens on now (the kernel's pick), so that a server left by another run
    or another program on a fixed port is never mistaken for ours."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _subprocess_server(port: int) -> Iterator[str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_DEBUG": "0",
        "BAUCU_REHEARSAL_TIME": REHEARSAL_TIME,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
        + ["--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    try:
        _wait_port(port, _alive(proc))
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


def _alive(proc: subprocess.Popen) -> Any:
    def check() -> None:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stdout.read().decode()[-2000:]}")

    return check


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server's process group (bounded)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


@pytest.fixture
def live_asgi(settings) -> Iterator[str]:
    """The base URL of the running system on the test database (PostgreSQL leg)."""
    if connection.vendor != "postgresql":
        pytest.skip("a server process shares the test database on PostgreSQL only")
    settings.BAUCU_REHEARSAL_TIME = REHEARSAL_TIME
    yield from _subprocess_server(free_port())


SETUP_SCRIPT = """
from tests.drill.conftest import definition
from tests.realtime.conftest import add_voters
from election.services.definition_import import import_definition
election = import_definition(data=definition(), source="test").election
election.is_rehearsal = True
election.save(update_fields=["is_rehearsal"])
add_voters(election, {a.code: 60 + (i * 7) % 31
                      for i, a in enumerate(election.polling_areas.order_by("code"))})
"""


@pytest.fixture
def embedded_world(tmp_path) -> Iterator[tuple[str, dict[str, str]]]:
    """The embedded default as it is deployed (a SQLite file, the in-memory channel layer,
    eager Celery): a fresh database with the drill's election, and a server process on it.
    Yields (base URL, the environment to run manage.py commands in)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "BAUCU_VAR_DIR": str(tmp_path),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_DEBUG": "0",
            "BAUCU_REHEARSAL_TIME": REHEARSAL_TIME,
        }
    )
    manage = [sys.executable, "manage.py"]
    for step in (["migrate", "-v0"], ["shell", "-c", SETUP_SCRIPT]):
        done = subprocess.run(
            manage + step, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-3000:]
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
        + ["--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_port(port, _alive(proc))
        yield f"http://127.0.0.1:{port}", env
    finally:
        _stop(proc)

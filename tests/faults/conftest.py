"""Fault tests run on the PostgreSQL + Redis leg (BAUCU_STACK=pg) against PRIVATE servers started
here (never the shared ones: these tests stop and restart them). Each test gets a fresh database
copied from a migrated template holding the mini election and its users."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.faults import support

TEMPLATE = "baucu_faults_tpl"
TOKENS = {"secretary": "1" * 40, "secretary2": "2" * 40, "ward": "3" * 40}


def _skip_reason() -> str | None:
    if os.environ.get("BAUCU_STACK") != "pg":
        return "fault tests run on the PostgreSQL + Redis leg (BAUCU_STACK=pg)"
    return support.missing_binaries()


USERS = """
from django.contrib.auth import get_user_model
from election.models import AdminUnit, ElectionBody, Role
User = get_user_model()
def make(name, kind, unit, area=None):
    u = User.objects.create_user(username=name, password=PASSWORD)
    body = ElectionBody.objects.get(polling_area__code=area) if area else None
    Role.objects.create(user=u, kind=kind, unit=AdminUnit.objects.get(code=unit), body=body)
make("ward", "ward_staff", "26734")
make("secretary", "team_secretary", "26734", area="26734-01")
make("secretary2", "team_secretary", "26734", area="26734-01")
make("district", "committee_member", "760")
from rest_framework.authtoken.models import Token
for name, key in TOKENS.items():
    Token.objects.create(user=User.objects.get(username=name), key=key)
out = True
"""


@dataclass
class Servers:
    pg: support.PrivatePostgres
    redis: support.PrivateRedis
    tmp: Path


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    tmp = Path(tempfile.mkdtemp(prefix="baucu-faults-"))
    pg = support.PrivatePostgres()
    redis = support.PrivateRedis()
    try:
        pg.init()
        pg.start()
        redis.start()
        pg.sql("postgres", f'CREATE DATABASE "{TEMPLATE}"')
        env = support.env_for(pg.url(TEMPLATE), redis.url, tmp / "var-template")
        support.manage(env, "migrate", "-v", "0")
        support.manage(env, "collectstatic", "--noinput", "-v", "0")  # served by whitenoise
        mini = support.ROOT / "tests" / "fixtures" / "mini_election.json"
        support.manage(env, "import_election", str(mini))
        support.django(env, f"PASSWORD = {support.PASSWORD!r}\nTOKENS = {TOKENS!r}\n" + USERS)
        yield Servers(pg, redis, tmp)
    finally:
        with contextlib.suppress(Exception):
            redis.stop()
        pg.destroy()
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class Site:
    """One test's database on the private servers, and how to run Baucu against it."""

    servers: Servers
    db: str
    var: Path

    @property
    def pg(self) -> support.PrivatePostgres:
        return self.servers.pg

    @property
    def redis(self) -> support.PrivateRedis:
        return self.servers.redis

    def env(self, **extra: str) -> dict[str, str]:
        return support.env_for(self.pg.url(self.db), self.redis.url, self.var, **extra)

    def django(self, code: str, **extra: str) -> Any:
        return support.django(self.env(**extra), code)

    def sql(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        return self.pg.sql(self.db, query, params)

    def one(self, query: str, params: Any = None) -> Any:
        rows = self.sql(query, params)
        return rows[0][0] if rows else None


@pytest.fixture
def site(servers: Servers) -> Iterator[Site]:
    if servers.redis.proc is None:
        servers.redis.start()
    import redis as redis_lib

    redis_lib.Redis.from_url(servers.redis.url.rsplit("/", 1)[0] + "/0").flushall()
    db = f"faults_{uuid.uuid4().hex[:8]}"
    servers.pg.sql("postgres", f'CREATE DATABASE "{db}" TEMPLATE "{TEMPLATE}"')
    var = servers.tmp / db
    var.mkdir()
    (var / "staticfiles").symlink_to(servers.tmp / "var-template" / "staticfiles")
    try:
        yield Site(servers, db, var)
    finally:
        if servers.redis.proc is None:
            servers.redis.start()
        with contextlib.suppress(Exception):
            servers.pg.sql("postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        shutil.rmtree(var, ignore_errors=True)


def voter_file(path: Path, areas: list[str], per_area: int, *, id_start: int = 0) -> int:
    """A clean voter list file (CSV) for the mini election's polling `areas`."""
    from voters.demo import generate_rows, write_csv

    rows = generate_rows(
        area_codes=areas,
        per_area=per_area,
        election_day=dt.date(2021, 5, 23),
        seed=7,
        id_start=id_start,
    )
    return write_csv(rows, path)

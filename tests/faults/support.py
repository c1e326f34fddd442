"""Private servers for fault tests: a PostgreSQL cluster and a Redis of the test's own, which the
test may stop, kill and restart (never the shared ones), and Baucu processes (Celery worker,
web server, one-off Django snippets) pointed at them."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
PG_PORT = int(os.environ.get("BAUCU_FAULTS_PG_PORT", "55440"))
REDIS_PORT = int(os.environ.get("BAUCU_FAULTS_REDIS_PORT", "6390"))
WEB_PORT = int(os.environ.get("BAUCU_FAULTS_WEB_PORT", "8140"))
PASSWORD = "fault-test-password-123"


def pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def missing_binaries() -> str | None:
    if pg_bindir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not found"
    if shutil.which("redis-server") is None:
        return "redis-server not found"
    return None


def wait_port(port: int, *, up: bool = True, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            is_up = s.connect_ex(("127.0.0.1", port)) == 0
        if is_up == up:
            return
        time.sleep(0.1)
    raise TimeoutError(f"port {port} not {'up' if up else 'down'} after {timeout}s")


class PrivatePostgres:
    """initdb into a temporary directory; started, stopped and restarted by the test."""

    def __init__(self, port: int = PG_PORT) -> None:
        self.port = port
        self.bindir = pg_bindir()
        self.tmp = Path(tempfile.mkdtemp(prefix="baucu-faults-pg-"))
        self.data = self.tmp / "data"
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:  # initdb refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)

    def init(self) -> None:
        if self.as_root:
            shutil.chown(self.tmp, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")

    def start(self) -> None:
        opts = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.tmp} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.tmp / "log"), "-w", "start"
        )
        wait_port(self.port)

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Stops the server (every session is terminated, open transactions are lost) and
        starts it again."""
        self.stop("fast")
        self.start()

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def connect(self, db: str = "postgres") -> Any:
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=db)
        conn.autocommit = True
        return conn

    def sql(self, db: str, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        conn = self.connect(db)
        try:
            with conn.cursor() as cur:
                cur.execute(query, params)
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.tmp, ignore_errors=True)


class PrivateRedis:
    def __init__(self, port: int = REDIS_PORT) -> None:
        self.port = port
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None
        wait_port(self.port, up=False)


def env_for(db_url: str, redis_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "DJANGO_", "BAUCU_", "CELERY_"))
        and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=db_url,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url.rsplit("/", 1)[0] + "/1",
        BAUCU_VAR_DIR=str(var_dir),
        BAUCU_DEMO="1",  # the mini election is of 2021: keep its lists open
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def django(env: dict[str, str], code: str, timeout: float = 120) -> Any:
    """Run `code` in a fresh Django process against the private servers; it sets `out`, which
    comes back (JSON)."""
    script = (
        "import django, json\ndjango.setup()\nout = None\n"
        + code
        + "\nprint('@@' + json.dumps(out, default=str))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(result.stderr[-4000:])
    line = [x for x in result.stdout.splitlines() if x.startswith("@@")][-1]
    return json.loads(line[2:])


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(result.stderr[-4000:])
    return result.stdout


class Worker:
    """`celery -A config worker` (prefork, one child) as a real subprocess."""

    def __init__(self, env: dict[str, str], log: Path, name: str = "faults") -> None:
        self.env = env
        self.log = log
        self.name = name
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{self.name}@%h",
                "--loglevel=INFO",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def children(self) -> list[int]:
        assert self.proc is not None
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(x) for x in path.read_text().split()]
        except FileNotFoundError:
            return []

    def wait_child(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            kids = self.children()
            if kids:
                return kids[0]
            time.sleep(0.1)
        raise TimeoutError("the worker started no child process:\n" + self.log_tail())

    def kill_all(self) -> None:
        """SIGKILL the whole worker: the main process and its children, no clean-up at all."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


def wait_for(predicate: Any, timeout: float, what: str, step: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen(
        args,
        env=env,
        cwd=ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


class Web:
    """A browser-like client (cookies, CSRF) for a Baucu server on 127.0.0.1, stdlib only."""

    def __init__(self, port: int = WEB_PORT) -> None:
        import http.cookiejar
        import urllib.request

        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> tuple[int, str, dict[str, str]]:
        import urllib.error
        import urllib.parse
        import urllib.request

        data = None
        hdrs = {"Referer": self.base + "/", **(headers or {})}
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
            hdrs.setdefault("X-CSRFToken", self.cookie("csrftoken"))
        elif body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, headers=hdrs, method=method)
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                return resp.status, resp.read().decode(), dict(resp.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace"), dict(exc.headers)

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.request("GET", "/login/")
        status, text, _ = self.request(
            "POST",
            "/login/",
            form={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.cookie("csrftoken"),
            },
        )
        assert status == 200 and self.cookie("sessionid"), (status, text[:500])


def serve(env: dict[str, str], log: Path, port: int = WEB_PORT) -> Any:
    """The production web stack: gunicorn with one uvicorn worker, on config.asgi."""
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.asgi:application",
        "-k",
        "uvicorn_worker.UvicornWorker",
        "-w",
        "1",
        "-b",
        f"127.0.0.1:{port}",
        "--graceful-timeout",
        "5",
    ]
    return process(args, env, log)

"""Backup and restore of the whole database: pg_dump/pg_restore on PostgreSQL, the SQLite
online backup API on the embedded default."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import connections


class BackupError(Exception):
    pass


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env


def _pg_args(settings_dict: dict[str, Any], name: str | None = None) -> list[str]:
    args = []
    if settings_dict.get("HOST"):
        args += ["-h", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["-p", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["-U", str(settings_dict["USER"])]
    args += ["-d", name or str(settings_dict["NAME"])]
    return args


def backup(out: Path, alias: str = "default") -> Path:
    """Write a consistent snapshot of the database to `out`."""
    conn = connections[alias]
    out.parent.mkdir(parents=True, exist_ok=True)
    if conn.vendor == "postgresql":
        if shutil.which("pg_dump") is None:
            raise BackupError("pg_dump is not installed")
        cmd = [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "-f",
            str(out),
            *_pg_args(conn.settings_dict),
        ]
        result = subprocess.run(
            cmd, env=_pg_env(conn.settings_dict), capture_output=True, text=True, timeout=3600
        )
        if result.returncode != 0:
            raise BackupError(result.stderr.strip())
        return out
    if conn.vendor == "sqlite":
        conn.ensure_connection()
        target = sqlite3.connect(out)
        try:
            conn.connection.backup(target)
        finally:
            target.close()
        return out
    raise BackupError(f"unsupported database {conn.vendor}")


def restore(dump: Path, target: str, vendor: str) -> None:
    """Restore a dump into a fresh database: a PostgreSQL database name (created; it must not
    exist) on the same server as the default connection, or an SQLite file path."""
    if vendor == "postgresql":
        settings_dict = connections["default"].settings_dict
        env = _pg_env(settings_dict)
        base = _pg_args(settings_dict, "postgres")
        create = subprocess.run(
            ["psql", *base, "-v", "ON_ERROR_STOP=1", "-c", f'CREATE DATABASE "{target}"'],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if create.returncode != 0:
            raise BackupError(create.stderr.strip())
        result = subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                *_pg_args(settings_dict, target),
                str(dump),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if result.returncode != 0:
            raise BackupError(result.stderr.strip())
        return
    if vendor == "sqlite":
        if Path(target).exists():
            raise BackupError(f"{target} exists; restore into a fresh file")
        source = sqlite3.connect(dump)
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            source.close()
            dest.close()
        return
    raise BackupError(f"unsupported database {vendor}")


def database_url_for(target: str, vendor: str) -> str:
    """The DATABASE_URL that points Baucu at a restored database."""
    if vendor == "sqlite":
        return f"sqlite:///{Path(target).resolve()}"
    s = connections["default"].settings_dict
    auth = quote(str(s.get("USER") or "postgres"))
    if s.get("PASSWORD"):
        auth += ":" + quote(str(s["PASSWORD"]))
    return f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{target}"

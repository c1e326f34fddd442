"""OWASP ASVS basics: CSRF on every form, password policy, production headers (HSTS, CSP,
nosniff, framing, referrer), and no secret in the repository."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from common.models import AuditEvent
from tests.election.test_permission_matrix import MATRIX, ROLES

ROOT = Path(__file__).resolve().parents[2]

# --- CSRF ---------------------------------------------------------------------------------------


@pytest.fixture
def matrix_context(mini_election, make_user):
    from common.jobs import job_create
    from election.models import AdminUnit

    someone = make_user(superuser=True)
    units = AdminUnit.objects.filter(tree=mini_election.tree)
    return {
        "jobs": {u.code: job_create(kind="test", actor=someone, unit_id=u.id).pk for u in units},
        "print_jobs": {
            u.code: job_create(
                kind="print_cards", actor=someone, unit_id=u.id, election_id=mini_election.id
            ).pk
            for u in units
        },  # fmt: skip
    }


def _counts() -> dict[str, int]:
    from election.models import AdminUnit, Role
    from realtime.models import TurnoutReport
    from voters.models import Voter

    return {
        "audit": AuditEvent.objects.count(),
        "users": get_user_model().objects.count(),
        "roles": Role.objects.count(),
        "units": AdminUnit.objects.count(),
        "voters": Voter.objects.count(),
        "turnout": TurnoutReport.objects.count(),
    }


def test_every_post_without_csrf_token_is_refused(matrix_context, make_user):
    """A logged-in superuser's browser POSTs to every URL of the matrix without the token (a
    forged cross-site form): each is refused with 403 and nothing changes."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(superuser=True))
    who = ROLES["superuser"]
    urls = {name: case.url(who, "inside", matrix_context) for name, case in MATRIX.items()}
    before = _counts()
    tried = 0
    for name, url in urls.items():
        data = {"language": "en", "slot": "11:00", "voted": "1", "username": "x",
                "password": "a-long-enough-password", "action": "confirm"}  # fmt: skip
        response = client.post(url, data)
        assert response.status_code == 403, (name, url, response.status_code)
        if "CSRF" not in response.content.decode():
            # a DRF page rendered as HTML says only "403 Forbidden": with the token the same
            # POST gets past the check (405: the page takes no POST)
            token = client.get(reverse("login")).cookies["csrftoken"].value
            again = client.post(url, data, HTTP_X_CSRFTOKEN=token)
            assert again.status_code != 403, (name, again.status_code)
        tried += 1
    assert tried == len(MATRIX)
    assert _counts() == before
    # the session is still there: the refusal did not log anyone out
    assert client.get(reverse("home")).status_code == 200


def test_login_form_needs_the_token(make_user, mini_election):
    user = make_user("observer", "26737")
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": user.username,
                                              "password": "test-password-123"})  # fmt: skip
    assert response.status_code == 403 and "_auth_user_id" not in client.session


POST_FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)


def test_every_post_form_on_every_page_carries_the_token(client, matrix_context, make_user):
    client.force_login(make_user(superuser=True))
    who = ROLES["superuser"]
    forms = 0
    for name, case in MATRIX.items():
        if case.api or name in ("logout", "set_language") or name.startswith("admin:"):
            continue
        response = client.get(case.url(who, "inside", matrix_context))
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        for body in POST_FORM.findall(response.content.decode()):
            forms += 1
            assert 'name="csrfmiddlewaretoken"' in body, (name, body[:200])
    assert forms >= 10  # language switch and log-out on every page, plus the real forms


# --- passwords ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Ab1!xyz", "too short"),
        ("short-9ch", "too short (9)"),
        ("password123", "common"),
        ("1234567890123", "numeric"),
        ("qwertyuiop", "common"),
    ],
)
def test_weak_passwords_are_refused(db, password, why):
    with pytest.raises(ValidationError):
        password_validation.validate_password(password, get_user_model()(username="le.van.a"))


def test_password_policy_settings_and_a_good_password(db):
    from django.conf import settings

    names = {v["NAME"].rsplit(".", 1)[1]: v for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert names["MinimumLengthValidator"]["OPTIONS"]["min_length"] >= 10
    assert {"CommonPasswordValidator", "NumericPasswordValidator",
            "UserAttributeSimilarityValidator"} <= set(names)  # fmt: skip
    password_validation.validate_password("Hồ-Gươm 2026 sáng", get_user_model()(username="x"))
    # the user's own name is refused
    with pytest.raises(ValidationError):
        password_validation.validate_password(
            "nguyen.van.an", get_user_model()(username="nguyen.van.an")
        )


def test_accounts_page_applies_the_policy(client, mini_election, make_user):
    client.force_login(make_user(superuser=True))
    url = reverse("accounts", args=[mini_election.slug])
    data = {"username": "to.thi.b", "full_name": "Tô Thị B", "kind": "observer", "unit": "26734"}
    response = client.post(url, {**data, "password": "12345678"})
    assert response.status_code == 400  # the form again, with the policy's messages
    assert response.content.decode().count('class="error"') >= 2  # too short, numeric
    assert not get_user_model().objects.filter(username="to.thi.b").exists()
    response = client.post(url, {**data, "password": "Bến Thành 7 giờ sáng"})
    assert response.status_code == 302
    assert get_user_model().objects.get(username="to.thi.b").check_password("Bến Thành 7 giờ sáng")


# --- production headers ---------------------------------------------------------------------------

PROBE = """
import json, django
django.setup()
from django.test import Client
c = Client()
secure = c.get("/no-such-page/", secure=True, HTTP_HOST="baucu.example.vn")
plain = c.get("/no-such-page/", HTTP_HOST="baucu.example.vn")
from django.conf import settings
print(json.dumps({
    "secure": dict(secure.headers), "secure_status": secure.status_code,
    "plain_status": plain.status_code, "plain_location": plain.headers.get("Location", ""),
    "cookie_secure": settings.SESSION_COOKIE_SECURE, "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
}))
"""


def test_production_sends_hsts_and_security_headers(tmp_path):
    from django.core.management.utils import get_random_secret_key

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": get_random_secret_key(),
        "DJANGO_ALLOWED_HOSTS": "baucu.example.vn",
        "BAUCU_VAR_DIR": str(tmp_path),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    h = {k.lower(): v for k, v in got["secure"].items()}
    assert got["secure_status"] == 404
    hsts = h["strict-transport-security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts and "preload" in hsts
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "same-origin"
    assert h["cross-origin-opener-policy"] == "same-origin"
    csp = h["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "connect-src 'self' wss:" in csp  # no plain ws: in production
    # plain HTTP is sent to HTTPS; cookies only over HTTPS, session cookie not readable by JS
    assert got["plain_status"] == 301 and got["plain_location"].startswith("https://")
    assert got["cookie_secure"] and got["csrf_secure"] and got["session_httponly"]


# --- no secret in the repository ----------------------------------------------------------------

DEV_KEY = "dev-only-insecure-key-change-me"
# placeholders that are not secrets: the dev default (base settings only), the image build's
# throw-away key, the example environment file's "change me" values
ALLOWED_VALUES = {
    DEV_KEY: {"config/settings/base.py"},
    "build-only": {"docker/Dockerfile"},
    "change-me-to-a-long-random-string": {"docker/env.example"},
    "change-me": {"docker/env.example"},
}
ASSIGNMENT = re.compile(
    r"(?P<name>[A-Z_]*(?:SECRET_KEY|SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|ACCESS_KEY))"
    r"[\"']?[ \t]*[:=][ \t]*(?P<q>[\"']?)(?P<value>[^\s\"'$}{,)]+)"
)
PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "password in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]+:(?!\$\{)[^\s/@'\"]+@"),
    "Django key shape": re.compile(r"django-insecure-[A-Za-z0-9!@#$%^&*(\-_=+)]{20,}"),
}
SECRET_FILES = re.compile(r"(^|/)(\.env|id_rsa|id_ed25519|.*\.pem|.*\.key|.*\.p12)$")


def _tracked() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                         check=True)  # fmt: skip
    return [p for p in out.stdout.splitlines() if p]


def scan(files: dict[str, str]) -> list[str]:
    """Findings over {path: text}."""
    found = []
    for path, text in files.items():
        if SECRET_FILES.search(path):
            found.append(f"{path}: a secret's file")
        for label, rx in PATTERNS.items():
            found += [f"{path}: {label}" for _ in rx.finditer(text)]
        if path.startswith("tests/"):
            continue  # test fixtures' throw-away passwords ("test-password-123")
        for m in ASSIGNMENT.finditer(re.sub(r"\$\{[^}]*\}", "", text)):  # not ${VAR:?…}
            value = m["value"]
            if not m["q"] and not path.endswith((".env", ".example", "Dockerfile", ".yml")):
                continue  # a name, not a literal: SECRET_KEY = os.environ[...]
            if path in ALLOWED_VALUES.get(value, set()):
                continue
            if m["name"] == "DEMO_PASSWORD" and path == "election/management/commands/load_demo.py":
                continue  # the documented demo accounts' password (make demo only)
            found.append(f"{path}: {m['name']} = {value[:6]}…")
    return found


def test_no_secret_in_the_repository():
    files = {}
    for path in _tracked():
        p = ROOT / path
        if not p.is_file() or p.stat().st_size > 2_000_000:
            continue
        try:
            files[path] = p.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary: fonts, images, compiled catalogues
    assert len(files) > 100
    assert scan(files) == []
    # the development key is the default of the base settings only; production has none
    users = [p for p, text in files.items() if DEV_KEY in text and not p.startswith("tests/")]
    assert users == ["config/settings/base.py"], users
    production = files["config/settings/production.py"]
    assert 'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]' in production


def test_the_scan_finds_secrets():
    """The scan is not vacuous."""
    bad = {
        "config/settings/local.py": 'SECRET_KEY = "9f8a7s6d5f4g3h2j1k"\n',
        # written in pieces, so this file does not hold what it looks for
        "docker/compose.yml": "DATABASE_URL: postgres://baucu:" + "hunter2@db/baucu\n",
        "x.txt": "-----BEGIN RSA " + "PRIVATE KEY-----\n",
        "deploy/.env": "DJANGO_SECRET_KEY=abc\n",
        "notes.md": "token ghp_" + "a" * 36 + "\n",
        "config/settings/base.py": f'SECRET_KEY = "{DEV_KEY}"\n',  # allowed here only
    }
    found = scan(bad)
    assert len([f for f in found if f.startswith("config/settings/local.py")]) == 1
    assert any(f.startswith("docker/compose.yml: password in a URL") for f in found)
    assert any("private key" in f for f in found)
    assert any(f.startswith("deploy/.env") for f in found)
    assert any("GitHub token" in f for f in found)
    assert not any(f.startswith("config/settings/base.py") for f in found)

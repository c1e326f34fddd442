#!/usr/bin/env bash
# The README's test command (`make test`). Runs lint and Django checks, then the whole suite on
# the embedded default, then again on PostgreSQL + Redis when they answer on 127.0.0.1
# (BAUCU_REQUIRE_STACK=1 makes their absence an error, as in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PYTHONDONTWRITEBYTECODE=1
# Both legs: one rerun of a failed test (a timing flake on a loaded machine); twice fails.
PYTEST=(-p no:randomly --reruns 1 --reruns-delay 2)

# Debian's Chromium for the browser tests, where missing (needs root, as on our machines).
if [ ! -x /usr/bin/chromium ] && [ "${BAUCU_SKIP_BROWSER:-0}" != "1" ]; then
  if [ "$(id -u)" = "0" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
      || echo "warning: could not install chromium; browser tests will fail" >&2
  fi
fi
command -v pdftotext >/dev/null || { [ "$(id -u)" = "0" ] && \
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null 2>&1 || true; }
# zbarimg reads the cards' QR codes and barcodes back in the printing tests.
command -v zbarimg >/dev/null || { [ "$(id -u)" = "0" ] && \
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zbar-tools >/dev/null 2>&1 || \
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zbar-tools; } \
    >/dev/null 2>&1 || true; }; }

echo "== ruff"
$BIN/ruff check .
$BIN/ruff format --check .
echo "== django checks"
DJANGO_SETTINGS_MODULE=config.settings.test $BIN/python manage.py check
DJANGO_SETTINGS_MODULE=config.settings.test $BIN/python manage.py makemigrations --check --dry-run
DJANGO_SETTINGS_MODULE=config.settings.test $BIN/python manage.py compilemessages -v 0 --ignore=.venv

echo "== suite on the embedded default (SQLite, in-memory channel layer, eager Celery)"
env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL \
  $BIN/pytest "${PYTEST[@]}" "$@"

pg_up() { $BIN/python - <<'PY'
import socket, sys
for port in (5432, 6379):
    s = socket.socket(); s.settimeout(1)
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        sys.exit(1)
    finally:
        s.close()
PY
}
if pg_up; then
  echo "== suite on PostgreSQL + Redis"
  DATABASE_URL="${BAUCU_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/baucu}" \
  REDIS_URL="${BAUCU_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}" \
  BAUCU_STACK=pg \
    $BIN/pytest "${PYTEST[@]}" "$@"
elif [ "${BAUCU_REQUIRE_STACK:-0}" = "1" ]; then
  echo "PostgreSQL or Redis is not reachable on 127.0.0.1 and BAUCU_REQUIRE_STACK=1" >&2
  exit 1
else
  echo "== PostgreSQL + Redis not reachable on 127.0.0.1: second leg skipped"
fi

#!/usr/bin/env bash
# Refresh the translation catalogues: merge fragments (locale/fragments/*.po, written by each
# area's work) into the Vietnamese catalogue, extract new strings, compile.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
VI=locale/vi/LC_MESSAGES/django.po
$BIN/python manage.py makemessages -l vi -l en --ignore=.venv --ignore=var --no-location -v 0
if ls locale/fragments/*.po >/dev/null 2>&1; then
  # Fragments first: their translations win, and strings of Django's own that its Vietnamese
  # catalogue lacks (kept in a fragment) stay active although our sources do not contain them.
  msgattrib --no-obsolete -o "$VI.tmp" "$VI"
  msgcat --use-first -o "$VI" locale/fragments/*.po "$VI.tmp"
  rm -f "$VI.tmp"
fi
$BIN/python manage.py compilemessages -v 0 --ignore=.venv
untranslated=$(msgattrib --untranslated --no-obsolete "$VI" | grep -c '^msgid ' || true)
echo "vi: $((untranslated > 0 ? untranslated - 1 : 0)) untranslated strings"

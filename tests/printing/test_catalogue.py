"""Every string the printing area shows has a Vietnamese translation in its fragment."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
FRAGMENT = ROOT / "locale" / "fragments" / "printing.po"
CATALOGUE = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def _translations(path: Path) -> dict[str, str]:
    out = subprocess.run(
        ["msgcat", "--no-wrap", str(path)], check=True, capture_output=True, text=True
    ).stdout
    pairs = re.findall(r'^msgid "(.*)"\nmsgstr "(.*)"$', out, flags=re.M)
    return {k.replace('\\"', '"'): v for k, v in pairs if k}


def _used() -> set[str]:
    used: set[str] = set()
    for path in (ROOT / "printing").rglob("*"):
        if path.suffix == ".html":
            text = path.read_text()
            used |= set(re.findall(r'\{% translate "([^"]+)"', text))
            used |= set(re.findall(r"\{% blocktranslate %\}(.*?)\{% endblocktranslate %\}", text))
        elif path.suffix == ".py":
            text = path.read_text()
            for match in re.finditer(r'_\(\s*((?:"[^"]*"\s*)+)', text):
                used.add("".join(re.findall(r'"([^"]*)"', match.group(1))))
    return used


def test_every_printing_string_is_translated():
    known = {**_translations(CATALOGUE), **_translations(FRAGMENT)}
    missing = sorted(s for s in _used() if not known.get(s))
    assert not missing, missing

"""Every page of the permission matrix, opened by whoever may open it, is sent with the Content
Security Policy and holds no script the policy would have to allow inline: no <script> without
src (data blocks of type application/json aside), no event-handler attribute (onclick=…), no
javascript: link. A new page gets checked because the matrix must list it
(tests/election/test_permission_matrix.py)."""

from __future__ import annotations

import re

import pytest

from tests.election.test_permission_matrix import (  # noqa: F401 (fixture)
    MATRIX,
    ROLES,
    _login,
    context,
)

# a data block (<script type="application/json">, Django's json_script) is never run
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*\btype=[\"']application/json[\"'])[^>]*>", re.IGNORECASE
)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)

PAGES = sorted(n for n, case in MATRIX.items() if not case.api)


def _opener(name: str) -> str | None:
    """The first role the matrix lets open the page inside its unit (superuser first)."""
    for role in ("superuser", "anonymous", "committee_member", "ward_staff", "team_secretary"):
        if MATRIX[name].allowed(role, "inside"):
            return role
    return None


@pytest.mark.parametrize("name", PAGES)
def test_page_sends_the_policy_and_needs_no_inline_script(client, make_user, context, name):  # noqa: F811
    if name in ("logout", "set_language"):
        pytest.skip("POST-only: answers with a redirect, no page")
    role = _opener(name)
    assert role is not None, f"{name}: nobody may open it, the matrix entry is wrong"
    who = ROLES[role]
    _login(client, make_user, who)
    response = client.get(MATRIX[name].url(who, "inside", context), HTTP_ACCEPT="text/html")
    assert response.status_code in (200, 302), (name, response.status_code)
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return  # a redirect, a file (XLSX, PDF, zip) or JSON: no page to run scripts in
    csp = response["Content-Security-Policy"]
    script_src = csp.split("script-src")[1].split(";")[0]
    assert "'self'" in script_src and "unsafe-inline" not in script_src, (name, csp)
    assert "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp, (name, csp)
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), (name, INLINE_SCRIPT.search(html).group(0))
    assert not HANDLER.search(html), (name, HANDLER.search(html).group(0))
    assert not JS_URL.search(html), name

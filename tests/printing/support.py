"""Helpers for the printing tests: reading PDFs back, exact comparison of Vietnamese text."""

from __future__ import annotations

import io
import subprocess
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdf

SPECIAL_NAMES = [
    "Đặng Thị Ngọc Ánh",
    "Nguyễn Thị Hường",
    "Lê Văn Ưng",
    "Ksor H'Yơn",
    "Y Moan Êban",
]
SIGN_NOTE = "(Ký, ghi rõ họ và tên, đóng dấu của UBND)"


def reader(data: bytes | Path) -> pypdf.PdfReader:
    if isinstance(data, Path):
        data = data.read_bytes()
    return pypdf.PdfReader(io.BytesIO(data))


def page_lines(page: pypdf.PageObject) -> list[str]:
    return [line.strip() for line in page.extract_text().splitlines() if line.strip()]


def assert_same_text(got: str, want: str) -> None:
    """Equal, character by character (a clear diff of code points when not)."""
    if got != want:
        rows = [
            f"{i}: got {g!r} U+{ord(g):04X} {unicodedata.name(g, '?')} / want {w!r} "
            f"U+{ord(w):04X} {unicodedata.name(w, '?')}"
            for i, (g, w) in enumerate(zip(got, want, strict=False))
            if g != w
        ]
        raise AssertionError(f"{got!r} != {want!r}; lengths {len(got)}/{len(want)}; {rows[:5]}")
    assert [unicodedata.name(c) for c in got] == [unicodedata.name(c) for c in want]


def card_names(pdf: pypdf.PdfReader, pages: list[int] | None = None) -> list[tuple[str, str]]:
    """(name, card number) of every card (of the `pages` given), in order, read back from the
    PDF text."""
    out = []
    for page in pdf.pages if pages is None else [pdf.pages[i] for i in pages]:
        lines = page_lines(page)
        for i, line in enumerate(lines):
            if line == SIGN_NOTE:
                name = lines[i + 1]
                # name, birth, sex, residence (1-2 lines), number, barcode text
                code = next(x for x in lines[i + 1 :] if "/" in x and x.count("/") == 1)
                out.append((name, code.rsplit("/", 1)[1]))
    return out


def fonts_of(path: Path) -> list[tuple[str, bool]]:
    """(font name, embedded?) of every font, from poppler's pdffonts."""
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    fonts = []
    for line in out.stdout.splitlines()[2:]:
        parts = line.split()
        # name type [encoding…] emb sub uni object ID
        fonts.append((parts[0], parts[-5] == "yes"))
    return fonts


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@contextmanager
def use_broker(app, url: str) -> Iterator[None]:
    """Point the Celery app of this process at a real broker (tasks are sent, not run
    eagerly), its queue emptied first; the configuration is restored afterwards."""
    keys = ("broker_url", "task_always_eager", "broker_connection_retry_on_startup")
    saved = {k: app.conf.get(k) for k in keys}
    app.conf.update(
        broker_url=url, task_always_eager=False, broker_connection_retry_on_startup=False
    )
    _forget_connections(app)  # producers made earlier for the eager configuration
    try:
        assert app.connection_for_write().as_uri().startswith("redis://")
        with app.connection_for_write() as conn:
            conn.default_channel.client.flushdb()  # only this broker's database
        yield
    finally:
        app.conf.update(saved)
        _forget_connections(app)


def _forget_connections(app) -> None:
    app._pool = None
    app.amqp._producer_pool = None

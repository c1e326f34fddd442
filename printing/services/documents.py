"""From the election structure and the voter list to the plain data the layouts draw,
the pre-flight checks, and writing one polling area's PDF safely."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from election.models import AdminUnit, Contest, Election, PollingArea, UnitAncestry
from printing import rules, sources
from printing.layouts.cards import render_cards
from printing.layouts.data import AreaHeader, CardRow, ContestColumn, ListDocument, ListRow
from printing.layouts.voter_list import render_voter_list

CARDS = "cards"
LISTS = "lists"
PROVINCE_KINDS = {"city", "province"}


def _chain(unit: AdminUnit) -> list[AdminUnit]:
    """Ancestors of a unit from the top down, the unit included."""
    rows = (
        UnitAncestry.objects.filter(descendant=unit).select_related("ancestor").order_by("-depth")
    )
    return [r.ancestor for r in rows]


def _province_index(chain: list[AdminUnit]) -> int:
    for i in range(len(chain) - 1, -1, -1):
        if chain[i].kind in PROVINCE_KINDS:
            return i
    return 0


def area_header(area: PollingArea) -> AreaHeader:
    election = area.election
    chain = _chain(area.unit)
    p = _province_index(chain)
    between = chain[p + 1 : -1]
    kinds = set(election.contests.values_list("kind", flat=True))
    contests = {
        "national_assembly": Contest.Kind.NATIONAL_ASSEMBLY in kinds,
        "councils": Contest.Kind.PEOPLE_COUNCIL in kinds,
    }
    return AreaHeader(
        election_title=rules.election_title(election.date.year, **contests),
        list_title=rules.election_title(election.date.year, short=True, **contests),
        year=election.date.year,
        area_code=area.code,
        area_number=area.number,
        commune_name=rules.printable(area.unit.name),
        province_name=rules.printable(chain[p].name),
        district_name=rules.printable(between[-1].name) if between else None,
        area_name=rules.printable(area.name),
        rehearsal=election.is_rehearsal,
    )


@dataclass(frozen=True)
class Columns:
    columns: list[ContestColumn]
    index: dict[int, int]  # contest id → column


COUNCIL_LABELS = {0: ("Tỉnh", "tỉnh"), 1: ("Huyện", "huyện")}


def contest_columns(election: Election) -> Columns:
    """The mark columns of the posted list: "Bầu cử ĐBQH", then one column per council level
    of the election's tree (Tỉnh, Huyện, Xã in 2021; Tỉnh, Xã in 2026)."""
    contests = list(election.contests.select_related("unit"))
    root_chain = _chain(election.root)
    p = _province_index(root_chain)
    province_level = root_chain[p].level if root_chain else election.root.level
    area_levels = set(election.polling_areas.values_list("unit__level", flat=True).distinct())
    commune_level = max(area_levels) if area_levels else province_level + 2
    columns: list[ContestColumn] = []
    index: dict[int, int] = {}
    na = [c for c in contests if c.kind == Contest.Kind.NATIONAL_ASSEMBLY]
    if na:
        columns.append(ContestColumn("Bầu cử ĐBQH", False, "đại biểu Quốc hội"))
        for c in na:
            index[c.id] = 0
    levels = list(range(province_level, commune_level + 1))
    for level in levels:
        depth = level - province_level
        if level == commune_level:
            label, short = "Xã", "xã"
        else:
            label, short = COUNCIL_LABELS.get(depth, (f"Cấp {depth + 1}", f"cấp {depth + 1}"))
        col = len(columns)
        columns.append(ContestColumn(label, True, f"đại biểu HĐND {short}"))
        for c in contests:
            if c.kind == Contest.Kind.PEOPLE_COUNCIL and c.unit.level == level:
                index[c.id] = col
    return Columns(columns, index)


def card_rows(area: PollingArea) -> list[CardRow]:
    return [
        CardRow(
            stt=v.stt,
            full_name=rules.printable(v.full_name),
            birth_date=rules.printable(v.birth_date),
            sex=rules.sex_text(v.male),
            residence=rules.printable(v.residence),
        )
        for v in sources.voters_of_area(area)
    ]


def list_document(area: PollingArea, columns: Columns | None = None) -> ListDocument:
    columns = columns or contest_columns(area.election)
    n = len(columns.columns)
    rows = []
    for v in sources.voters_of_area(area):
        marks = [False] * n
        for cid in v.contest_ids:
            if cid in columns.index:
                marks[columns.index[cid]] = True
        rows.append(
            ListRow(
                stt=v.stt,
                full_name=rules.printable(v.full_name),
                birth_date=rules.printable(v.birth_date),
                male=v.male,
                ethnicity=rules.printable(v.ethnicity),
                occupation=rules.printable(v.occupation),
                permanent_address=rules.printable(v.permanent_address),
                temporary_address=rules.printable(v.temporary_address),
                marks=tuple(marks),
                note=rules.printable(v.note),
            )
        )
    return ListDocument(area_header(area), columns.columns, rows)


def preflight(area: PollingArea, kind: str) -> list[rules.Problem]:
    """Why this area must not be printed (empty: go ahead). Nothing is written."""
    header = area_header(area)
    problems = rules.check_glyphs(area.code, [(0, header.texts())])
    if kind == CARDS:
        rows = card_rows(area)
        problems += rules.check_glyphs(area.code, ((r.stt, r.texts()) for r in rows))
    else:
        doc = list_document(area)
        rows = doc.rows
        problems += rules.check_glyphs(area.code, ((r.stt, r.texts()) for r in doc.rows))
    problems += rules.check_duplicates(area.code, sources.unresolved_duplicates(area))
    problems += rules.check_numbers(area.code, (r.stt for r in rows), sources.voter_count(area))
    return problems


@dataclass(frozen=True)
class Written:
    path: Path
    sha256: str
    items: int
    pages: int
    size: int


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_area(area: PollingArea, kind: str, out_dir: Path, *, per_sheet: int = 1) -> Written:
    """Render the area's PDF to `<out_dir>/<area code>.pdf`: written under a temporary name in
    the same directory, then renamed, so a reader never sees half a file and a re-run
    replaces it with the same bytes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / f"{area.code}.pdf"
    fd, tmp = tempfile.mkstemp(prefix=f".{area.code}.", suffix=".part", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as f:
            if kind == CARDS:
                items = render_cards(area_header(area), card_rows(area), f, per_sheet=per_sheet)
                pages = max(1, -(-items // per_sheet))
            else:
                doc = list_document(area)
                pages = render_voter_list(doc, f)
                items = len(doc.rows)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Written(final, sha256_of(final), items, pages, final.stat().st_size)

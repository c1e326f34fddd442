"""Demo election definitions in the `baucu.election/1` format (formats.md §1).

Two shapes, both on the real administrative units of Ho Chi Minh City with their official codes
(data files beside this module; see their headers for the source):

- ``hcm-2021``: city → Thành phố Thủ Đức + 21 districts → 312 wards/communes/townships. Contests
  as in 2021 under the urban-government pilot (domain.md §1.1, §7.1): National Assembly, city
  council, Thủ Đức council, the 5 rural district councils and the councils of their 63
  communes/townships; no councils for quận or phường.
- ``hcm-2026``: city → 168 commune-level units (two tiers from 1 Jul 2025). Contests: National
  Assembly, city council and a council for every commune-level unit, Côn Đảo included.

Real: unit names and codes; the number of constituencies, seats and candidates of the NA, city
and Thủ Đức contests (and the 2021 totals of the rural district and commune councils).
Synthesized: which units make up each constituency, district/commune council sizes and their
constituencies, the polling areas, the voter estimates and every candidate (plausible names of
people who do not exist). The structure (constituencies, seats, candidate counts) depends only
on the shape; the seed changes the people and the polling-area split.
"""

from __future__ import annotations

import csv
import itertools
import math
import random
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from election.demo import names

FORMAT = "baucu.election/1"
SHAPES: tuple[str, ...] = ("hcm-2021", "hcm-2026")
SCALES: tuple[str, ...] = ("small", "city")
TURNOUT_SLOTS = ["09:00", "11:00", "14:00", "17:00", "19:00"]
NATIONAL_ASSEMBLY = "national_assembly"
PEOPLE_COUNCIL = "people_council"
ROOT = "79"
DATA_DIR = Path(__file__).resolve().parent

ELECTIONS: dict[str, dict[str, str]] = {
    "hcm-2021": {
        "slug": "hcm-2021",
        "name": "Bầu cử đại biểu Quốc hội khóa XV và đại biểu Hội đồng nhân dân các cấp "
        "nhiệm kỳ 2021-2026",
        "date": "2021-05-23",
        "na_name": "Đại biểu Quốc hội khóa XV",
    },
    "hcm-2026": {
        "slug": "hcm-2026",
        "name": "Bầu cử đại biểu Quốc hội khóa XVI và đại biểu Hội đồng nhân dân các cấp "
        "nhiệm kỳ 2026-2031",
        "date": "2026-03-15",
        "na_name": "Đại biểu Quốc hội khóa XVI",
    },
}

# Voters on the lists, domain.md §7.1 and §7.4 (the "city" scale aims at these totals).
VOTERS_TOTAL = {"hcm-2021": 5_455_060, "hcm-2026": 9_516_127}

# Approximate population of the pre-2025 district-level units (thousands, 2019 census, rounded).
# Used only as relative weights for the voter estimates and for balancing constituencies.
POPULATION_2019: dict[str, int] = {
    # Ho Chi Minh City
    "760": 142, "761": 620, "764": 676, "765": 499, "766": 474, "767": 485, "768": 163,
    "769": 1013, "770": 190, "771": 234, "772": 209, "773": 175, "774": 159, "775": 233,
    "776": 424, "777": 784, "778": 360, "783": 462, "784": 542, "785": 705, "786": 206,
    "787": 71,
    # former Bình Dương
    "718": 322, "719": 97, "720": 114, "721": 295, "722": 91, "723": 370, "724": 474,
    "725": 596, "726": 67,
    # former Bà Rịa – Vũng Tàu
    "747": 357, "748": 122, "750": 158, "751": 146, "752": 136, "753": 77, "754": 176,
    "755": 10,
}  # fmt: skip

# Neighbour-to-neighbour order of the 2021 districts: constituencies are contiguous runs of it.
ORDER_2021 = (
    "769", "765", "768", "760", "770", "771", "772", "774", "775", "773", "778", "786", "787",
    "776", "785", "777", "767", "766", "764", "761", "784", "783",
)  # fmt: skip
# The same for 2026, by former district (column "former" of the 2026 unit file).
ORDER_2026 = (
    "755", "752", "753", "751", "750", "748", "747", "754", "787", "786", "778", "773", "760",
    "770", "771", "774", "772", "775", "776", "785", "777", "767", "766", "768", "765", "764",
    "761", "784", "783", "720", "721", "719", "722", "726", "723", "718", "725", "724", "769",
)  # fmt: skip

RURAL_DISTRICTS_2021 = ("783", "784", "785", "786", "787")
# 2021 district council sizes (synthesized within the 2019 law's limits: 35 for a rural
# district of 80,000 people or more, 30 below; Cần Giờ is the small one). Total 170 (real).
DISTRICT_COUNCIL_SEATS_2021 = {"783": 35, "784": 35, "785": 35, "786": 35, "787": 30}
COMMUNE_COUNCIL_SEATS_2021 = 1838  # real total over the 63 rural communes/townships
CANDIDATES_2021 = {"QH": 50, "HDND-79": 158, "HDND-769": 67, "district": 284, "commune": 3043}
CANDIDATES_2026 = {"QH": 64, "HDND-79": 208}

# City scale: special polling areas, expected count over the whole city.
HOSPITAL_AREAS = 12
ARMED_UNIT_AREAS = 8
# 2026: HCMC's sea/offshore polling areas voted early, on 26 Feb 2026 (domain.md §1.5). Where they
# were is not in our sources; the demo puts them on the islands (Côn Đảo, Thạnh An, Cần Giờ).
EARLY_POLLING_2026 = ("2026-02-26", ("26732", "26732", "27676", "27664"))

_LOWER_PREFIXES = ("Thành phố ", "Quận ", "Huyện ", "Thị xã ", "Phường ", "Xã ", "Thị trấn ",
                   "Đặc khu ")  # fmt: skip


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str
    parent: str | None
    former: str | None = None


@dataclass
class _Constituency:
    number: int
    seats: int
    units: list[str]
    weight: float = 0.0
    candidates: int = 0


@dataclass
class _Contest:
    code: str
    kind: str
    unit: str
    name: str
    constituencies: list[_Constituency] = field(default_factory=list)
    by_leaf: dict[str, int] = field(default_factory=dict)  # leaf unit → constituency number
    shared_leaf: str | None = None  # commune council: its polling areas are shared out


@dataclass
class _Plan:
    shape: str
    units: tuple[Unit, ...]
    leaves: list[str]
    weight: dict[str, float]
    contests: list[_Contest]
    leaf_contests: dict[str, list[_Contest]]


# ---------------------------------------------------------------------------------------------
# Data


@cache
def load_units(shape: str) -> tuple[Unit, ...]:
    """The unit list of a shape from its CSV file (comment lines start with '#')."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; expected one of {', '.join(SHAPES)}")
    path = DATA_DIR / f"{shape.replace('-', '_')}_units.csv"
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    out = []
    for row in csv.DictReader(lines):
        out.append(
            Unit(
                code=row["code"],
                name=names.nfc(row["name"]),
                kind=row["kind"],
                parent=row["parent"] or None,
                former=row.get("former") or None,
            )
        )
    return tuple(out)


def lower_prefix(name: str) -> str:
    """Lower-case the unit type, as inside a sentence: "Huyện Củ Chi" → "huyện Củ Chi".

    The city keeps its capital ("Thành phố Hồ Chí Minh").
    """
    if name == "Thành phố Hồ Chí Minh":
        return name
    for prefix in _LOWER_PREFIXES:
        if name.startswith(prefix):
            return prefix.lower() + name[len(prefix) :]
    return name


# ---------------------------------------------------------------------------------------------
# Small helpers


def _contiguous_groups(weights: list[float], k: int) -> list[tuple[int, int]]:
    """Cut a sequence into k non-empty contiguous runs of weights as even as possible (least
    squared deviation from the mean; runs of at most ~3× the average length)."""
    n = len(weights)
    if not 1 <= k <= n:
        raise ValueError(f"cannot cut {n} items into {k} groups")
    prefix = [0.0, *itertools.accumulate(weights)]
    target = prefix[-1] / k
    longest = min(n - k + 1, 3 * math.ceil(n / k) + 2)
    inf = float("inf")
    best = [[inf] * (n + 1) for _ in range(k + 1)]
    back = [[0] * (n + 1) for _ in range(k + 1)]
    best[0][0] = 0.0
    for g in range(1, k + 1):
        row, prev = best[g], best[g - 1]
        for i in range(g, n - (k - g) + 1):
            for j in range(max(g - 1, i - longest), i):
                if prev[j] == inf:
                    continue
                cost = prev[j] + (prefix[i] - prefix[j] - target) ** 2
                if cost < row[i]:
                    row[i] = cost
                    back[g][i] = j
    bounds = [n]
    for g in range(k, 0, -1):
        bounds.append(back[g][bounds[-1]])
    bounds.reverse()
    return [(bounds[i], bounds[i + 1]) for i in range(k)]


def _apportion(weights: dict[str, float], total: int, caps: dict[str, int]) -> dict[str, int]:
    """At least one each, the rest by the Huntington–Hill priority, never above a cap."""
    counts = dict.fromkeys(weights, 1)
    while sum(counts.values()) < total:
        open_ = [key for key in weights if counts[key] < caps[key]]
        if not open_:
            raise ValueError("caps too small")
        best = max(open_, key=lambda key: weights[key] / math.sqrt(counts[key] * (counts[key] + 1)))
        counts[best] += 1
    return counts


def _split_seats(seats: int, most: int = 5) -> list[int]:
    """A council's seats over the fewest constituencies of at most `most` seats, evenly."""
    k = math.ceil(seats / most)
    base, extra = divmod(seats, k)
    return [base + 1] * extra + [base] * (k - extra)


def min_candidates(kind: str, seats: int) -> int:
    """Art 57(6), 58(3) (domain.md §0): NA seats + 2; councils +2 (3 seats), +3 (4–5), +1 (1–2)."""
    if kind == NATIONAL_ASSEMBLY:
        return seats + 2
    if seats >= 4:
        return seats + 3
    if seats == 3:
        return seats + 2
    return seats + 1


def _give_candidates(
    items: list[tuple[str, _Constituency]], total: int | None, rng: random.Random
) -> None:
    """Candidate counts: the legal minimum, plus the rest of `total` spread over the
    constituencies (or, without a total, an extra candidate here and there)."""
    for kind, const in items:
        const.candidates = min_candidates(kind, const.seats)
    if total is None:
        for _, const in items:
            if rng.random() < 0.3:
                const.candidates += 1
        return
    extra = total - sum(const.candidates for _, const in items)
    if extra < 0:
        raise ValueError(f"{total} candidates are fewer than the legal minimum")
    order = list(range(len(items)))
    rng.shuffle(order)
    for i in itertools.islice(itertools.cycle(order), extra):
        items[i][1].candidates += 1


def _unit_weights(
    rng: random.Random, groups: dict[str, list[str]], population: dict[str, int]
) -> dict[str, float]:
    """Share each group's population among its units at random (log-normal shares)."""
    weight: dict[str, float] = {}
    for group, members in groups.items():
        raw = [rng.lognormvariate(0.0, 0.4) for _ in members]
        scale = population[group] / sum(raw)
        for code, r in zip(members, raw, strict=True):
            weight[code] = r * scale
    return weight


def _council_name(unit: Unit) -> str:
    return f"Đại biểu HĐND {lower_prefix(unit.name)}"


def _commune_council(unit: Unit, seats: int, weight: float) -> _Contest:
    contest = _Contest(f"HDND-{unit.code}", PEOPLE_COUNCIL, unit.code, _council_name(unit))
    contest.shared_leaf = unit.code
    for number, s in enumerate(_split_seats(seats), 1):
        contest.constituencies.append(_Constituency(number, s, [unit.code], weight))
    return contest


def _assign_seats_by_weight(consts: list[_Constituency], seat_list: list[int]) -> None:
    """The larger seat counts go to the heavier constituencies."""
    ranked = sorted(consts, key=lambda c: (-c.weight, c.number))
    for const, seats in zip(ranked, sorted(seat_list, reverse=True), strict=True):
        const.seats = seats


# ---------------------------------------------------------------------------------------------
# Structure of each shape (independent of the seed)


def _plan_2021() -> _Plan:
    rng = random.Random("baucu-demo/hcm-2021/structure")
    units = load_units("hcm-2021")
    by_code = {u.code: u for u in units}
    districts = [u.code for u in units if u.parent == ROOT]
    assert sorted(districts) == sorted(ORDER_2021)
    wards_of: dict[str, list[str]] = {d: [] for d in districts}
    for u in units:
        if u.parent in wards_of:
            wards_of[u.parent].append(u.code)
    weight = _unit_weights(rng, wards_of, POPULATION_2019)
    dweight = {d: sum(weight[w] for w in wards_of[d]) for d in districts}
    contests: list[_Contest] = []

    # National Assembly: 10 constituencies of whole districts, 3 seats each.
    na = _Contest("QH", NATIONAL_ASSEMBLY, ROOT, ELECTIONS["hcm-2021"]["na_name"])
    for number, (a, b) in enumerate(_contiguous_groups([dweight[d] for d in ORDER_2021], 10), 1):
        members = list(ORDER_2021[a:b])
        na.constituencies.append(
            _Constituency(number, 3, members, sum(dweight[d] for d in members))
        )
        for d in members:
            for w in wards_of[d]:
                na.by_leaf[w] = number
    contests.append(na)

    # City council: 32 constituencies (3 seats; no. 31 has 2). A district is one constituency
    # or, when populous, is split into several runs of its wards (as Thủ Đức, Quận 12, ...).
    city = _Contest("HDND-79", PEOPLE_COUNCIL, ROOT, _council_name(by_code[ROOT]))
    counts = _apportion(dweight, 32, {d: len(wards_of[d]) for d in districts})
    number = 0
    for d in ORDER_2021:
        wards = wards_of[d]
        for a, b in _contiguous_groups([weight[w] for w in wards], counts[d]):
            number += 1
            members = wards[a:b]
            city.constituencies.append(
                _Constituency(
                    number,
                    2 if number == 31 else 3,
                    [d] if counts[d] == 1 else members,
                    sum(weight[w] for w in members),
                )
            )
            for w in members:
                city.by_leaf[w] = number
    contests.append(city)

    # Thủ Đức council: 40 seats in 13 constituencies (12 × 3 + 1 × 4) of its wards.
    thu_duc = _Contest("HDND-769", PEOPLE_COUNCIL, "769", _council_name(by_code["769"]))
    wards = wards_of["769"]
    for number, (a, b) in enumerate(_contiguous_groups([weight[w] for w in wards], 13), 1):
        members = wards[a:b]
        thu_duc.constituencies.append(
            _Constituency(number, 3, members, sum(weight[w] for w in members))
        )
        for w in members:
            thu_duc.by_leaf[w] = number
    _assign_seats_by_weight(thu_duc.constituencies, [4] + [3] * 12)
    contests.append(thu_duc)

    # Rural district councils: constituencies of whole communes, at most 5 seats.
    district_councils = []
    for d in RURAL_DISTRICTS_2021:
        council = _Contest(f"HDND-{d}", PEOPLE_COUNCIL, d, _council_name(by_code[d]))
        wards = wards_of[d]
        seat_list = _split_seats(DISTRICT_COUNCIL_SEATS_2021[d])
        groups = _contiguous_groups([weight[w] for w in wards], len(seat_list))
        for number, (a, b) in enumerate(groups, 1):
            members = wards[a:b]
            council.constituencies.append(
                _Constituency(number, 0, members, sum(weight[w] for w in members))
            )
            for w in members:
                council.by_leaf[w] = number
        _assign_seats_by_weight(council.constituencies, seat_list)
        district_councils.append(council)
    contests += district_councils

    # Commune/township councils of the rural districts: 30 seats, fewer for the smallest, so
    # that the total is the real 1,838.
    communes = [w for d in RURAL_DISTRICTS_2021 for w in wards_of[d]]
    seats = dict.fromkeys(communes, 30)
    cut = 30 * len(communes) - COMMUNE_COUNCIL_SEATS_2021
    for code in sorted(communes, key=lambda c: (weight[c], c)):
        if cut <= 0:
            break
        step = min(5, cut)
        seats[code] -= step
        cut -= step
    commune_councils = [_commune_council(by_code[c], seats[c], weight[c]) for c in communes]
    contests += commune_councils

    _give_candidates([(NATIONAL_ASSEMBLY, c) for c in na.constituencies], 50, rng)
    _give_candidates([(PEOPLE_COUNCIL, c) for c in city.constituencies], 158, rng)
    _give_candidates([(PEOPLE_COUNCIL, c) for c in thu_duc.constituencies], 67, rng)
    _give_candidates(
        [(PEOPLE_COUNCIL, c) for k in district_councils for c in k.constituencies],
        CANDIDATES_2021["district"],
        rng,
    )
    _give_candidates(
        [(PEOPLE_COUNCIL, c) for k in commune_councils for c in k.constituencies],
        CANDIDATES_2021["commune"],
        rng,
    )
    leaves = [u.code for u in units if u.parent not in (None, ROOT)]
    return _finish_plan("hcm-2021", units, leaves, weight, contests)


def _plan_2026() -> _Plan:
    rng = random.Random("baucu-demo/hcm-2026/structure")
    units = load_units("hcm-2026")
    by_code = {u.code: u for u in units}
    communes = [u for u in units if u.parent == ROOT]
    groups: dict[str, list[str]] = {f: [] for f in ORDER_2026}
    for u in communes:
        assert u.former in groups, u
        groups[u.former].append(u.code)
    weight = _unit_weights(rng, groups, POPULATION_2019)
    ordered = [code for f in ORDER_2026 for code in groups[f]]
    voters_per_weight = VOTERS_TOTAL["hcm-2026"] / sum(weight.values())
    contests: list[_Contest] = []

    # City council: 42 constituencies of whole communes (3 seats; no. 25 has 2).
    city = _Contest("HDND-79", PEOPLE_COUNCIL, ROOT, _council_name(by_code[ROOT]))
    for number, (a, b) in enumerate(_contiguous_groups([weight[c] for c in ordered], 42), 1):
        members = ordered[a:b]
        city.constituencies.append(
            _Constituency(
                number, 2 if number == 25 else 3, members, sum(weight[c] for c in members)
            )
        )
        for c in members:
            city.by_leaf[c] = number

    # National Assembly: 13 constituencies, each a run of whole city-council constituencies;
    # 12 × 3 seats + 1 × 2 (the lightest) = 38.
    na = _Contest("QH", NATIONAL_ASSEMBLY, ROOT, ELECTIONS["hcm-2026"]["na_name"])
    runs = _contiguous_groups([c.weight for c in city.constituencies], 13)
    for number, (a, b) in enumerate(runs, 1):
        members = [code for c in city.constituencies[a:b] for code in c.units]
        na.constituencies.append(_Constituency(number, 3, members, sum(weight[c] for c in members)))
        for c in members:
            na.by_leaf[c] = number
    _assign_seats_by_weight(na.constituencies, [3] * 12 + [2])
    contests += [na, city]

    # A council for every commune-level unit. Côn Đảo: it is a special zone with its own
    # local-government tier (council and people's committee) and far more than 1,000 residents,
    # so per domain.md §1.1 its voters get the commune-level ballot too (only a special zone
    # without a local-government tier votes NA + city council alone). Sizes are synthesized:
    # 30 seats, 25 below ~20,000 voters, 20 for the special zone.
    commune_councils = []
    for u in communes:
        voters = weight[u.code] * voters_per_weight
        seats = 20 if u.kind == "special_zone" else (30 if voters >= 20_000 else 25)
        commune_councils.append(_commune_council(u, seats, weight[u.code]))
    contests += commune_councils

    _give_candidates([(NATIONAL_ASSEMBLY, c) for c in na.constituencies], 64, rng)
    _give_candidates([(PEOPLE_COUNCIL, c) for c in city.constituencies], 208, rng)
    _give_candidates(
        [(PEOPLE_COUNCIL, c) for k in commune_councils for c in k.constituencies], None, rng
    )
    leaves = [u.code for u in communes]
    return _finish_plan("hcm-2026", units, leaves, weight, contests)


def _finish_plan(
    shape: str,
    units: tuple[Unit, ...],
    leaves: list[str],
    weight: dict[str, float],
    contests: list[_Contest],
) -> _Plan:
    parent = {u.code: u.parent for u in units}
    by_unit: dict[str, list[_Contest]] = {}
    for contest in contests:
        by_unit.setdefault(contest.unit, []).append(contest)
    leaf_contests: dict[str, list[_Contest]] = {}
    for leaf in leaves:
        chain: list[str] = []
        cur: str | None = leaf
        while cur is not None:
            chain.append(cur)
            cur = parent[cur]
        # Contests of the higher levels first: NA, city, district, commune.
        leaf_contests[leaf] = [c for code in reversed(chain) for c in by_unit.get(code, [])]
    return _Plan(shape, units, leaves, weight, contests, leaf_contests)


@cache
def _plan(shape: str) -> _Plan:
    # Cached: treat as read-only.
    return _plan_2021() if shape == "hcm-2021" else _plan_2026()


# ---------------------------------------------------------------------------------------------
# Polling areas, candidates, bodies (these depend on the seed)


def _area_sizes(rng: random.Random, voters: int, count: int) -> list[int]:
    """Split `voters` into `count` polling areas of 300–4,000 voters (most 1,000–2,500)."""
    shares = [min(1.8, max(0.45, rng.normalvariate(1.0, 0.22))) for _ in range(count)]
    scale = voters / sum(shares)
    return [min(4000, max(300, round(s * scale))) for s in shares]


def _polling_areas(plan: _Plan, scale: str, rng: random.Random) -> list[dict[str, Any]]:
    total_weight = sum(plan.weight[leaf] for leaf in plan.leaves)
    voters_total = VOTERS_TOTAL[plan.shape]
    p_hospital = HOSPITAL_AREAS / len(plan.leaves)
    p_armed = ARMED_UNIT_AREAS / len(plan.leaves)
    early_day, early_units = EARLY_POLLING_2026 if plan.shape == "hcm-2026" else ("", ())
    out: list[dict[str, Any]] = []
    for leaf in plan.leaves:
        contests = plan.leaf_contests[leaf]
        need = max([len(c.constituencies) for c in contests if c.shared_leaf == leaf], default=1)
        # (kind, voters, polling day or None)
        areas: list[tuple[str, int, str | None]] = []
        if scale == "city":
            special: list[tuple[str, int, str | None]] = []
            if rng.random() < p_hospital:
                special.append(("hospital", rng.randint(300, 900), None))
            if rng.random() < p_armed:
                special.append(("armed_unit", rng.randint(300, 700), None))
            for _ in range(early_units.count(leaf)):
                special.append(("armed_unit", rng.randint(300, 450), early_day))
            voters = round(voters_total * plan.weight[leaf] / total_weight)
            residential = max(voters - sum(v for _, v, _ in special), 300)
            count = max(need, round(residential / rng.uniform(1550, 1900)), 1)
            count = min(count, 99 - len(special))
            areas = [("residential", v, None) for v in _area_sizes(rng, residential, count)]
            areas += special
        else:
            areas = [("residential", rng.randint(900, 2600), None) for _ in range(need)]
        n = len(areas)
        for i, (kind, voters, day) in enumerate(areas):
            mapping: dict[str, int] = {}
            for contest in contests:
                if contest.shared_leaf == leaf:
                    mapping[contest.code] = i * len(contest.constituencies) // n + 1
                else:
                    mapping[contest.code] = contest.by_leaf[leaf]
            area: dict[str, Any] = {
                "code": f"{leaf}-{i + 1:02d}",
                "unit": leaf,
                "number": i + 1,
                "name": f"Khu vực bỏ phiếu số {i + 1}",
                "kind": kind,
                "constituencies": mapping,
                "voters_estimate": voters,
            }
            if day:
                area["polling_day"] = day
            out.append(area)
    return out


def _candidates(plan: _Plan, rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for contest in plan.contests:
        for const in contest.constituencies:
            for person in names.candidate_slate(rng, const.candidates):
                out.append(
                    {
                        "contest": contest.code,
                        "constituency": const.number,
                        "full_name": person.full_name,
                        "sex": person.sex,
                        "birth_date": person.birth,
                    }
                )
    return out


def _bodies(plan: _Plan, areas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_code = {u.code: u for u in plan.units}
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for contest in plan.contests:
        if contest.unit not in seen:
            seen.add(contest.unit)
            unit_name = lower_prefix(by_code[contest.unit].name)
            out.append(
                {"kind": "committee", "unit": contest.unit, "name": f"Ủy ban bầu cử {unit_name}"}
            )
    for contest in plan.contests:
        if contest.kind == NATIONAL_ASSEMBLY:
            what = contest.name[0].lower() + contest.name[1:]
        else:
            what = f"đại biểu HĐND {lower_prefix(by_code[contest.unit].name)}"
        for const in contest.constituencies:
            out.append(
                {
                    "kind": "board",
                    "contest": contest.code,
                    "constituency": const.number,
                    "name": f"Ban bầu cử đơn vị bầu cử số {const.number}, {what}",
                }
            )
    for area in areas:
        where = lower_prefix(by_code[area["unit"]].name)
        out.append(
            {
                "kind": "team",
                "polling_area": area["code"],
                "name": f"Tổ bầu cử khu vực bỏ phiếu số {area['number']}, {where}",
            }
        )
    return out


# ---------------------------------------------------------------------------------------------
# Entry point


def build_definition(shape: str, scale: str = "small", seed: int = 2021) -> dict:
    """A complete `baucu.election/1` document for a demo shape.

    scale "small": every unit, contest, constituency and candidate, but one polling area per
    ward/commune (a rural commune in 2021 and every commune in 2026 gets one per constituency of
    its own council, so that no constituency is left without a polling area).
    scale "city": realistic polling areas (300–4,000 voters each) adding up to the real number
    of voters, with a few hospital and armed-unit areas.
    """
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; expected one of {', '.join(SHAPES)}")
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    plan = _plan(shape)
    info = ELECTIONS[shape]
    candidates = _candidates(plan, random.Random(seed))
    areas = _polling_areas(plan, scale, random.Random(f"{seed}/{scale}/polling-areas"))
    return {
        "format": FORMAT,
        "units": [
            {"code": u.code, "name": u.name, "kind": u.kind, "parent": u.parent} for u in plan.units
        ],
        "election": {
            "slug": info["slug"],
            "name": info["name"],
            "date": info["date"],
            "root": ROOT,
            "turnout_slots": list(TURNOUT_SLOTS),
        },
        "contests": [
            {"code": c.code, "kind": c.kind, "unit": c.unit, "name": c.name} for c in plan.contests
        ],
        "constituencies": [
            {
                "contest": c.code,
                "number": k.number,
                "seats": k.seats,
                "name": f"Đơn vị bầu cử số {k.number}",
                "units": list(k.units),
            }
            for c in plan.contests
            for k in c.constituencies
        ],
        "polling_areas": areas,
        "candidates": candidates,
        "bodies": _bodies(plan, areas),
    }

"""The law on voter lists as pure functions: plain data in, plain data out, no ORM.

Sources (domain.md): §0 and §2.1 (18 full years by election day, Art 2; Art 30(1) statuses),
§2.2 (where a voter is listed and which contests they vote in, Art 29), §2.4 (changes until
24 hours before voting starts, Art 30, 32), §2.7 (columns), §9 (12-digit personal ID, dates).
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from common.text import fold, nfc

VOTING_AGE = 18
VOTING_STARTS = dt.time(7, 0)  # Art 71: 07:00 (a team may start earlier, not before 05:00)
CHANGES_CLOSE_BEFORE = dt.timedelta(hours=24)  # Art 30(2), 32: until 24 h before voting
POSTING_DAYS_BEFORE = 40  # Art 32: posted at least 40 days before election day
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Residence kinds and contest scopes (same values as voters.models.Voter).
PERMANENT, TEMPORARY, SOLDIER, DETAINED, ELSEWHERE = (
    "permanent",
    "temporary",
    "soldier",
    "detained",
    "elsewhere",
)
SCOPE_ALL, SCOPE_NO_COMMUNE, SCOPE_NA_PROVINCE = "all", "no_commune", "na_province"
# Tiers of a contest seen from a polling area.
TIER_NA, TIER_PROVINCE, TIER_MIDDLE, TIER_COMMUNE = "na", "province", "middle", "commune"

# Art 30(1) (domain.md §2.1): the grounds that keep a person off the list, in the law's words;
# a "became ineligible" change must name one (stored as the ledger event's reason).
ART30_STATUSES = {
    "deprived": (
        "đang bị tước quyền bầu cử theo bản án, quyết định của Tòa án đã có hiệu lực pháp luật"
    ),
    "death_sentence": "bị kết án tử hình đang trong thời gian chờ thi hành án",
    "prison": "đang phải chấp hành hình phạt tù mà không được hưởng án treo",
    "incapacity": "bị mất năng lực hành vi dân sự",
}


# --- age -------------------------------------------------------------------------------------


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier; 29 Feb → 28 Feb in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def latest_birth_date(election_day: dt.date) -> dt.date:
    """Born on or before this date = 18 full years on election day (2021: 23/05/2003)."""
    return _years_before(election_day, VOTING_AGE)


@dataclass(frozen=True)
class AgeCheck:
    eligible: bool
    flag: str = ""  # a warning a person should look at (year-only birth date on the boundary)


def age_check(
    birth_date: dt.date | None, birth_year: int | None, election_day: dt.date
) -> AgeCheck:
    """Art 2: 18 full years by election day.

    A year-only birth date (civil records with unknown day and month) is read as the earliest
    day of that year, as registries record it (01/01): a voter born in the boundary year is
    kept on the list with a flag for a person to check; a later year is under age.
    """
    limit = latest_birth_date(election_day)
    if birth_date is not None:
        return AgeCheck(birth_date <= limit)
    if birth_year is None:
        return AgeCheck(False)
    if birth_year < limit.year:
        return AgeCheck(True, "year_only")
    if birth_year == limit.year:
        return AgeCheck(True, "year_only_boundary")
    return AgeCheck(False, "year_only")


# --- contests by residence (Art 29; domain.md §2.2) -------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def contest_scope(residence: str, temporary_since: dt.date | None, election_day: dt.date) -> str:
    """Which contests of the polling area a voter takes part in.

    permanent residents, and temporary residents registered ≥ 12 months by election day: all;
    temporary < 12 months and soldiers at the unit's station: all but the commune council
    (2021: NA + province + district; 2026: NA + province); detainees and voters with a
    certificate to vote elsewhere: NA + provincial council.
    """
    if residence == PERMANENT:
        return SCOPE_ALL
    if residence == TEMPORARY:
        if temporary_since is not None and add_months(temporary_since, 12) <= election_day:
            return SCOPE_ALL
        return SCOPE_NO_COMMUNE
    if residence == SOLDIER:
        return SCOPE_NO_COMMUNE
    return SCOPE_NA_PROVINCE  # detained, elsewhere


def contest_tier(*, kind: str, contest_unit_id: int, root_unit_id: int, area_unit_id: int) -> str:
    """A contest's tier from a polling area: NA, the province (election root), the commune
    (the area's own unit), or a middle tier (the district, 2021)."""
    if kind == "national_assembly":
        return TIER_NA
    if contest_unit_id == root_unit_id:
        return TIER_PROVINCE
    if contest_unit_id == area_unit_id:
        return TIER_COMMUNE
    return TIER_MIDDLE


_SCOPE_TIERS = {
    SCOPE_ALL: {TIER_NA, TIER_PROVINCE, TIER_MIDDLE, TIER_COMMUNE},
    SCOPE_NO_COMMUNE: {TIER_NA, TIER_PROVINCE, TIER_MIDDLE},
    SCOPE_NA_PROVINCE: {TIER_NA, TIER_PROVINCE},
}


def takes_part(scope: str, tier: str) -> bool:
    return tier in _SCOPE_TIERS[scope]


def residence_for(*, area_kind: str, has_temporary: bool) -> str:
    """Residence kind of a row: the area's institution decides (armed unit, detention);
    otherwise a temporary address means the voter asked to vote at the temporary residence."""
    if area_kind == "armed_unit":
        return SOLDIER
    if area_kind == "detention":
        return DETAINED
    return TEMPORARY if has_temporary else PERMANENT


# --- cut-off and posting (Art 30, 32) --------------------------------------------------------


def voting_starts(polling_day: dt.date) -> dt.datetime:
    return dt.datetime.combine(polling_day, VOTING_STARTS, tzinfo=VN_TZ)


def changes_close(polling_day: dt.date) -> dt.datetime:
    """Changes to the list are allowed until 24 hours before voting starts."""
    return voting_starts(polling_day) - CHANGES_CLOSE_BEFORE


def changes_allowed(now: dt.datetime, polling_day: dt.date) -> bool:
    return now < changes_close(polling_day)


def posting_date(election_day: dt.date) -> dt.date:
    """The latest day the lists are posted (Art 32): 40 days before election day."""
    return election_day - dt.timedelta(days=POSTING_DAYS_BEFORE)


# --- ledger ---------------------------------------------------------------------------------

EVENT_DELTA = {
    "added": 1,
    "updated": 0,
    "removed": -1,
    "moved_out": -1,
    "moved_in": 1,
    "elsewhere_issued": -1,
    "elsewhere_received": 1,
    "ineligible": -1,
    "died": -1,
    "unreachable": -1,
    "duplicate": -1,
    "restored": 1,
}
NOTE_ELSEWHERE = "Bỏ phiếu ở nơi khác"


# --- parsing and validating a row (formats.md §2) ---------------------------------------------

COLUMNS: dict[str, tuple[str, ...]] = {
    "national_id": ("Số định danh cá nhân", "Số CCCD", "CCCD", "Số căn cước"),
    "full_name": ("Họ và tên",),
    "birth": ("Ngày sinh",),
    "sex": ("Giới tính",),
    "ethnicity": ("Dân tộc",),
    "occupation": ("Nghề nghiệp",),
    "permanent_address": ("Nơi thường trú",),
    "temporary_address": ("Nơi tạm trú",),
    "temporary_since": ("Ngày bắt đầu tạm trú",),
    "area_code": ("Mã khu vực bỏ phiếu",),
    "household_code": ("Mã hộ",),
    "relation": ("Quan hệ với chủ hộ",),
}
REQUIRED = ("national_id", "full_name", "birth", "sex", "area_code")
HEADERS = {key: names[0] for key, names in COLUMNS.items()}  # the label shown in errors
TEMPLATE_HEADERS = [names[0] for names in COLUMNS.values()]
_ALIASES = {fold(name): key for key, names in COLUMNS.items() for name in names}


def match_headers(cells: list[Any]) -> dict[str, int] | None:
    """Column index of each known field if this row is the header row (all required present)."""
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        if isinstance(cell, str):
            key = _ALIASES.get(fold(cell))
            if key and key not in found:
                found[key] = i
    return found if all(k in found for k in REQUIRED) else None


_DATE_RE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ID_RE = re.compile(r"^\d{12}$")


_DATE_CACHE: dict[tuple[str, bool], tuple[dt.date | None, int | None]] = {}


def parse_date(value: Any, *, allow_year: bool) -> tuple[dt.date | None, int | None]:
    """dd/mm/yyyy (or a spreadsheet date), or yyyy alone when allowed. Raises ValueError."""
    if isinstance(value, str):
        key = (value, allow_year)
        hit = _DATE_CACHE.get(key)
        if hit is None:
            hit = _parse_date(value, allow_year=allow_year)
            if len(_DATE_CACHE) > _CACHE_MAX:
                _DATE_CACHE.clear()
            _DATE_CACHE[key] = hit
        return hit
    return _parse_date(value, allow_year=allow_year)


def _parse_date(value: Any, *, allow_year: bool) -> tuple[dt.date | None, int | None]:
    if isinstance(value, dt.datetime):
        return value.date(), value.year
    if isinstance(value, dt.date):
        return value, value.year
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        value = str(value)
    text = str(value).strip()
    if allow_year and len(text) == 4 and text.isdigit():
        year = int(text)
        if 1880 <= year <= 2100:
            return None, year
        raise ValueError("year")
    m = _DATE_RE.match(text)
    if not m:
        raise ValueError("format")
    day = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return day, day.year


_TEXT_CACHE: dict[str, str] = {}
_CACHE_MAX = 300_000


def _text(value: Any) -> str:
    """NFC, trimmed, inner white space collapsed; cached (names, addresses, codes repeat)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return nfc(str(value))
    hit = _TEXT_CACHE.get(value)
    if hit is None:
        if len(_TEXT_CACHE) > _CACHE_MAX:
            _TEXT_CACHE.clear()
        hit = _TEXT_CACHE[value] = nfc(value)
    return hit


_SEX = {"nam": "M", "m": "M", "male": "M", "nu": "F", "f": "F", "female": "F"}
_SEX_FAST = {"Nam": "M", "Nữ": "F"}


def parse_sex(value: str) -> str | None:
    hit = _SEX_FAST.get(value)
    return hit if hit is not None else _SEX.get(fold(value))


_FOLD_CACHE: dict[str, str] = {}


def fold_cached(value: str) -> str:
    hit = _FOLD_CACHE.get(value)
    if hit is None:
        if len(_FOLD_CACHE) > _CACHE_MAX:
            _FOLD_CACHE.clear()
        hit = _FOLD_CACHE[value] = fold(value)
    return hit


_DIGIT_RE = re.compile(r"\d")


def parse_national_id(value: Any) -> str | None:
    if isinstance(value, str) and len(value) == 12 and value.isdigit():
        return value
    text = _text(value).replace(" ", "")
    return text if _ID_RE.match(text) else None


@dataclass(frozen=True)
class AreaInfo:
    id: int
    kind: str
    unit_id: int


@dataclass
class RowResult:
    record: dict[str, Any] | None
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column header, reason)
    national_id: str | None = None
    flags: list[str] = field(default_factory=list)


def validate_row(
    raw: dict[str, Any],
    *,
    election_day: dt.date,
    areas: dict[str, AreaInfo],
    allowed_area_ids: set[int] | None = None,
    closed_areas: dict[int, dt.datetime] | None = None,
) -> RowResult:
    """Check one row against the template and the law; reasons are in Vietnamese.

    `closed_areas`: polling areas whose own cut-off (24 hours before their voting starts,
    Art 30, 32) has passed, with that time: a row for one of them is refused."""
    errors: list[tuple[str, str]] = []
    flags: list[str] = []

    def err(key: str, reason: str) -> None:
        errors.append((HEADERS[key], reason))

    raw_id = raw.get("national_id")
    nid = parse_national_id(raw_id)
    if nid is None:
        raw_id = _text(raw_id)
    if not raw_id:
        err("national_id", "Thiếu số định danh cá nhân")
    elif nid is None:
        err("national_id", "Số định danh cá nhân phải gồm đúng 12 chữ số")

    full_name = _text(raw.get("full_name"))
    if not full_name:
        err("full_name", "Thiếu họ và tên")
    elif len(full_name) > 200 or _DIGIT_RE.search(full_name):
        err("full_name", "Họ và tên không hợp lệ")
    elif " " not in full_name:
        err("full_name", "Họ và tên phải có ít nhất họ và tên")

    birth_date: dt.date | None = None
    birth_year: int | None = None
    birth_raw = raw.get("birth")
    if birth_raw in (None, ""):
        err("birth", "Thiếu ngày sinh")
    else:
        try:
            birth_date, birth_year = parse_date(birth_raw, allow_year=True)
        except ValueError:
            err("birth", "Ngày sinh phải có dạng dd/mm/yyyy hoặc chỉ năm yyyy")
        else:
            if birth_date is not None and birth_date > election_day:
                err("birth", "Ngày sinh sau ngày bầu cử")
            else:
                check = age_check(birth_date, birth_year, election_day)
                if not check.eligible:
                    limit = latest_birth_date(election_day)
                    err(
                        "birth",
                        "Chưa đủ 18 tuổi vào ngày bầu cử (Điều 2: sinh vào hoặc trước ngày "
                        f"{limit:%d/%m/%Y})",
                    )
                elif check.flag:
                    flags.append(check.flag)

    sex = parse_sex(_text(raw.get("sex")))
    if sex is None:
        err("sex", "Giới tính phải là Nam hoặc Nữ")

    permanent = _text(raw.get("permanent_address"))
    temporary = _text(raw.get("temporary_address"))
    if not permanent and not temporary:
        err("permanent_address", "Cần nơi thường trú hoặc nơi tạm trú")
    temporary_since: dt.date | None = None
    since_raw = raw.get("temporary_since")
    if since_raw not in (None, ""):
        try:
            temporary_since, _ = parse_date(since_raw, allow_year=False)
        except ValueError:
            err("temporary_since", "Ngày bắt đầu tạm trú phải có dạng dd/mm/yyyy")
        else:
            if temporary_since > election_day:
                err("temporary_since", "Ngày bắt đầu tạm trú sau ngày bầu cử")
    elif temporary:
        err("temporary_since", "Người tạm trú cần ngày bắt đầu tạm trú")

    code = _text(raw.get("area_code"))
    area = areas.get(code)
    if not code:
        err("area_code", "Thiếu mã khu vực bỏ phiếu")
    elif area is None:
        err("area_code", f"Không có khu vực bỏ phiếu mã {code} trong cuộc bầu cử này")
    elif allowed_area_ids is not None and area.id not in allowed_area_ids:
        err("area_code", f"Khu vực bỏ phiếu {code} không thuộc đơn vị được nhập")
    elif closed_areas and area.id in closed_areas:
        err(
            "area_code",
            f"Khu vực bỏ phiếu {code} đã hết thời hạn thay đổi danh sách cử tri (24 giờ trước "
            f"khi bắt đầu bỏ phiếu, {closed_areas[area.id]:%H:%M %d/%m/%Y})",
        )

    ethnicity = _text(raw.get("ethnicity"))
    occupation = _text(raw.get("occupation"))
    household = _text(raw.get("household_code"))
    relation = _text(raw.get("relation"))
    for key, value, limit in (
        ("ethnicity", ethnicity, 64),
        ("occupation", occupation, 200),
        ("household_code", household, 32),
        ("relation", relation, 64),
        ("permanent_address", permanent, 300),
        ("temporary_address", temporary, 300),
    ):
        if len(value) > limit:
            err(key, f"Dài quá {limit} ký tự")

    if errors or area is None or sex is None or nid is None or birth_year is None:
        return RowResult(None, errors, nid, flags)
    residence = residence_for(area_kind=area.kind, has_temporary=bool(temporary))
    record = {
        "national_id": nid,
        "full_name": full_name,
        "search_key": fold_cached(full_name),
        "birth_date": birth_date,
        "birth_year": birth_year,
        "sex": sex,
        "ethnicity": ethnicity,
        "occupation": occupation,
        "permanent_address": permanent,
        "temporary_address": temporary,
        "temporary_since": temporary_since,
        "residence": residence,
        "contest_scope": contest_scope(residence, temporary_since, election_day),
        "household_code": household,
        "is_head": relation == "Chủ hộ" or fold_cached(relation) == "chu ho",
        "relation": relation,
        "polling_area_id": area.id,
    }
    return RowResult(record, [], nid, flags)


def group_decided(member_ids: Iterable[int], decisions: Mapping[int, Iterable[int]]) -> bool:
    """Is a group of likely duplicates decided to be different people? Yes when every two of
    its members were named together in one decision (`decisions`: voter id → ids of the
    decisions naming it). A member that joined later was never named with the others, so the
    group is open again; a member that left takes nothing away from the others."""
    ids = sorted(set(member_ids))
    named = {i: set(decisions.get(i, ())) for i in ids}
    return all(named[a] & named[b] for k, a in enumerate(ids) for b in ids[k + 1 :])


def household_order_key(household_first: int, is_head: bool, position: int) -> tuple:
    """List order (domain.md §2.7): household by household in the order households first
    appear in the file (along the street or hamlet), head of household first, then file order.
    `household_first` is the position of the household's first row (own position if none)."""
    return (household_first, 0 if is_head else 1, position)


# The person's details of a list entry, in template order: the one list the import, the
# register/edit services and the API share (formats.md §2, domain.md §2.7).
PERSON_FIELDS = (
    "national_id",
    "full_name",
    "birth_date",
    "birth_year",
    "sex",
    "ethnicity",
    "occupation",
    "permanent_address",
    "temporary_address",
    "temporary_since",
    "residence",
    "contest_scope",
    "household_code",
    "is_head",
    "relation",
)
# What a staged row holds after its file row number: the person, the folded name, the area.
STAGE_FIELDS = (*PERSON_FIELDS[:2], "search_key", *PERSON_FIELDS[2:], "polling_area_id")
# What the error report shows of a row rejected after staging (the ID twice in the file, or
# listed elsewhere): the staged values that come from the file's columns.
PARSED_FIELDS = tuple(
    f for f in STAGE_FIELDS if f not in ("search_key", "residence", "contest_scope", "is_head")
)


def copy_text(value: str) -> str:
    """A text value for PostgreSQL's COPY text format. Values went through nfc() (no tab, CR or
    line feed left); a backslash is doubled and NUL, which PostgreSQL cannot store, dropped."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\x00" in value:
        value = value.replace("\x00", "")
    return value


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return copy_text(value)
    return str(value)  # int, date (ISO)


def copy_line(row_no: int, record: dict[str, Any]) -> str:
    """One staged row (row number, then STAGE_FIELDS) as a line of COPY text format."""
    values = [str(row_no), *(_copy_value(record[k]) for k in STAGE_FIELDS)]
    return "\t".join(values) + "\n"


class FastRowValidator:
    """The common case of validate_row, fast: a clean row of text cells is checked with cached
    per-value results (names, dates, addresses and codes repeat) and returned staged: the tuple
    (row number, *STAGE_FIELDS), or with `copy=True` that row as a line of COPY text format
    (values rendered once per distinct value, so a row costs one join). Anything unusual (a
    flag, an error, a non-text cell) returns None, and the caller runs validate_row, which has
    the final word and the messages. Equivalence with validate_row on valid rows is tested."""

    def __init__(
        self,
        *,
        header: dict[str, int],
        election_day: dt.date,
        areas: dict[str, AreaInfo],
        allowed_area_ids: set[int] | None,
        copy: bool = False,
    ) -> None:
        self.idx = [header.get(k) for k in COLUMNS]
        self.width = max(i for i in self.idx if i is not None) + 1
        self.getter = None if None in self.idx else operator.itemgetter(*self.idx)
        self.day = election_day
        self.limit = latest_birth_date(election_day)
        self.copy = copy
        self.areas = {
            code: (str(a.id) if copy else a.id, a.kind)
            for code, a in areas.items()
            if allowed_area_ids is None or a.id in allowed_area_ids
        }
        self.null: str | None = "\\N" if copy else None
        # with copy: the last row's (area id, household code, is head) as staged
        self.key: tuple[str, str, bool] = ("", "", False)
        self.names: dict[str, tuple[str, str] | None] = {}
        self.births: dict[str, tuple[Any, Any] | None] = {}
        self.sinces: dict[str, Any] = {}
        self.texts: dict[str, str] = {}
        self.relations: dict[str, tuple[str, Any] | None] = {}
        self.scopes: dict[tuple[str, str, Any], tuple[str, str]] = {}

    def _name(self, value: str) -> tuple[str, str] | None:
        name = nfc(value)
        if not name or len(name) > 200 or " " not in name or _DIGIT_RE.search(name):
            return None
        if self.copy:
            return copy_text(name), copy_text(fold(name))
        return name, fold(name)

    def _date(self, value: str) -> dt.date | None:
        m = _DATE_RE.match(value)
        if not m:
            return None
        try:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            return None

    def _birth(self, value: str) -> tuple[Any, Any] | None:
        day = self._date(value)
        if day is None or day > self.limit:
            return None
        return (day.isoformat(), str(day.year)) if self.copy else (day, day.year)

    def _since(self, value: str) -> Any:
        day = self._date(value)
        if day is None or day > self.day:
            return None
        return day.isoformat() if self.copy else day

    def _text(self, value: str) -> str:
        hit = self.texts.get(value)
        if hit is None:
            if len(self.texts) > _CACHE_MAX:
                self.texts.clear()
            hit = nfc(value)
            if self.copy:
                hit = copy_text(hit)
            self.texts[value] = hit
        return hit

    def _relation(self, value: str) -> tuple[str, Any] | None:
        rel = nfc(value) if value else ""
        if len(rel) > 64:
            return None
        head = rel == "Chủ hộ" or fold(rel) == "chu ho"
        if self.copy:
            return copy_text(rel), ("t" if head else "f")
        return rel, head

    def __call__(self, cells: Any, row_no: int) -> tuple[Any, ...] | str | None:  # noqa: C901, PLR0911, PLR0912
        if len(cells) < self.width:
            return None
        if self.getter is not None:
            vals = self.getter(cells)
            for v in vals:
                if type(v) is not str:
                    return None
        else:
            vals = []
            for i in self.idx:
                v = "" if i is None else cells[i]
                if v is None:
                    v = ""
                elif type(v) is not str:
                    return None
                vals.append(v)
        nid, name, birth, sex, eth, occ, perm, temp, since, code, hh, rel = vals
        if len(nid) != 12 or not nid.isdigit():
            return None
        hit = self.names.get(name, False)
        if hit is False:
            if len(self.names) > _CACHE_MAX:
                self.names.clear()
            hit = self.names[name] = self._name(name)
        if hit is None:
            return None
        b = self.births.get(birth, False)
        if b is False:
            if len(self.births) > _CACHE_MAX:
                self.births.clear()
            b = self.births[birth] = self._birth(birth)
        if b is None:
            return None
        sex_code = _SEX_FAST.get(sex)
        if sex_code is None:
            return None
        area = self.areas.get(code)
        if area is None:
            return None
        perm_t = self._text(perm) if perm else ""
        temp_t = self._text(temp) if temp else ""
        if not perm_t and not temp_t:
            return None
        since_d = self.null
        if since:
            since_d = self.sinces.get(since, False)
            if since_d is False:
                since_d = self.sinces[since] = self._since(since)
            if since_d is None:
                return None
        elif temp_t:
            return None
        eth_t = self._text(eth) if eth else ""
        occ_t = self._text(occ) if occ else ""
        hh_t = self._text(hh) if hh else ""
        if len(eth_t) > 64 or len(occ_t) > 200 or len(hh_t) > 32:
            return None
        if len(perm_t) > 300 or len(temp_t) > 300:
            return None
        r = self.relations.get(rel, False)
        if r is False:
            if len(self.relations) > _CACHE_MAX:
                self.relations.clear()
            r = self.relations[rel] = self._relation(rel)
        if r is None:
            return None
        skey = (area[1], "t" if temp_t else "", since_d)
        sc = self.scopes.get(skey)
        if sc is None:
            since_day = since_d
            if self.copy:
                since_day = None if since_d == self.null else dt.date.fromisoformat(since_d)
            residence = residence_for(area_kind=area[1], has_temporary=bool(temp_t))
            sc = self.scopes[skey] = (residence, contest_scope(residence, since_day, self.day))
        row = (
            str(row_no) if self.copy else row_no,
            nid,
            hit[0],
            hit[1],
            b[0],
            b[1],
            sex_code,
            eth_t,
            occ_t,
            perm_t,
            temp_t,
            since_d,
            sc[0],
            sc[1],
            hh_t,
            r[1],
            r[0],
            area[0],
        )
        if self.copy:
            self.key = (area[0], hh_t, r[1] == "t")
            return "\t".join(row) + "\n"
        return row

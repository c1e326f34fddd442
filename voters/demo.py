"""Deterministic synthetic voter lists: realistic Vietnamese names, households, addresses.

Rows come out in the import template of formats.md §2 (dicts keyed by the template headers), so
the demo and the benchmark go through the same import as a real file. Same seed → same rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

from voters.rules import TEMPLATE_HEADERS

FAMILY = [
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 4),
    ("Phan", 4), ("Vũ", 4), ("Võ", 4), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2),
    ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Đinh", 1), ("Trương", 1), ("Lâm", 1), ("Mai", 1),
]  # fmt: skip
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Thanh", "Công", "Ngọc", "Hoàng", "Tấn"]
MIDDLE_F = ["Thị", "Thị", "Thị", "Ngọc", "Thanh", "Thu", "Kim", "Mỹ", "Phương", "Bích"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Đức", "Hải", "Hùng", "Khoa", "Long", "Minh", "Nam",
           "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Trung", "Tuấn", "Việt", "Vinh"]  # fmt: skip
GIVEN_F = ["Anh", "Ánh", "Châu", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh",
           "Mai", "Ngân", "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Trang", "Yến"]  # fmt: skip
STREETS = ["Hai Bà Trưng", "Trần Quang Khải", "Đinh Tiên Hoàng", "Nguyễn Đình Chiểu",
           "Lê Văn Sỹ", "Trần Hưng Đạo", "Nguyễn Thị Minh Khai", "Võ Thị Sáu"]  # fmt: skip
OCCUPATIONS = ["Công nhân", "Nội trợ", "Kinh doanh", "Giáo viên", "Nhân viên văn phòng",
               "Hưu trí", "Sinh viên", "Nông dân", "Lao động tự do", "Bác sĩ"]  # fmt: skip
ETHNIC = [("Kinh", 93), ("Hoa", 5), ("Khmer", 1), ("Chăm", 1)]


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _birth(rng: random.Random, election_day: dt.date, lo: int, hi: int) -> str:
    age_days = rng.randint(lo * 365 + 5, hi * 365)
    born = election_day - dt.timedelta(days=age_days)
    if rng.random() < 0.01:
        return str(born.year - 1)  # old civil records: year only
    return born.strftime("%d/%m/%Y")


def _name(rng: random.Random, family: str, sex: str) -> str:
    middle = rng.choice(MIDDLE_M if sex == "M" else MIDDLE_F)
    given = rng.choice(GIVEN_M if sex == "M" else GIVEN_F)
    return f"{family} {middle} {given}"


def generate_rows(
    *,
    area_codes: list[str],
    per_area: int,
    election_day: dt.date,
    ward_name: dict[str, str] | None = None,
    seed: int = 2021,
    id_start: int = 0,
) -> Iterator[dict[str, str]]:
    """Yield about `per_area` voters per polling area, household by household.

    IDs are 12 digits (079 = HCMC, century/sex digit, two-digit birth year, serial) and unique
    across one call for a given id_start. 8 % are temporary residents (half for < 12 months).
    """
    serial = id_start
    for a_index, code in enumerate(area_codes):
        rng = random.Random(f"{seed}:{code}")
        ward = (ward_name or {}).get(code, "")
        street = rng.choice(STREETS)
        count = 0
        house = rng.randint(1, 40)
        while count < per_area:
            house += rng.randint(1, 4)
            family = _weighted(rng, FAMILY)
            size = min(per_area - count, rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6]))
            household = f"{code.replace('-', '')}{house:04d}"
            temporary = rng.random() < 0.08
            address = f"{house} {street}, {ward}".strip(", ")
            since = ""
            if temporary:
                months = rng.choice([3, 8, 20, 40])
                since = (election_day - dt.timedelta(days=30 * months)).strftime("%d/%m/%Y")
            for member in range(size):
                head = member == 0
                sex = rng.choice("MF")
                if head:
                    born = _birth(rng, election_day, 30, 85)
                    relation = "Chủ hộ"
                elif member == 1:
                    born = _birth(rng, election_day, 25, 80)
                    relation = "Vợ" if sex == "F" else "Chồng"
                else:
                    born = _birth(rng, election_day, 18, 50)
                    relation = "Con"
                surname = family if (head or relation == "Con") else _weighted(rng, FAMILY)
                year = int(born[-4:])
                digit = (0 if year < 2000 else 2) + (1 if sex == "F" else 0)
                serial += 1
                # 3-digit province (079, overflow of the serial moves on to 080…), sex/century
                # digit, 2-digit birth year, 6-digit serial: unique for each serial.
                province = (79 + serial // 1_000_000) % 1000
                nid = f"{province:03d}{digit}{year % 100:02d}{serial % 1_000_000:06d}"
                yield {
                    "Số định danh cá nhân": nid,
                    "Họ và tên": _name(rng, surname, sex),
                    "Ngày sinh": born,
                    "Giới tính": "Nam" if sex == "M" else "Nữ",
                    "Dân tộc": _weighted(rng, ETHNIC),
                    "Nghề nghiệp": rng.choice(OCCUPATIONS),
                    "Nơi thường trú": "" if temporary else address,
                    "Nơi tạm trú": address if temporary else "",
                    "Ngày bắt đầu tạm trú": since,
                    "Mã khu vực bỏ phiếu": code,
                    "Mã hộ": household,
                    "Quan hệ với chủ hộ": relation,
                }
                count += 1
        del a_index


def write_csv(rows: Iterator[dict[str, str]], path: Path) -> int:
    """Write rows in the template to a UTF-8 CSV (with BOM, so Excel reads the accents)."""
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(TEMPLATE_HEADERS)
        for row in rows:
            writer.writerow([row[h] for h in TEMPLATE_HEADERS])
            n += 1
    return n

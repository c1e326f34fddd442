"""Plausible Vietnamese personal names for demo candidates (synthetic people, not real ones).

Names are family name (họ) + middle name (tên đệm, one or two words) + given name (tên), written
in that order with diacritics, NFC. Family names are drawn with roughly their real frequencies in
southern Viet Nam; every family name is a single word so that the "first word = họ, last word =
tên" split used by the importer is right.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import unicodedata
from dataclasses import dataclass, field

# Family names with relative weights (approximate shares in southern Viet Nam), then the middle
# and given names by sex; "|" separates entries (a middle name may have two words).
_FAMILY = (
    "Nguyễn 380|Trần 110|Lê 95|Phạm 70|Huỳnh 40|Hoàng 15|Phan 45|Võ 35|Vũ 8|Đặng 21|Bùi 20|"
    "Đỗ 14|Hồ 13|Ngô 13|Dương 10|Lý 5|Trương 8|Đinh 5|Lâm 5|Mai 4|Tô 3|Châu 3|Lương 3|Tạ 2|"
    "Cao 3|Quách 2|Hà 3|Thái 2|Đoàn 4|Lưu 3|Kiều 1|Triệu 1|La 1|Tăng 1|Từ 1"
)
FAMILY_NAMES: tuple[tuple[str, int], ...] = tuple(
    (entry.split()[0], int(entry.split()[1])) for entry in _FAMILY.split("|")
)
MIDDLE_MALE = tuple(
    "Văn|Văn|Văn|Minh|Hữu|Đức|Quốc|Thanh|Công|Hoàng|Tấn|Ngọc|Xuân|Thành|Trọng|Quang|Anh|"
    "Phước|Duy|Chí|Thế|Hồng|Bảo|Văn Minh|Hoàng Anh|Minh Quang".split("|")
)
MIDDLE_FEMALE = tuple(
    "Thị|Thị|Thị|Ngọc|Thanh|Thu|Kim|Mỹ|Hồng|Phương|Bích|Thùy|Thúy|Minh|Diễm|Hoài|Quỳnh|Bảo|"
    "Thị Thu|Thị Kim|Thị Ngọc|Ngọc Bảo".split("|")
)
GIVEN_MALE = tuple(
    "An|Bình|Cường|Dũng|Đức|Hải|Hiếu|Hòa|Hùng|Huy|Khánh|Khoa|Long|Minh|Nam|Nghĩa|Phong|Phúc|"
    "Quân|Sơn|Tài|Thắng|Thành|Thịnh|Tiến|Toàn|Trung|Tuấn|Việt|Vinh|Lâm|Lộc|Hưng|Kiên|Đạt|Hậu|"
    "Nhân|Trí|Tâm|Phát|Khải|Quý|Sang|Tùng|Ân|Bảo".split("|")
)
GIVEN_FEMALE = tuple(
    "Anh|Ánh|Bích|Châu|Chi|Diệp|Dung|Duyên|Giang|Hà|Hạnh|Hằng|Hiền|Hoa|Hồng|Hương|Lan|Liên|"
    "Linh|Loan|Mai|Nga|Ngân|Ngọc|Nhung|Oanh|Phượng|Quyên|Tâm|Thảo|Thu|Thủy|Trang|Trinh|Tuyết|"
    "Uyên|Vân|Yến|Xuân|Ân|Ái|Diễm|Trâm|Vy".split("|")
)

_FAMILY_WORDS = tuple(name for name, _ in FAMILY_NAMES)
_FAMILY_CUM = tuple(itertools.accumulate(weight for _, weight in FAMILY_NAMES))

BIRTH_FIRST = dt.date(1960, 1, 1)
BIRTH_LAST = dt.date(1995, 12, 31)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Person:
    family: str
    middle: str
    given: str
    sex: str  # "M" or "F"
    birth: str  # "YYYY-MM-DD", or "YYYY" where only the year is known
    full_name: str = field(init=False)

    def __post_init__(self) -> None:
        full = " ".join(part for part in (self.family, self.middle, self.given) if part)
        object.__setattr__(self, "full_name", nfc(full))


def random_family(rng: random.Random) -> str:
    return rng.choices(_FAMILY_WORDS, cum_weights=_FAMILY_CUM)[0]


def random_middle(rng: random.Random, sex: str) -> str:
    return rng.choice(MIDDLE_MALE if sex == "M" else MIDDLE_FEMALE)


def random_given(rng: random.Random, sex: str) -> str:
    return rng.choice(GIVEN_MALE if sex == "M" else GIVEN_FEMALE)


def random_birth_date(rng: random.Random) -> dt.date:
    span = (BIRTH_LAST - BIRTH_FIRST).days
    return BIRTH_FIRST + dt.timedelta(days=rng.randrange(span + 1))


def candidate_slate(
    rng: random.Random, count: int, *, year_only_share: float = 0.02
) -> list[Person]:
    """`count` people with unique full names, both sexes (when count ≥ 3), and one pair that
    shares a given name (sometimes also the family name) with different birth dates, so that
    ballot ordering by given name, family name, middle name, then birth date is exercised.
    The slate comes back shuffled."""
    if count < 1:
        return []
    sexes = ["F" if rng.random() < 0.4 else "M" for _ in range(count)]
    if count >= 3 and len(set(sexes)) == 1:
        sexes[-1] = "F" if sexes[-1] == "M" else "M"
    people: list[Person] = []
    used: set[str] = set()

    def add(family: str, middle: str, given: str, sex: str, birth: str) -> bool:
        person = Person(family, middle, given, sex, birth)
        if person.full_name in used:
            return False
        used.add(person.full_name)
        people.append(person)
        return True

    start = 0
    if count >= 2:
        sex = sexes[0]
        sexes[1] = sex
        given = random_given(rng, sex)
        first = random_birth_date(rng)
        second = random_birth_date(rng)
        while second == first:
            second = random_birth_date(rng)
        family = random_family(rng)
        add(family, random_middle(rng, sex), given, sex, first.isoformat())
        same_family = rng.random() < 0.35
        while True:
            other_family = family if same_family else random_family(rng)
            if add(other_family, random_middle(rng, sex), given, sex, second.isoformat()):
                break
        start = 2
    for i in range(start, count):
        sex = sexes[i]
        while True:
            if rng.random() < year_only_share:
                birth = str(rng.randint(1956, 1966))
            else:
                birth = random_birth_date(rng).isoformat()
            if add(random_family(rng), random_middle(rng, sex), random_given(rng, sex), sex, birth):
                break
    rng.shuffle(people)
    return people

"""Plain data the layouts draw: the header of a polling area and its rows."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AreaHeader:
    """Everything constant on the cards and list pages of one polling area."""

    election_title: str  # "BẦU CỬ ĐẠI BIỂU QUỐC HỘI KHÓA XV VÀ … NHIỆM KỲ 2021 - 2026"
    year: int  # of election day, for "Ngày … tháng … năm 2021"
    area_code: str  # "26734-01"
    area_number: int  # "Khu vực bỏ phiếu số 1"
    commune_name: str  # "Phường Tân Định"
    province_name: str  # "Thành phố Hồ Chí Minh"
    district_name: str | None = None  # None: a two-level tree (2026), no district line/column
    area_name: str = ""
    rehearsal: bool = False  # every page carries the "DIỄN TẬP" mark (common/rehearsal.py)
    # The list's title under "DANH SÁCH CỬ TRI" (Mẫu 33: "… ĐẠI BIỂU HĐND CÁC CẤP NHIỆM KỲ
    # 2021-2026"); empty: the card's title.
    list_title: str = ""

    def texts(self) -> list[str]:
        return [
            self.election_title,
            self.list_title,
            self.area_code,
            self.commune_name,
            self.province_name,
            self.district_name or "",
            self.area_name,
        ]


@dataclass(frozen=True)
class CardRow:
    """One voter card: the number is the voter's STT in the polling area's list."""

    stt: int
    full_name: str
    birth_date: str  # as written in the list: "12/03/1985" or "1950"
    sex: str  # "Nam" / "Nữ"
    residence: str  # the address the voter chose (permanent or temporary)

    def texts(self) -> tuple[str, ...]:
        return (self.full_name, self.birth_date, self.sex, self.residence)


@dataclass(frozen=True)
class ContestColumn:
    """A mark column of the posted list: "Bầu cử ĐBQH", or a council level under the group."""

    label: str  # "Bầu cử ĐBQH", "Tỉnh", "Huyện", "Xã"
    council: bool  # under the "Bầu cử đại biểu HĐND" group header
    total_label: str  # footer: "đại biểu Quốc hội", "đại biểu HĐND tỉnh", …


@dataclass(frozen=True)
class ListRow:
    """One line of the posted voter list (Mẫu 33/HĐBC)."""

    stt: int
    full_name: str
    birth_date: str
    male: bool
    ethnicity: str = ""
    occupation: str = ""
    permanent_address: str = ""
    temporary_address: str = ""
    marks: tuple[bool, ...] = ()  # aligned with the document's contest columns
    note: str = ""

    def texts(self) -> tuple[str, ...]:
        return (
            self.full_name,
            self.birth_date,
            self.ethnicity,
            self.occupation,
            self.permanent_address,
            self.temporary_address,
            self.note,
        )


@dataclass
class ListDocument:
    header: AreaHeader
    columns: list[ContestColumn]
    rows: list[ListRow] = field(default_factory=list)

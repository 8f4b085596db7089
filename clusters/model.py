"""The registry's records: plain dataclasses, no I/O, and the one declaration of a cluster's
fields.

``FIELDS`` declares every field of a cluster once, Django-style: its kind, its choices and
their labels, its labels and description in Vietnamese and English, and what it takes part
in (the attribute form, a stage change, the export, the import and its header synonyms).
Everything else derives from it: the SQL columns and their CHECK constraints
(``store.schema``), the row mapping (``store.sql``), the history codec (``codec``), the
export properties and the README data dictionary (``io.frame``), import parsing and column
matching (``io.values``, ``io.columns``), the form widgets and the displayed values (``ui``).
The ``Cluster`` dataclass below is written out for the type checker; a test keeps it, the
schema and the database columns identical. Adding a field is one ``Field`` here (and its
migration).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from shapely.geometry.base import BaseGeometry

from clusters import stages
from clusters.texts import Text


class Kind(Enum):
    """What a field holds; each kind has one column type, parser, widget and display."""

    ID = "id"  # the record's stable integer id, never reused
    REFERENCE = "reference"  # the id of another cluster
    COUNT = "count"  # a whole number the store keeps (the version)
    TEXT = "text"  # one line of text
    LONG_TEXT = "long_text"  # free text over several lines
    HECTARES = "hectares"  # an area in ha
    PERCENT = "percent"  # a share in % (derived)
    MONEY = "money"  # an amount in tỷ đồng (billion đồng)
    CHOICE = "choice"  # one code of a fixed list
    LIST = "list"  # several lines of text
    DATE = "date"  # a full date
    PARTIAL_DATE = "partial_date"  # YYYY, YYYY-MM or YYYY-MM-DD, kept as text
    BOOL = "bool"
    GEOMETRY = "geometry"  # a point or polygon, WGS84
    TIMESTAMP = "timestamp"  # a moment, kept in UTC
    LABEL = "label"  # the Vietnamese label of another field's code (export only)


# The unit a kind's values are in, as the data dictionary states it.
UNITS = {
    Kind.HECTARES: "ha",
    Kind.PERCENT: "%",
    Kind.MONEY: "tỷ đồng",
    Kind.DATE: "date",
    Kind.PARTIAL_DATE: "date",
    Kind.TIMESTAMP: "UTC",
}


@dataclass(frozen=True)
class Choice:
    code: str
    title: Text


@dataclass(frozen=True)
class Field:
    """One field of a cluster, declared once."""

    name: str
    kind: Kind
    title: Text  # the label, in the planners' words
    description: Text
    choices: tuple[Choice, ...] = ()
    # Other ways a choice is written in lists that reach the Department (folded → code).
    value_synonyms: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # Headers naming the field in district lists, Ministry templates and GIS files, besides
    # its name and labels; compared folded (no diacritics, lower case, no units).
    synonyms: tuple[str, ...] = ()
    required: bool = False  # every record has a value (NOT NULL)
    max_length: int | None = None  # a String(n) column instead of Text
    separator: str = ";"  # how a list is written in one cell
    stored: bool = True  # a column of its own and an attribute of ``Cluster``
    stamped: bool = False  # written by the store itself (id, version, who and when)
    editable: bool = True  # a write may change it
    stage: bool = False  # written only by a stage change, which brings its evidence
    form: bool = False  # on the attribute form
    exported: bool = True  # a property of every export
    imported: bool = True  # an import may read it from a column
    derived_from: str | None = None  # the field an export-only property restates
    attribute: str | None = None  # the ``Cluster`` attribute holding it (default: its name)

    def label(self, lang: str = "vi") -> str:
        return self.title.text(lang)

    @property
    def unit(self) -> str:
        return UNITS.get(self.kind, "")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)

    def choice_title(self, code: str) -> Text | None:
        return next((c.title for c in self.choices if c.code == code), None)

    @property
    def nullable(self) -> bool:
        return not self.required and self.kind not in (Kind.LIST, Kind.BOOL)


def _choices(*pairs: tuple[str, str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(code, Text(vi, en)) for code, vi, en in pairs)


def _t(vi: str, en: str) -> Text:
    return Text(vi, en)


# One row per field of a cluster, in the order of the database columns and the export.
FIELDS: tuple[Field, ...] = (
    Field(
        "id",
        Kind.ID,
        _t("Mã", "Id"),
        _t("mã ổn định, không bao giờ dùng lại", "stable identifier (GeoJSON feature id)"),
        synonyms=("id", "ma", "ma cum", "ma ccn", "cluster id"),
        required=True,
        stamped=True,
        editable=False,
    ),
    Field(
        "name",
        Kind.TEXT,
        _t("Tên cụm", "Name"),
        _t("tên cụm, tiếng Việt có dấu", "cluster name (Vietnamese)"),
        synonyms=(
            "ten",
            "ten cum",
            "ten ccn",
            "ten cum cong nghiep",
            "cum cong nghiep",
            "cluster",
            "cluster name",
            "ten_ccn",
        ),
        required=True,
        form=True,
    ),
    Field(
        "aliases",
        Kind.LIST,
        _t("Tên khác", "Aliases"),
        _t("tên cũ và tên gọi khác", "former names and aliases"),
        synonyms=("alias", "ten goi khac"),
        form=True,
    ),
    Field(
        "cluster_type",
        Kind.CHOICE,
        _t("Loại cụm", "Type"),
        _t("cụm chung hay cụm làng nghề", "general or craft-village cluster"),
        choices=_choices(
            ("general", "CCN chung", "General"),
            ("craft_village", "CCN làng nghề", "Craft village"),
        ),
        value_synonyms={
            "ccn": "general",
            "chung": "general",
            "cum cong nghiep": "general",
            "ccn lang nghe": "craft_village",
            "lang nghe": "craft_village",
            "cum lang nghe": "craft_village",
        },
        synonyms=("loai", "loai ccn", "type", "loai hinh"),
        required=True,
        max_length=20,
        form=True,
    ),
    Field(
        "parent_id",
        Kind.REFERENCE,
        _t("Cụm gốc (mở rộng/giai đoạn 2)", "Parent cluster"),
        _t(
            "mã của cụm mà cụm này mở rộng (mở rộng / giai đoạn 2)",
            "id of the cluster this one expands (mở rộng / giai đoạn 2)",
        ),
        synonyms=("parent", "ma cum goc"),
    ),
    Field(
        "stage",
        Kind.CHOICE,
        _t("Giai đoạn", "Stage"),
        _t("mã giai đoạn (xem bảng giai đoạn)", "stage code (see the stage table)"),
        choices=tuple(Choice(s.code, Text(s.label_vi, s.label_en)) for s in stages.STAGES),
        value_synonyms={
            "quy hoach": "planned",
            "thanh lap": "established",
            "gpmb": "site_clearance",
            "giai phong mat bang": "site_clearance",
            "dang xay dung": "under_construction",
            "khoi cong": "under_construction",
            "dang xay dung ha tang": "under_construction",
            "hoan thien ha tang": "completing",
            "hoat dong": "operating",
            "da di vao hoat dong": "operating",
            "dua ra khoi quy hoach": "removed",
        },
        synonyms=(
            "giai doan",
            "hien trang",
            "tinh trang",
            "trang thai",
            "tinh trang trien khai",
            "status",
        ),
        required=True,
        max_length=20,
        stage=True,
    ),
    Field(
        "stage_label",
        Kind.LABEL,
        _t("Tên giai đoạn", "Stage label"),
        _t("giai đoạn bằng tiếng Việt", "stage in Vietnamese"),
        stored=False,
        editable=False,
        imported=False,
        derived_from="stage",
    ),
    Field(
        "stage_effective_date",
        Kind.DATE,
        _t("Ngày hiệu lực giai đoạn", "Stage effective date"),
        _t(
            "ngày giai đoạn hiện tại có hiệu lực",
            "date the current stage took effect (YYYY-MM-DD)",
        ),
        synonyms=("ngay hieu luc", "effective date"),
        stage=True,
    ),
    Field(
        "stage_evidence",
        Kind.TEXT,
        _t("Căn cứ giai đoạn", "Stage evidence"),
        _t(
            "văn bản hoặc biên bản kiểm tra làm căn cứ cho giai đoạn hiện tại",
            "document or inspection behind the current stage",
        ),
        synonyms=("can cu", "evidence"),
        stage=True,
    ),
    Field(
        "stage_verified",
        Kind.BOOL,
        _t("Đã xác minh giai đoạn", "Stage verified"),
        _t(
            "đúng khi giai đoạn có căn cứ gần đây",
            "true when the stage is backed by recent evidence",
        ),
        synonyms=("da xac minh", "verified"),
        stage=True,
    ),
    Field(
        "as_of",
        Kind.PARTIAL_DATE,
        _t("Số liệu tính đến", "As of"),
        _t(
            "ngày của căn cứ mới nhất (NNNN, NNNN-TT hoặc NNNN-TT-NN)",
            "date of the latest evidence (YYYY, YYYY-MM or YYYY-MM-DD)",
        ),
        synonyms=("tinh den", "ngay so lieu"),
        max_length=10,
        form=True,
    ),
    Field(
        "batch",
        Kind.CHOICE,
        _t("Đợt thành lập", "Batch"),
        _t("giai đoạn của quyết định thành lập", "period of the establishment decision"),
        choices=_choices(
            ("before_2018", "Trước 2018", "Before 2018"),
            ("2018_2020", "2018–2020", "2018–2020"),
            ("2021_2025", "2021–2025", "2021–2025"),
            ("2026_2030", "2026–2030", "2026–2030"),
        ),
        value_synonyms={"truoc nam 2018": "before_2018"},
        synonyms=("dot", "dot thanh lap", "giai doan thanh lap"),
        max_length=20,
        form=True,
    ),
    Field(
        "location_precision",
        Kind.CHOICE,
        _t("Độ chính xác vị trí", "Location precision"),
        _t("vị trí đo đạc hay gần đúng", "how the location was found"),
        choices=_choices(
            ("surveyed", "đo đạc", "surveyed"),
            ("commune", "điểm đại diện của xã", "commune label point"),
            ("commune_from_name", "xã suy ra từ tên cụm", "commune guessed from the name"),
            ("district", "một điểm trong huyện", "a point in the former district"),
        ),
        synonyms=("do chinh xac", "precision"),
        required=True,
        max_length=20,
    ),
    Field(
        "approximate",
        Kind.BOOL,
        _t("Vị trí gần đúng", "Approximate location"),
        _t("đúng khi vị trí chỉ gần đúng", "true when the location is only approximate"),
        stored=False,
        editable=False,
        imported=False,
        derived_from="location_precision",
        attribute="is_approximate",
    ),
    Field(
        "district_2019",
        Kind.TEXT,
        _t("Quận/huyện (trước 2025)", "Former district"),
        _t(
            "quận/huyện trước 1/7/2025, ghi đúng như trong các quyết định",
            "former district (before 1 July 2025), as in the legal decisions",
        ),
        synonyms=(
            "quan huyen",
            "huyen",
            "quan",
            "district",
            "dia ban huyen",
            "quan huyen thi xa",
        ),
        form=True,
    ),
    Field(
        "commune_2019",
        Kind.TEXT,
        _t("Xã/phường (trước 2025)", "Former commune"),
        _t(
            "xã/phường trước 1/7/2025, ghi đúng như trong các quyết định",
            "former commune (before 1 July 2025), as in the legal decisions",
        ),
        synonyms=("xa phuong", "xa", "phuong xa", "commune", "xa phuong thi tran"),
        form=True,
    ),
    Field(
        "commune_2025_code",
        Kind.TEXT,
        _t("Mã xã/phường 2025", "2025 commune code"),
        _t("mã 5 chữ số của xã/phường từ 2025", "5-digit code of the 2025 commune"),
        synonyms=("ma xa 2025", "commune code"),
        max_length=5,
        form=True,
    ),
    Field(
        "commune_2025_name",
        Kind.TEXT,
        _t("Xã/phường 2025", "2025 commune"),
        _t("xã/phường từ 1/7/2025", "2025 commune"),
        synonyms=("xa 2025", "xa phuong moi"),
        form=True,
    ),
    Field(
        "area_ha",
        Kind.HECTARES,
        _t("Diện tích quyết định", "Decided area"),
        _t("tổng diện tích theo quyết định", "decided total area"),
        synonyms=(
            "dien tich",
            "tong dien tich",
            "quy mo",
            "area",
            "dien tich quy hoach",
            "dien_tich",
        ),
        form=True,
    ),
    Field(
        "industrial_land_ha",
        Kind.HECTARES,
        _t("Đất công nghiệp", "Industrial land"),
        _t("diện tích đất công nghiệp", "industrial land"),
        synonyms=("dien tich dat cong nghiep", "dat cn"),
        form=True,
    ),
    Field(
        "leased_land_ha",
        Kind.HECTARES,
        _t("Đất đã cho thuê", "Leased land"),
        _t("diện tích đất công nghiệp đã cho thuê", "leased land"),
        synonyms=("dien tich da cho thue", "dat da cho thue"),
        form=True,
    ),
    Field(
        "occupancy_pct",
        Kind.PERCENT,
        _t("Tỷ lệ lấp đầy", "Occupancy"),
        _t("đất đã cho thuê / đất công nghiệp, tự tính", "leased / industrial land"),
        stored=False,
        editable=False,
        imported=False,
    ),
    Field(
        "occupancy_note",
        Kind.TEXT,
        _t("Ghi chú lấp đầy", "Occupancy as reported"),
        _t("tỷ lệ lấp đầy như được báo cáo", "occupancy as reported (free text)"),
        form=True,
    ),
    Field(
        "investor",
        Kind.TEXT,
        _t("Chủ đầu tư hạ tầng", "Infrastructure investor"),
        _t("chủ đầu tư hạ tầng kỹ thuật", "infrastructure investor"),
        synonyms=("chu dau tu", "cdt", "nha dau tu ha tang", "investor"),
        form=True,
    ),
    Field(
        "investor_type",
        Kind.CHOICE,
        _t("Loại chủ đầu tư", "Investor type"),
        _t("loại chủ đầu tư hạ tầng", "kind of infrastructure investor"),
        choices=_choices(
            ("enterprise", "Doanh nghiệp", "Enterprise"),
            ("cooperative", "Hợp tác xã", "Cooperative"),
            ("district_board", "Ban quản lý dự án cấp huyện", "District project board"),
            ("state_agency", "Cơ quan nhà nước", "State agency"),
            ("other", "Khác", "Other"),
        ),
        synonyms=("loai cdt",),
        max_length=20,
        form=True,
    ),
    Field(
        "wwtp_status",
        Kind.CHOICE,
        _t("Trạm xử lý nước thải", "Wastewater plant"),
        _t("tình trạng trạm xử lý nước thải tập trung", "central wastewater plant status"),
        choices=_choices(
            ("none", "Không có", "None"),
            ("planned", "Đã có kế hoạch", "Planned"),
            ("under_construction", "Đang xây dựng", "Under construction"),
            ("built_not_operating", "Đã xây, chưa vận hành", "Built, not operating"),
            ("operating", "Đang vận hành", "Operating"),
            ("operating_compliant", "Vận hành đạt chuẩn", "Operating to standard"),
        ),
        value_synonyms={"chua co": "none"},
        synonyms=("xu ly nuoc thai", "tram xlnt", "htxlnt", "he thong xu ly nuoc thai", "wwtp"),
        max_length=30,
        form=True,
    ),
    Field(
        "wwtp_note",
        Kind.TEXT,
        _t("Ghi chú nước thải", "Wastewater note"),
        _t("trạm xử lý nước thải như được báo cáo", "wastewater plant as reported (free text)"),
        form=True,
    ),
    # The facts Circular 14/2024's Biểu 02–04 count (clusters.reports.forms).
    Field(
        "specialised",
        Kind.BOOL,
        _t("CCN chuyên ngành", "Specialised cluster"),
        _t(
            "ít nhất 60% đất công nghiệp dành cho dự án cùng ngành, nghề",
            "at least 60% of the industrial land for projects of one industry",
        ),
        synonyms=("chuyen nganh", "ccn chuyen nganh", "specialised"),
        form=True,
    ),
    Field(
        "plan_area_ha",
        Kind.HECTARES,
        _t("Diện tích theo phương án phát triển", "Plan area"),
        _t(
            "diện tích của cụm trong phương án phát triển cụm công nghiệp",
            "area in the cluster development plan",
        ),
        synonyms=("dien tich theo phuong an", "dien tich quy hoach phat trien"),
        form=True,
    ),
    Field(
        "detailed_plan_approved_on",
        Kind.DATE,
        _t("Ngày phê duyệt quy hoạch chi tiết", "Detailed plan approved on"),
        _t(
            "ngày phê duyệt quy hoạch chi tiết 1/500",
            "approval date of the 1/500 detailed plan",
        ),
        synonyms=("ngay phe duyet qhct", "phe duyet quy hoach chi tiet", "qhct"),
        form=True,
    ),
    Field(
        "infra_project_approved_on",
        Kind.DATE,
        _t("Ngày phê duyệt dự án hạ tầng", "Infrastructure project approved on"),
        _t(
            "ngày phê duyệt dự án đầu tư xây dựng hạ tầng kỹ thuật",
            "approval date of the infrastructure investment project",
        ),
        synonyms=("ngay phe duyet du an ha tang", "phe duyet du an dau tu"),
        form=True,
    ),
    Field(
        "infra_investment_bn",
        Kind.MONEY,
        _t("Tổng mức đầu tư hạ tầng", "Infrastructure investment"),
        _t(
            "tổng mức đầu tư xây dựng hạ tầng kỹ thuật theo dự án được duyệt",
            "total infrastructure investment in the approved project",
        ),
        synonyms=("tong muc dau tu", "tong von dau tu ha tang"),
        form=True,
    ),
    Field(
        "capital_paid_bn",
        Kind.MONEY,
        _t("Vốn hạ tầng đã đầu tư", "Infrastructure capital paid"),
        _t(
            "tổng vốn lũy kế đã thanh toán cho hạ tầng kỹ thuật",
            "infrastructure capital paid to date",
        ),
        synonyms=("von da dau tu", "von luy ke da thanh toan"),
        form=True,
    ),
    Field(
        "serviced_land_ha",
        Kind.HECTARES,
        _t("Đất đủ điều kiện cho thuê", "Serviced land"),
        _t(
            "đất công nghiệp đã xây dựng hạ tầng kỹ thuật, đủ điều kiện cho thuê",
            "industrial land with infrastructure built, ready to lease",
        ),
        synonyms=("dat du dieu kien cho thue", "dien tich da xay dung ha tang"),
        form=True,
    ),
    Field(
        "committed_land_ha",
        Kind.HECTARES,
        _t("Đất đã cho thuê hoặc đăng ký đầu tư", "Committed land"),
        _t(
            "đất công nghiệp đã cho thuê hoặc đã có chủ trương, giấy chứng nhận đầu tư",
            "industrial land leased or with investment approval or registration",
        ),
        synonyms=("dat da dang ky dau tu", "dien tich lap day"),
        form=True,
    ),
    Field(
        "confidence",
        Kind.CHOICE,
        _t("Độ tin cậy", "Confidence"),
        _t("độ tin cậy của cả bản ghi", "confidence in the record as a whole"),
        choices=_choices(
            ("high", "Cao", "High"),
            ("medium", "Trung bình", "Medium"),
            ("low", "Thấp", "Low"),
        ),
        max_length=10,
        form=True,
    ),
    Field(
        "sources",
        Kind.LIST,
        _t("Nguồn", "Sources"),
        _t("địa chỉ web hoặc văn bản làm nguồn", "sources (URLs or document references)"),
        synonyms=("nguon", "source", "nguon tin"),
        separator="|",
        form=True,
    ),
    Field(
        "notes",
        Kind.LONG_TEXT,
        _t("Ghi chú", "Notes"),
        _t("lưu ý về số liệu", "caveats"),
        synonyms=("ghi chu", "note", "notes", "remarks"),
        form=True,
    ),
    Field(
        "geometry",
        Kind.GEOMETRY,
        _t("Vị trí", "Location"),
        _t("điểm hoặc ranh giới, WGS84", "point or polygon, WGS84"),
        required=True,
        exported=False,  # it is the feature's geometry, not a property
        imported=False,  # read from the coordinate columns (``io.columns``)
    ),
    Field(
        "version",
        Kind.COUNT,
        _t("Phiên bản", "Version"),
        _t("phiên bản của bản ghi", "record version"),
        synonyms=("phien ban",),
        required=True,
        stamped=True,
        editable=False,
    ),
    Field(
        "created_at",
        Kind.TIMESTAMP,
        _t("Tạo lúc", "Created at"),
        _t("thời điểm tạo bản ghi", "time the record was created"),
        required=True,
        stamped=True,
        editable=False,
        exported=False,
        imported=False,
    ),
    Field(
        "created_by",
        Kind.TEXT,
        _t("Người tạo", "Created by"),
        _t("tài khoản tạo bản ghi", "account that created the record"),
        required=True,
        stamped=True,
        editable=False,
        exported=False,
        imported=False,
    ),
    Field(
        "updated_at",
        Kind.TIMESTAMP,
        _t("Cập nhật lúc", "Updated at"),
        _t("thời điểm thay đổi gần nhất", "time of the last change"),
        required=True,
        stamped=True,
        editable=False,
        imported=False,
    ),
    Field(
        "updated_by",
        Kind.TEXT,
        _t("Người sửa", "Updated by"),
        _t("tài khoản thay đổi gần nhất", "account that made the last change"),
        required=True,
        stamped=True,
        editable=False,
        exported=False,
        imported=False,
    ),
)
FIELD_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
# The fields with a column (or columns, for the geometry) and a ``Cluster`` attribute.
STORED_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if f.stored)
CHOICE_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if f.kind is Kind.CHOICE)

# Attributes a write may change (identity and bookkeeping are not among them).
EDITABLE_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.editable)
# The stage and what backs it: written only by a stage change, which brings its evidence.
STAGE_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.stage)
# What an attribute update (a form, an import row) may change.
ATTRIBUTE_FIELDS: tuple[str, ...] = tuple(f for f in EDITABLE_FIELDS if f not in STAGE_FIELDS)
# What the attribute form shows, in this order.
FORM_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.form)


CLUSTER_TYPES = FIELD_BY_NAME["cluster_type"].codes
LOCATION_PRECISIONS = FIELD_BY_NAME["location_precision"].codes
APPROXIMATE_PRECISIONS = frozenset({"commune", "commune_from_name", "district"})
BATCHES = FIELD_BY_NAME["batch"].codes
WWTP_STATUSES = FIELD_BY_NAME["wwtp_status"].codes
INVESTOR_TYPES = FIELD_BY_NAME["investor_type"].codes
CONFIDENCE_LEVELS = FIELD_BY_NAME["confidence"].codes
DECISION_TYPES = (
    "planning",
    "establishment",
    "expansion",
    "compensation",
    "groundbreaking",
    "acceptance",
    "operation",
    "removal",
    "inspection",
    "other",
)


_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def read_partial_date(text: str) -> str:
    """``2025``, ``2025-6`` or ``2025-06-14`` as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``;
    ``ValueError`` for anything else, or a month or day that does not exist (2025-13)."""
    found = _PARTIAL_DATE.match(text.strip())
    if found is None:
        raise ValueError("not YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = found.groups()
    if day is not None:
        return date(int(year), int(month), int(day)).isoformat()
    if month is not None:
        return date(int(year), int(month), 1).isoformat()[:7]
    return year


def value_of(c: Cluster, f: Field) -> Any:
    """A field's value on a record, derived ones included."""
    if f.kind is Kind.LABEL:
        assert f.derived_from is not None
        code = getattr(c, f.derived_from)
        title = FIELD_BY_NAME[f.derived_from].choice_title(code)
        return title.vi if title else code
    return getattr(c, f.attribute or f.name)


@dataclass
class Cluster:
    name: str
    geometry: BaseGeometry | None = None
    stage: str = "planned"
    cluster_type: str = "general"
    id: int | None = None
    aliases: list[str] = field(default_factory=list)
    parent_id: int | None = None
    location_precision: str = "surveyed"
    district_2019: str | None = None
    commune_2019: str | None = None
    commune_2025_code: str | None = None
    commune_2025_name: str | None = None
    area_ha: float | None = None
    industrial_land_ha: float | None = None
    leased_land_ha: float | None = None
    occupancy_note: str | None = None
    investor: str | None = None
    investor_type: str | None = None
    batch: str | None = None
    stage_effective_date: date | None = None
    stage_evidence: str | None = None
    stage_verified: bool = False
    as_of: str | None = None
    wwtp_status: str | None = None
    wwtp_note: str | None = None
    specialised: bool = False
    plan_area_ha: float | None = None
    detailed_plan_approved_on: date | None = None
    infra_project_approved_on: date | None = None
    infra_investment_bn: float | None = None
    capital_paid_bn: float | None = None
    serviced_land_ha: float | None = None
    committed_land_ha: float | None = None
    confidence: str | None = None
    sources: list[str] = field(default_factory=list)
    notes: str | None = None
    version: int = 0
    created_at: datetime | None = None
    created_by: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def occupancy_pct(self) -> float | None:
        """Leased over industrial land, when both are known."""
        if self.leased_land_ha is None or not self.industrial_land_ha:
            return None
        return round(100.0 * self.leased_land_ha / self.industrial_land_ha, 1)

    @property
    def is_approximate(self) -> bool:
        return self.location_precision in APPROXIMATE_PRECISIONS

    def replace(self, **changes: Any) -> Cluster:
        return dataclasses.replace(self, **changes)


@dataclass
class Decision:
    """A legal document attached to a cluster (or a dated inspection)."""

    doc_type: str
    number: str | None = None
    date: date | None = None
    issuer: str | None = None
    note: str | None = None
    id: int | None = None
    cluster_id: int | None = None
    event_id: int | None = None


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass
class ChangeEvent:
    """One append-only history entry: who, when, what, why, and the version it produced."""

    cluster_id: int
    version: int
    actor: str
    at: datetime
    kind: str  # create | update | stage | seed | import | correction | location
    changes: list[FieldChange] = field(default_factory=list)
    reason: str | None = None
    source: str | None = None
    id: int | None = None


@dataclass
class ReportedFigure:
    """An officially reported count, kept with its date and source."""

    as_of: date
    category: str
    count: int | None
    source: str
    area_ha: float | None = None
    note: str | None = None
    id: int | None = None


@dataclass
class ReferenceLayerRecord:
    """A reference layer an admin uploaded (commune or district boundaries, the city outline),
    shared by every instance and drawn under the clusters. ``features`` are GeoJSON features
    in WGS84 whose one property, ``label``, is the feature's name as the file gave it."""

    name: str
    source: str  # where the layer comes from and its licence
    features: list[dict[str, Any]]
    file_name: str | None = None
    id: int | None = None
    uploaded_by: str | None = None
    uploaded_at: datetime | None = None


# Tenant projects (dự án đầu tư sản xuất kinh doanh) inside a cluster: their statuses, and the
# fields a project's history records. A cluster "đã hoạt động" once it has one (Circular 14).
PROJECT_STATUSES: tuple[Choice, ...] = _choices(
    ("registered", "Đã đăng ký đầu tư", "Registered"),
    ("operating", "Đang hoạt động", "Operating"),
    ("stopped", "Ngừng hoạt động", "Stopped"),
)
PROJECT_STATUS_CODES: tuple[str, ...] = tuple(c.code for c in PROJECT_STATUSES)
PROJECT_FIELDS: tuple[str, ...] = (
    "name",
    "investor",
    "foreign_invested",
    "land_leased_ha",
    "status",
    "source",
)


@dataclass
class TenantProject:
    """A tenant's production or business project inside a cluster (Biểu 01), with where its
    figures come from. The store stamps id, version, who and when."""

    cluster_id: int
    name: str
    investor: str | None = None
    foreign_invested: bool = False
    land_leased_ha: float | None = None
    status: str = "registered"
    source: str | None = None
    id: int | None = None
    version: int = 0
    created_at: datetime | None = None
    created_by: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None

    def replace(self, **changes: Any) -> TenantProject:
        return dataclasses.replace(self, **changes)


@dataclass
class ProjectEvent:
    """One append-only entry of a tenant project's history: who, when, what, why."""

    project_id: int
    cluster_id: int
    version: int
    actor: str
    at: datetime
    kind: str  # create | update
    changes: list[FieldChange] = field(default_factory=list)
    reason: str | None = None
    source: str | None = None
    id: int | None = None

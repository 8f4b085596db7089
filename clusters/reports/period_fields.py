"""The period figures of Biểu 01 and Biểu 02 (Circular 14/2024, Phụ lục I), as data.

Each figure is one ``PeriodField``: the form it belongs to, its row (TT) and heading as the
form words them, its unit, its kind (what the registry's rules accept: ``registry.AMOUNT``,
``WHOLE``, ``FLAG``, ``PERCENT``), whether the reporter fills it in each period (the
pre-filled workbook leaves it empty) and whether it is required. Everything else — the
entry forms, the Biểu 02 workbook's cells, the import, the history's labels, rows 23–25 of
Biểu 03/04 — is derived from these tables. An amended circular changes the tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from clusters.registry import AMOUNT, FLAG, PERCENT, WHOLE
from clusters.texts import Text

BN, HA, PCT, PROJECTS, PEOPLE = "Tỷ đồng", "ha", "%", "Dự án", "Người"
INCOME, WORKS = "Triệu đồng/người/tháng", "Công trình"


@dataclass(frozen=True)
class PeriodField:
    form: str  # "bieu01" | "bieu02"
    row: str  # TT on the form
    name: str  # the key the figure is stored under
    heading: str  # as the form words it
    en: str
    unit: str
    kind: str
    period: bool  # reported for the period, left empty in the pre-filled workbook
    required: bool

    @property
    def label(self) -> Text:
        """How problems and history name the figure."""
        return Text(f"Dòng {self.row}: {self.heading}", f"Row {self.row}: {self.en}")

    @property
    def title(self) -> Text:
        return Text(self.heading, self.en)


def _b01(row: str, name: str, heading: str, en: str, unit: str, kind: str) -> PeriodField:
    return PeriodField("bieu01", row, name, heading, en, unit, kind, period=True, required=True)


def _b02(
    row: str, name: str, heading: str, en: str, unit: str, kind: str, period: bool = False
) -> PeriodField:
    return PeriodField("bieu02", row, name, heading, en, unit, kind, period, required=period)


# Biểu 01: one per tenant investment project.
BIEU01_FIELDS: tuple[PeriodField, ...] = (
    _b01(
        "1",
        "revenue_bn",
        "Doanh thu của dự án trong kỳ báo cáo",
        "The project's revenue in the period",
        BN,
        AMOUNT,
    ),
    _b01(
        "2",
        "budget_bn",
        "Số nộp ngân sách nhà nước của dự án trong kỳ báo cáo",
        "The project's payments to the state budget in the period",
        BN,
        AMOUNT,
    ),
    _b01(
        "3",
        "workers",
        "Tổng số lao động (có hợp đồng lao động) làm việc tại dự án trong kỳ báo cáo",
        "Workers (with a labour contract) at the project in the period",
        PEOPLE,
        WHOLE,
    ),
    _b01(
        "4",
        "income_mn",
        "Thu nhập bình quân người lao động của dự án trong kỳ báo cáo",
        "The workers' average income at the project in the period",
        INCOME,
        AMOUNT,
    ),
)

# Biểu 02: one per cluster (its infrastructure investor). Rows 9–12 are the period's own
# figures; the others state the cluster as it is, which the workbook pre-fills from the
# registry for the investor to confirm or correct.
BIEU02_FIELDS: tuple[PeriodField, ...] = (
    _b02(
        "1",
        "infra_investment_bn",
        "Tổng mức đầu tư xây dựng hạ tầng kỹ thuật theo dự án đã được duyệt",
        "Total infrastructure investment per the approved project",
        BN,
        AMOUNT,
    ),
    _b02(
        "2",
        "capital_paid_bn",
        "Tổng vốn đã đầu tư xây dựng hạ tầng kỹ thuật (tổng vốn lũy kế đã thanh toán)",
        "Infrastructure capital invested (paid to date)",
        BN,
        AMOUNT,
    ),
    _b02(
        "3",
        "serviced_land_ha",
        "Diện tích đất công nghiệp của dự án đã xây dựng hạ tầng kỹ thuật (đủ điều kiện cho thuê)",
        "Industrial land with infrastructure built (ready to lease)",
        HA,
        AMOUNT,
    ),
    _b02(
        "4",
        "leased_land_ha",
        "Diện tích đất công nghiệp của dự án đã cho thuê",
        "Industrial land leased",
        HA,
        AMOUNT,
    ),
    _b02(
        "5",
        "occupancy_pct",
        "Tỉ lệ lấp đầy của cụm công nghiệp",
        "The cluster's occupancy",
        PCT,
        PERCENT,
    ),
    _b02(
        "6",
        "projects",
        "Tổng số dự án đầu tư sản xuất kinh doanh đã thuê đất trong cụm công nghiệp",
        "Tenant projects that have leased land in the cluster",
        PROJECTS,
        WHOLE,
    ),
    _b02(
        "7",
        "foreign_projects",
        "Số dự án đầu tư sản xuất kinh doanh có vốn đầu tư nước ngoài",
        "Foreign-invested tenant projects",
        PROJECTS,
        WHOLE,
    ),
    _b02(
        "8",
        "operating_projects",
        "Số dự án đầu tư sản xuất kinh doanh đang hoạt động trong cụm công nghiệp",
        "Tenant projects operating in the cluster",
        PROJECTS,
        WHOLE,
    ),
    _b02(
        "9",
        "revenue_bn",
        "Doanh thu của dự án đầu tư xây dựng hạ tầng kỹ thuật cụm công nghiệp trong kỳ báo cáo",
        "The infrastructure project's revenue in the period",
        BN,
        AMOUNT,
        period=True,
    ),
    _b02(
        "10",
        "budget_bn",
        "Số nộp Ngân sách nhà nước của dự án đầu tư xây dựng hạ tầng kỹ thuật cụm công nghiệp "
        "trong kỳ báo cáo",
        "The infrastructure project's payments to the state budget in the period",
        BN,
        AMOUNT,
        period=True,
    ),
    _b02(
        "11",
        "workers",
        "Tổng số lao động (có hợp đồng lao động) làm việc tại dự án đầu tư xây dựng hạ tầng kỹ "
        "thuật cụm công nghiệp",
        "Workers (with a labour contract) at the infrastructure project",
        PEOPLE,
        WHOLE,
        period=True,
    ),
    _b02(
        "12",
        "income_mn",
        "Thu nhập bình quân người lao động của dự án đầu tư xây dựng hạ tầng kỹ thuật cụm công "
        "nghiệp trong kỳ báo cáo",
        "The infrastructure project's workers' average income in the period",
        INCOME,
        AMOUNT,
        period=True,
    ),
    _b02(
        "13",
        "wwtp_invested",
        "Cụm công nghiệp đã hoặc đang đầu tư hệ thống xử lý nước thải tập trung (đã hoặc đang "
        "đầu tư ghi 1, chưa đầu tư ghi 0)",
        "Central wastewater plant built or being built (1 yes, 0 no)",
        WORKS,
        FLAG,
    ),
    _b02(
        "14",
        "wwtp_compliant",
        "Cụm công nghiệp có hệ thống xử lý nước thải tập trung đạt tiêu chuẩn môi trường (có "
        "ghi 1, không ghi 0)",
        "Central wastewater plant meets the environmental standard (1 yes, 0 no)",
        WORKS,
        FLAG,
    ),
)

FIELDS: dict[str, tuple[PeriodField, ...]] = {"bieu01": BIEU01_FIELDS, "bieu02": BIEU02_FIELDS}


def field_of(form: str, name: str) -> PeriodField:
    return next(f for f in FIELDS[form] if f.name == name)


def label(form: str, name: str) -> Text:
    """A stored figure's name in the planners' words (history shows these)."""
    found = [f for f in FIELDS.get(form, ()) if f.name == name]
    return found[0].label if found else Text(name, name)


@dataclass(frozen=True)
class FormHead:
    """The header and signature of a reporter's form, as Phụ lục I words them (wording after
    Circular 38/2025: "cấp xã")."""

    code: str
    title: str
    heading: str
    sender: str
    recipient: str
    deadlines: str
    signature: tuple[str, ...]


SIGNATURE = (
    "NGƯỜI ĐẠI DIỆN THEO PHÁP LUẬT CỦA ĐƠN VỊ BÁO CÁO",
    "(Chữ ký, họ và tên, chức danh, dấu)",
)
BIEU02 = FormHead(
    code="bieu02",
    title="Biểu số 02",
    heading="TÌNH HÌNH HOẠT ĐỘNG CỦA DỰ ÁN ĐẦU TƯ XÂY DỰNG HẠ TẦNG KỸ THUẬT CỤM CÔNG NGHIỆP",
    sender="Chủ đầu tư xây dựng hạ tầng kỹ thuật cụm công nghiệp",
    recipient="Cơ quan thống kê cấp xã, Ủy ban nhân dân cấp xã, Sở Công Thương",
    deadlines="Báo cáo 6 tháng gửi trước ngày 20/6; Báo cáo năm gửi trước ngày 20/12",
    signature=SIGNATURE,
)
BIEU01 = FormHead(
    code="bieu01",
    title="Biểu số 01",
    heading="TÌNH HÌNH HOẠT ĐỘNG CỦA DỰ ÁN ĐẦU TƯ TRONG CỤM CÔNG NGHIỆP",
    sender="Tổ chức, cá nhân đầu tư sản xuất kinh doanh trong cụm công nghiệp",
    recipient="Cơ quan thống kê cấp xã, Ủy ban nhân dân cấp xã",
    deadlines="Báo cáo 6 tháng gửi trước ngày 20/6; Báo cáo năm gửi trước ngày 20/12",
    signature=SIGNATURE,
)
HEADS = {h.code: h for h in (BIEU01, BIEU02)}

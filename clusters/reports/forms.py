"""The report forms of Circular 14/2024/TT-BCT (Phụ lục I), as data.

Each row of Biểu 04 and Biểu 03 is one ``Row``: its number, its heading as the form words it,
its unit, how its value is computed (a named computation over the registry as it stood at
the cut-off) and whether it adds up across communes. An amended circular changes these
tables, not the code that computes or writes them. The selections named here ("established",
"operating" …) are defined in ``clusters.reports.indicators``; the rules for what the text
leaves open are in ``clusters.reports.policy``. Wording after Circular 38/2025/TT-BCT ("cấp
xã", "Cục Đổi mới sáng tạo, Chuyển đổi xanh và Khuyến công").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

# --- how a row is computed ---------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """How many clusters the selection holds."""

    selection: str


@dataclass(frozen=True)
class Total:
    """The sum of a cluster fact over the selection; the first of ``facts`` that a cluster
    has is its value. A cluster of ``expected`` (default: the selection) lacking every one
    is listed as missing."""

    facts: tuple[str, ...]
    selection: str
    expected: str | None = None


@dataclass(frozen=True)
class Occupancy:
    """The average occupancy of the selection, by the policy's method (never summed)."""

    selection: str


@dataclass(frozen=True)
class Projects:
    """How many tenant projects the clusters covered hold, as the projects stood at the
    cut-off: ``kind`` is "counted" (the statuses the policy counts), "foreign_invested" (of
    those) or "operating". A cluster counted operating with no project recorded is unknown
    (listed as missing), never 0."""

    kind: str


@dataclass(frozen=True)
class NotHeld:
    """A figure the registry does not hold yet: tenant projects (Biểu 01 records) or the
    period figures of Biểu 01/02. Left empty, never 0, and said so."""

    needs: str  # "tenant_projects" | "period_figures"


@dataclass(frozen=True)
class PeriodTotal:
    """The sum of a period figure (named as ``period_fields`` stores it) over the clusters the
    policy's rule for rows 23–25 covers: the tenants' Biểu 01 figures, and with the policy's
    wider scope the infrastructure investor's own Biểu 02 figure of the same name. What was
    reported is added up; a report the cluster lacks is listed as missing, never a 0."""

    figure: str


Computation = Count | Total | Occupancy | Projects | NotHeld | PeriodTotal

# --- the form's rows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    number: str
    heading: str  # as the form words it
    unit: str
    computation: Computation
    additive: bool  # the province's value is the sum of the communes'
    en: str = ""  # the heading in English, for the app
    parts: tuple[str, ...] = ()  # a subtotal: this row = the sum of these rows


@dataclass(frozen=True)
class Section:
    number: str
    heading: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Form:
    code: str
    title: str  # "Biểu số 04"
    heading: str  # "Tổng hợp tình hình cụm công nghiệp trên địa bàn cấp tỉnh"
    sender: str  # "Đơn vị gửi báo cáo"
    recipient: str  # "Đơn vị nhận báo cáo"
    deadlines: str
    result_column: str
    signature: tuple[str, ...]
    sections: tuple[Section, ...]
    footnote: str = ""

    def rows(self) -> Iterator[Row]:
        for s in self.sections:
            yield from s.rows

    def row(self, number: str) -> Row:
        return next(r for r in self.rows() if r.number == number)


COLUMNS = ("TT", "Chỉ tiêu", "Đơn vị tính", "Kết quả (Luỹ kế đến thời điểm báo cáo)", "Ghi chú")

CUM, HA, PCT, BN, PROJECTS, PEOPLE = "Cụm", "ha", "%", "Tỷ đồng", "Dự án", "Người"
AREA = ("area_ha",)

BIEU04_SECTIONS: tuple[Section, ...] = (
    Section(
        "I",
        "Phương án phát triển cụm công nghiệp",
        (
            Row(
                "1",
                "Số lượng cụm công nghiệp theo phương án phát triển cụm công nghiệp",
                CUM,
                Count("in_plan"),
                True,
                "Clusters in the development plan",
            ),
            Row(
                "2",
                "Tổng diện tích các cụm công nghiệp theo phương án phát triển cụm công nghiệp",
                HA,
                Total(("plan_area_ha", "area_ha"), "in_plan"),
                True,
                "Area of the clusters in the development plan",
            ),
        ),
    ),
    Section(
        "II",
        "Thành lập, đầu tư xây dựng hạ tầng kỹ thuật cụm công nghiệp",
        (
            Row(
                "3",
                "Số lượng cụm công nghiệp đã thành lập",
                CUM,
                Count("established"),
                True,
                "Established clusters",
            ),
            Row(
                "4",
                "Tổng diện tích các cụm công nghiệp đã thành lập",
                HA,
                Total(AREA, "established"),
                True,
                "Area of the established clusters",
            ),
            Row(
                "5",
                "Số lượng cụm công nghiệp đã thành lập trong kỳ báo cáo",
                CUM,
                Count("established_in_period"),
                True,
                "Clusters established in the period",
            ),
            Row(
                "6",
                "Tổng diện tích các cụm công nghiệp đã thành lập trong kỳ báo cáo",
                HA,
                Total(AREA, "established_in_period"),
                True,
                "Area of the clusters established in the period",
            ),
            Row(
                "7",
                "Số lượng cụm công nghiệp do doanh nghiệp làm chủ đầu tư hạ tầng kỹ thuật",
                CUM,
                Count("enterprise_investor"),
                True,
                "Clusters with an enterprise as infrastructure investor",
            ),
            Row(
                "8",
                "Tổng diện tích các cụm công nghiệp do doanh nghiệp làm chủ đầu tư hạ tầng "
                "kỹ thuật",
                HA,
                Total(AREA, "enterprise_investor"),
                True,
                "Area of the clusters with an enterprise investor",
            ),
            Row(
                "9",
                "Số lượng cụm công nghiệp đã được phê duyệt quy hoạch chi tiết",
                CUM,
                Count("detailed_plan"),
                True,
                "Clusters with an approved detailed plan",
            ),
            Row(
                "10",
                "Tổng diện tích các cụm công nghiệp đã được phê duyệt quy hoạch chi tiết",
                HA,
                Total(AREA, "detailed_plan"),
                True,
                "Area of the clusters with an approved detailed plan",
            ),
            Row(
                "11",
                "Số lượng cụm công nghiệp đã được phê duyệt dự án đầu tư xây dựng hạ tầng",
                CUM,
                Count("infra_project"),
                True,
                "Clusters with an approved infrastructure project",
            ),
            Row(
                "12",
                "Tổng diện tích các cụm công nghiệp đã được phê duyệt dự án đầu tư xây dựng hạ "
                "tầng kỹ thuật",
                HA,
                Total(AREA, "infra_project"),
                True,
                "Area of the clusters with an approved infrastructure project",
            ),
            Row(
                "13",
                "Tổng vốn đầu tư xây dựng hạ tầng kỹ thuật của các cụm công nghiệp (tính theo dự "
                "án được phê duyệt)",
                BN,
                Total(("infra_investment_bn",), "infra_project"),
                True,
                "Total infrastructure investment per the approved projects",
            ),
            Row(
                "14",
                "Tổng vốn đã đầu tư xây dựng hạ tầng kỹ thuật của các cụm công nghiệp (tổng vốn "
                "lũy kế đã thanh toán)",
                BN,
                Total(("capital_paid_bn",), "established", expected="infra_project"),
                True,
                "Infrastructure capital paid to date",
            ),
        ),
    ),
    Section(
        "III",
        "Hoạt động của các cụm công nghiệp",
        (
            Row(
                "15",
                "Số lượng cụm công nghiệp đã hoạt động (đã có dự án đầu tư trong cụm): (15.1+15.2)",
                CUM,
                Count("operating"),
                True,
                "Operating clusters (with tenant projects)",
                parts=("15.1", "15.2"),
            ),
            Row(
                "15.1",
                "Số lượng cụm công nghiệp hoạt động đã thành lập",
                CUM,
                Count("operating_established"),
                True,
                "of which established",
            ),
            Row(
                "15.2",
                "Số lượng cụm công nghiệp đã hoạt động nhưng chưa thành lập",
                CUM,
                Count("operating_not_established"),
                True,
                "of which not established",
            ),
            Row(
                "15.3",
                "Số lượng cụm công nghiệp làng nghề đã hoạt động",
                CUM,
                Count("operating_craft_village"),
                True,
                "Operating craft-village clusters",
            ),
            Row(
                "15.4",
                "Số lượng cụm công nghiệp chuyên ngành đã hoạt động",
                CUM,
                Count("operating_specialised"),
                True,
                "Operating specialised clusters",
            ),
            Row(
                "16",
                "Tổng diện tích các cụm công nghiệp đã hoạt động: (16.1+16.2)",
                HA,
                Total(AREA, "operating"),
                True,
                "Area of the operating clusters",
                parts=("16.1", "16.2"),
            ),
            Row(
                "16.1",
                "Tổng diện tích các cụm công nghiệp hoạt động đã thành lập",
                HA,
                Total(AREA, "operating_established"),
                True,
                "of which established",
            ),
            Row(
                "16.2",
                "Tổng diện tích các cụm công nghiệp đã hoạt động nhưng chưa thành lập",
                HA,
                Total(AREA, "operating_not_established"),
                True,
                "of which not established",
            ),
            Row(
                "16.3",
                "Tổng diện tích các cụm công nghiệp làng nghề đã hoạt động",
                HA,
                Total(AREA, "operating_craft_village"),
                True,
                "Area of the operating craft-village clusters",
            ),
            Row(
                "16.4",
                "Tổng diện tích các cụm công nghiệp chuyên ngành đã hoạt động",
                HA,
                Total(AREA, "operating_specialised"),
                True,
                "Area of the operating specialised clusters",
            ),
            Row(
                "17",
                "Tổng diện tích đất công nghiệp của các cụm công nghiệp đã hoạt động (tính theo "
                "quy hoạch chi tiết đã được duyệt)",
                HA,
                Total(("industrial_land_ha",), "operating"),
                True,
                "Industrial land of the operating clusters (detailed plan)",
            ),
            Row(
                "18",
                "Tổng diện tích đất công nghiệp đã cho thuê tại các cụm công nghiệp",
                HA,
                Total(("leased_land_ha",), "leased_scope", expected="operating"),
                True,
                "Leased industrial land",
            ),
            Row(
                "19",
                "Tỷ lệ lấp đầy bình quân của các cụm công nghiệp đã hoạt động",
                PCT,
                Occupancy("operating"),
                False,
                "Average occupancy of the operating clusters",
            ),
            Row(
                "20",
                "Tổng số dự án đầu tư sản xuất kinh doanh trong các cụm công nghiệp",
                PROJECTS,
                Projects("counted"),
                True,
                "Tenant investment projects",
            ),
            Row(
                "21",
                "Số dự án đầu tư sản xuất kinh doanh có vốn đầu tư nước ngoài trong các cụm công "
                "nghiệp",
                PROJECTS,
                Projects("foreign_invested"),
                True,
                "Foreign-invested tenant projects",
            ),
            Row(
                "22",
                "Số dự án đầu tư sản xuất kinh doanh đang hoạt động trong cụm công nghiệp",
                PROJECTS,
                Projects("operating"),
                True,
                "Tenant projects in operation",
            ),
            Row(
                "23",
                "Tổng doanh thu của các dự án đầu tư trong các cụm công nghiệp trong kỳ báo cáo",
                BN,
                PeriodTotal("revenue_bn"),
                True,
                "Revenue in the period",
            ),
            Row(
                "24",
                "Nộp ngân sách nhà nước của các dự án đầu tư trong các cụm công nghiệp trong kỳ "
                "báo cáo",
                BN,
                PeriodTotal("budget_bn"),
                True,
                "State budget contributions in the period",
            ),
            Row(
                "25",
                "Tổng số lao động (có hợp đồng lao động) làm việc trong các cụm công nghiệp",
                PEOPLE,
                PeriodTotal("workers"),
                True,
                "Workers with a labour contract",
            ),
            Row(
                "26",
                "Số cụm công nghiệp đã và đang đầu tư hệ thống xử lý nước thải tập trung",
                CUM,
                Count("wwtp_invested"),
                True,
                "Clusters with a central wastewater plant built or being built",
            ),
            Row(
                "27",
                "Số cụm công nghiệp có hệ thống xử lý nước thải tập trung đạt tiêu chuẩn môi "
                "trường",
                CUM,
                Count("wwtp_compliant"),
                True,
                "Clusters whose wastewater plant meets the environmental standard",
            ),
        ),
    ),
)

# The form's "cấp tỉnh" / "cấp xã" filled in for Hanoi; ``{commune}`` is Biểu 03's commune.
RECIPIENT_04 = (
    "Ủy ban nhân dân thành phố Hà Nội, Bộ Công Thương (Cục Đổi mới sáng tạo, Chuyển đổi xanh "
    "và Khuyến công)"
)

BIEU04 = Form(
    code="bieu04",
    title="Biểu số 04",
    heading="TỔNG HỢP TÌNH HÌNH CỤM CÔNG NGHIỆP TRÊN ĐỊA BÀN CẤP TỈNH",
    sender="Sở Công Thương thành phố Hà Nội",
    recipient=RECIPIENT_04,
    deadlines="Báo cáo 6 tháng gửi trước ngày 30/6; Báo cáo năm gửi trước ngày 31/12",
    result_column=COLUMNS[3],
    signature=("GIÁM ĐỐC SỞ CÔNG THƯƠNG", "(Chữ ký, họ và tên, dấu)"),
    sections=BIEU04_SECTIONS,
)

# Biểu 03 has Biểu 04's rows, three of them worded differently.
_BIEU03_WORDING = {
    "11": "Số lượng cụm công nghiệp đã được phê duyệt dự án đầu tư xây dựng hạ tầng kỹ thuật",
    "15.2": "Số lượng cụm công nghiệp hoạt động nhưng chưa thành lập",
    "22": "Số dự án đầu tư sản xuất kinh doanh đang hoạt động trong các cụm công nghiệp",
}


def _reworded(sections: tuple[Section, ...], wording: dict[str, str]) -> tuple[Section, ...]:
    return tuple(
        dataclasses.replace(
            s,
            rows=tuple(
                dataclasses.replace(r, heading=wording[r.number]) if r.number in wording else r
                for r in s.rows
            ),
        )
        for s in sections
    )


BIEU03 = Form(
    code="bieu03",
    title="Biểu số 03",
    heading="TỔNG HỢP TÌNH HÌNH CỤM CÔNG NGHIỆP TRÊN ĐỊA BÀN CẤP XÃ",
    sender="Ủy ban nhân dân {commune}",
    recipient="Ủy ban nhân dân thành phố Hà Nội, Sở Công Thương thành phố Hà Nội",
    deadlines="Báo cáo 6 tháng gửi trước ngày 25/6; Báo cáo năm gửi trước ngày 25/12",
    result_column=COLUMNS[3],
    signature=("TM. ỦY BAN NHÂN DÂN", "(Chữ ký, họ và tên, chức danh, dấu)"),
    sections=_reworded(BIEU04_SECTIONS, _BIEU03_WORDING),
    footnote="Ghi chú: Cụm công nghiệp chuyên ngành là cụm công nghiệp có tối thiểu 60% diện "
    "tích đất công nghiệp để thu hút các dự án đầu tư có cùng ngành, nghề.",
)

FORMS = {f.code: f for f in (BIEU04, BIEU03)}

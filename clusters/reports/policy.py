"""The rules for what Circular 14/2024 leaves open, stated once.

The form's text does not settle how row 19's average is taken, which clusters rows 18 and
23–25 cover, who counts as an enterprise investor (rows 7–8) or what "đã hoạt động" means
before tenant projects are recorded. Each answer is one field of ``Policy``; ``POLICY`` is
the one in force, and ``statements`` writes every rule, in words, into the workbook.
Changing a rule is changing this one value, never the computations.
"""

from __future__ import annotations

from dataclasses import dataclass

from clusters.texts import Text

AREA_WEIGHTED = "area_weighted"
MEAN = "mean"
ALL_CLUSTERS = "all"
OPERATING_CLUSTERS = "operating"
TENANTS_ONLY = "tenants"
TENANTS_AND_INVESTOR = "tenants_and_investor"


@dataclass(frozen=True)
class Policy:
    # Row 19: Σ committed land ÷ Σ industrial land of the operating clusters (Decree 32 Art. 2
    # k7), or the plain mean of the clusters' rates.
    occupancy_method: str = AREA_WEIGHTED
    # Row 18: every cluster, or only those "đã hoạt động".
    leased_scope: str = ALL_CLUSTERS
    # Rows 23–25: the tenants' figures (Biểu 01) only, or with the infrastructure investor's
    # own (Biểu 02 rows 9–11).
    period_figures_scope: str = TENANTS_ONLY
    # Rows 7–8: the investor types that are "doanh nghiệp".
    enterprise_investor_types: tuple[str, ...] = ("enterprise",)
    # Rows 15–19: a cluster "đã có dự án đầu tư trong cụm" when, at the cut-off, it has a
    # tenant project of these statuses (rows 20–21 count those projects); a cluster with no
    # project recorded at all falls back on the stand-in: its stage is operating or it has
    # leased or committed industrial land.
    counted_project_statuses: tuple[str, ...] = ("registered", "operating")
    operating_stage: str = "operating"
    # Rows 3–6, 15.1/15.2: a cluster at one of these stages has had its establishment
    # decision even if none is recorded; an operating one without a recorded decision is
    # "đã hoạt động nhưng chưa thành lập" (15.2).
    established_stages: tuple[str, ...] = (
        "established",
        "site_clearance",
        "under_construction",
        "completing",
    )
    # Rows 26–27: the wastewater plant statuses that count.
    wwtp_invested: tuple[str, ...] = (
        "under_construction",
        "built_not_operating",
        "operating",
        "operating_compliant",
    )
    wwtp_compliant: tuple[str, ...] = ("operating_compliant",)

    def statements(self) -> list[tuple[str, Text]]:
        """Every rule in words, by the rows it decides."""
        weighted = self.occupancy_method == AREA_WEIGHTED
        return [
            (
                "1–2",
                Text(
                    "Cụm trong phương án phát triển: mọi cụm trừ cụm đã đưa ra khỏi quy hoạch. "
                    "Diện tích: diện tích theo phương án; cụm chưa ghi thì lấy diện tích quyết "
                    "định.",
                    "Clusters in the development plan: every cluster except those removed. "
                    "Area: the plan area; where none is recorded, the decided area.",
                ),
            ),
            (
                "3–6, 15.1–15.2",
                Text(
                    "Đã thành lập: có quyết định thành lập ghi trong sổ (ngày không sau ngày chốt "
                    "số liệu), hoặc đang ở giai đoạn "
                    + ", ".join(self.established_stages)
                    + ". Cụm đang hoạt động chưa ghi quyết định thành lập được tính là «đã hoạt "
                    "động nhưng chưa thành lập» (15.2). Dòng 5–6: ngày quyết định thành lập đầu "
                    "tiên nằm trong kỳ báo cáo.",
                    "Established: an establishment decision recorded (dated on or before the "
                    "cut-off), or at stage "
                    + ", ".join(self.established_stages)
                    + ". An operating cluster with no recorded decision counts as operating but "
                    "not established (15.2). Rows 5–6: the first establishment decision is dated "
                    "within the period.",
                ),
            ),
            (
                "7–8",
                Text(
                    "Doanh nghiệp làm chủ đầu tư: cụm đã thành lập có loại chủ đầu tư là "
                    + ", ".join(self.enterprise_investor_types)
                    + " (hợp tác xã, ban quản lý dự án, cơ quan nhà nước không tính).",
                    "Enterprise investor: established clusters whose investor type is "
                    + ", ".join(self.enterprise_investor_types)
                    + " (cooperatives, project boards and state agencies are not counted).",
                ),
            ),
            (
                "15–19",
                Text(
                    "Đã hoạt động (đã có dự án đầu tư trong cụm): tại ngày chốt số liệu cụm có "
                    "dự án đầu tư sản xuất kinh doanh ở tình trạng "
                    + ", ".join(self.counted_project_statuses)
                    + ". Cụm chưa ghi dự án nào trong sổ được tính khi ở giai đoạn "
                    f"{self.operating_stage} hoặc có diện tích đất công nghiệp đã cho thuê hay "
                    "đã đăng ký đầu tư lớn hơn 0.",
                    "Operating (has a tenant investment project): at the cut-off the cluster has "
                    "a tenant project of status "
                    + ", ".join(self.counted_project_statuses)
                    + ". A cluster with no project recorded counts when its stage is "
                    f"{self.operating_stage} or it has leased or committed industrial land "
                    "above 0.",
                ),
            ),
            (
                "18",
                Text(
                    "Đất đã cho thuê: cộng trên "
                    + ("mọi cụm" if self.leased_scope == ALL_CLUSTERS else "các cụm đã hoạt động")
                    + "; thiếu số liệu được nêu với các cụm đã hoạt động.",
                    "Leased land: summed over "
                    + (
                        "every cluster"
                        if self.leased_scope == ALL_CLUSTERS
                        else "the operating clusters"
                    )
                    + "; missing figures are listed for operating clusters.",
                ),
            ),
            (
                "19",
                Text(
                    (
                        "Tỷ lệ lấp đầy bình quân tính theo diện tích: tổng đất công nghiệp đã cho "
                        "thuê hoặc đã có chủ trương/giấy chứng nhận đầu tư (khi chưa ghi thì lấy "
                        "đất đã cho thuê) chia tổng đất công nghiệp theo quy hoạch chi tiết của "
                        "các cụm đã hoạt động có đủ hai số liệu (Nghị định 32/2024, Điều 2 k7)."
                        if weighted
                        else "Tỷ lệ lấp đầy bình quân: trung bình cộng tỷ lệ của từng cụm đã "
                        "hoạt động có đủ số liệu."
                    )
                    + " Không bao giờ cộng tỷ lệ giữa các xã: tính lại từ số liệu từng cụm.",
                    (
                        "Average occupancy weighted by area: the operating clusters' committed "
                        "industrial land (leased, or with investment approval; the leased land "
                        "where none is recorded) over their industrial land per the detailed "
                        "plan, over clusters with both figures (Decree 32/2024 Art. 2 k7)."
                        if weighted
                        else "Average occupancy: the plain mean of the operating clusters' rates."
                    )
                    + " Never summed across communes: recomputed from the clusters.",
                ),
            ),
            (
                "20–22",
                Text(
                    "Dự án đầu tư sản xuất kinh doanh như đã ghi trong sổ tại ngày chốt số liệu "
                    "(theo lịch sử của từng dự án). Dòng 20–21 đếm dự án ở tình trạng "
                    + ", ".join(self.counted_project_statuses)
                    + "; dòng 22 đếm dự án đang hoạt động. Cụm đã hoạt động mà chưa ghi dự án "
                    "nào được nêu là thiếu số liệu, không tính là 0.",
                    "Tenant projects as the registry held them at the cut-off (from each "
                    "project's history). Rows 20–21 count projects of status "
                    + ", ".join(self.counted_project_statuses)
                    + "; row 22 counts those operating. An operating cluster with no project "
                    "recorded is listed as missing, never counted as 0.",
                ),
            ),
            (
                "23–25",
                Text(
                    "Số liệu trong kỳ: cộng trên các cụm đã hoạt động (như dòng 15) "
                    + (
                        "số liệu Biểu 01 của các dự án đầu tư sản xuất kinh doanh ở tình trạng "
                        + ", ".join(self.counted_project_statuses)
                        + " tại ngày chốt số liệu"
                        if self.period_figures_scope == TENANTS_ONLY
                        else "số liệu Biểu 01 của các dự án đầu tư sản xuất kinh doanh ở tình "
                        "trạng "
                        + ", ".join(self.counted_project_statuses)
                        + " tại ngày chốt số liệu, cộng số liệu của chủ đầu tư hạ tầng (Biểu 02 "
                        "dòng 9–11)"
                    )
                    + ". Lấy số liệu của kỳ như đang lưu trong sổ khi lập báo cáo (Biểu 01/02 "
                    "nộp sau ngày chốt, trước 20/6 và 20/12). Cộng những gì đã báo cáo; dự án "
                    "chưa có Biểu 01 của kỳ, cụm chưa ghi dự án nào"
                    + ("" if self.period_figures_scope == TENANTS_ONLY else ", cụm chưa có Biểu 02")
                    + " được nêu là thiếu số liệu, không tính là 0. Biểu 02 cần có của mọi cụm đã "
                    "thành lập hoặc đã hoạt động; cụm chưa có được nêu trong «Còn thiếu».",
                    "Period figures: added up over the operating clusters (as row 15): "
                    + (
                        "the Biểu 01 figures of the tenant projects of status "
                        + ", ".join(self.counted_project_statuses)
                        + " at the cut-off"
                        if self.period_figures_scope == TENANTS_ONLY
                        else "the Biểu 01 figures of the tenant projects of status "
                        + ", ".join(self.counted_project_statuses)
                        + " at the cut-off, plus the infrastructure investor's own (Biểu 02 "
                        "rows 9–11)"
                    )
                    + ". The period's figures as the registry holds them when the report is "
                    "made (Biểu 01/02 are due after the cut-off, before 20 June and 20 "
                    "December). What was reported is added up; a project with no Biểu 01 for "
                    "the period, a cluster with no project recorded"
                    + ("" if self.period_figures_scope == TENANTS_ONLY else ", one with no Biểu 02")
                    + " is listed as missing, never counted as 0. Every established or operating "
                    "cluster owes a Biểu 02; those without one are listed as missing.",
                ),
            ),
            (
                "26–27",
                Text(
                    "Trạm xử lý nước thải: đã và đang đầu tư = "
                    + ", ".join(self.wwtp_invested)
                    + "; đạt tiêu chuẩn môi trường = "
                    + ", ".join(self.wwtp_compliant)
                    + ".",
                    "Wastewater plant: invested or being built = "
                    + ", ".join(self.wwtp_invested)
                    + "; meets the standard = "
                    + ", ".join(self.wwtp_compliant)
                    + ".",
                ),
            ),
        ]


POLICY = Policy()

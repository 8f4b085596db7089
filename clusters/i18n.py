"""One catalogue of the app's words in Vietnamese and English, and number/date formatting.

``CATALOGUE`` maps a key to ``(Vietnamese, English)``; it is a plain dict literal with a
section per page so other pages can add their keys with a small edit. Stage labels live in
``clusters.stages`` and field labels in ``clusters.model.FIELDS``: they are not repeated here.
Placeholders use ``str.format`` names: ``t("map.matching", "en", count=3)``.
"""

from __future__ import annotations

import string
from datetime import date, datetime

from clusters import clock
from clusters.model import FIELD_BY_NAME

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"

CATALOGUE: dict[str, tuple[str, str]] = {
    # --- app and navigation
    "app.title": ("Cụm công nghiệp Hà Nội", "Hanoi industrial clusters"),
    "app.language": ("Ngôn ngữ", "Language"),
    "nav.map": ("Bản đồ", "Map"),
    "nav.overview": ("Tổng quan", "Overview"),
    "nav.list": ("Danh sách", "List"),
    "nav.cluster": ("Chi tiết cụm", "Cluster"),
    "common.none": ("—", "—"),
    "common.yes": ("Có", "Yes"),
    "common.no": ("Không", "No"),
    "common.error": ("Lỗi", "Error"),
    "common.clusters": ("{count} cụm", "{count} {count:cluster|clusters}"),
    "common.as_of": ("số liệu đến {date}", "as of {date}"),
    # --- filters (shared by the map and the list)
    "filter.header": ("Bộ lọc", "Filters"),
    "filter.text": (
        "Tìm theo tên, xã, huyện, chủ đầu tư",
        "Search name, commune, district, investor",
    ),
    "filter.text_help": (
        "Không phân biệt dấu và chữ hoa: «ngoc hoi» tìm được «Ngọc Hồi»; tìm cả tên cũ, tên khác.",
        "Ignores diacritics and case: 'ngoc hoi' finds 'Ngọc Hồi'; former names and aliases "
        "match too.",
    ),
    "filter.stages": ("Giai đoạn", "Stage"),
    "filter.batches": ("Đợt thành lập", "Batch"),
    "filter.districts": ("Quận/huyện (trước 2025)", "Former district"),
    "filter.communes": ("Xã/phường 2025", "2025 commune"),
    "filter.types": ("Loại cụm", "Cluster type"),
    "filter.wwtp": ("Trạm xử lý nước thải", "Wastewater plant"),
    "filter.verified_only": ("Chỉ cụm đã xác minh giai đoạn", "Verified stage only"),
    "filter.area_min": ("Diện tích từ (ha)", "Area from (ha)"),
    "filter.area_max": ("đến (ha)", "to (ha)"),
    "filter.any": ("Tất cả", "All"),
    "filter.reset": ("Bỏ lọc", "Reset filters"),
    "filter.matching": (
        "**{count}** cụm phù hợp · tổng diện tích **{area}** ({with_area} cụm có số liệu "
        "diện tích)",
        "**{count}** matching {count:cluster|clusters} · total area **{area}** ({with_area} "
        "with a recorded area)",
    ),
    "filter.link_hint": (
        "Địa chỉ trang giữ bộ lọc: gửi liên kết để người khác mở đúng cách xem này.",
        "The page address keeps the filters: send the link to share this view.",
    ),
    # --- map page
    "map.title": ("Bản đồ cụm công nghiệp", "Map of industrial clusters"),
    "map.fit": ("Thu phóng vừa kết quả", "Fit to results"),
    "map.basemap": ("Bản đồ nền", "Basemap"),
    "map.basemap_none": ("Không có bản đồ nền", "No basemap"),
    "map.basemap_help": (
        "Chọn «Không có bản đồ nền» khi không truy cập được máy chủ bản đồ nền.",
        "Choose 'No basemap' when the tile server cannot be reached.",
    ),
    "map.reference_missing": (
        "Không đọc được lớp tham chiếu «{path}»: {reason}",
        "Cannot read the reference layer '{path}': {reason}",
    ),
    "map.click_hint": (
        "Bấm vào một cụm trên bản đồ để xem tóm tắt. Các cụm cùng vị trí được gom nhóm: bấm "
        "vào nhóm để tách ra.",
        "Click a cluster on the map to see its summary. Clusters at the same place are "
        "grouped: click a group to spread it out.",
    ),
    "map.no_results": (
        "Không có cụm nào phù hợp với bộ lọc.",
        "No cluster matches the filters.",
    ),
    "map.tooltip_approximate": (
        "Vị trí gần đúng ({precision})",
        "Approximate location ({precision})",
    ),
    "map.tooltip_area_unknown": ("chưa rõ diện tích", "area not recorded"),
    "map.clusters_failed": (
        "Không tải được các cụm lên bản đồ; hãy tải lại trang.",
        "The clusters could not be loaded onto the map; reload the page.",
    ),
    "map.count_title": (
        "{n} cụm ở đây; nhấn để phóng to",
        "Clusters here: {n}; click to zoom in",
    ),
    "map.loading": ("Đang tải các cụm…", "Loading the clusters…"),
    # --- legend
    "legend.title": ("Chú giải", "Legend"),
    "legend.exact": ("Ranh giới / vị trí đã đo đạc", "Surveyed boundary or location"),
    "legend.approximate": (
        "Vòng rỗng, viền đứt: vị trí gần đúng",
        "Hollow dashed ring: approximate location",
    ),
    "legend.group": ("Vòng tròn có số: nhóm cụm gần nhau", "Numbered circle: nearby clusters"),
    # --- cluster summary beside the map
    "summary.title": ("Cụm đã chọn", "Selected cluster"),
    "summary.open": ("Mở trang chi tiết", "Open the cluster page"),
    "summary.verified": ("Đã xác minh giai đoạn", "Stage verified"),
    "summary.unverified": ("Chưa xác minh giai đoạn", "Stage not verified"),
    "summary.approximate": ("Vị trí gần đúng", "Approximate location"),
    "summary.surveyed": ("Vị trí đo đạc", "Surveyed location"),
    "summary.commune": ("Xã/phường", "Commune"),
    "summary.gone": (
        "Cụm đã chọn không còn trong sổ đăng ký.",
        "The selected cluster is no longer in the registry.",
    ),
    # --- overview page
    "overview.title": ("Tổng quan sổ đăng ký", "Registry overview"),
    "overview.by_stage": ("Số cụm theo giai đoạn", "Clusters by stage"),
    "overview.vs_reported": (
        "Sổ đăng ký so với số liệu báo cáo",
        "Registry beside reported figures",
    ),
    "overview.col_category": ("Chỉ tiêu", "Figure"),
    "overview.col_registry": ("Sổ đăng ký", "Registry"),
    "overview.col_reported": ("Báo cáo", "Reported"),
    "overview.col_date": ("Ngày báo cáo", "Reported on"),
    "overview.col_gap": ("Chênh lệch", "Gap"),
    "overview.registry_vs_reported": (
        "sổ đăng ký: {registry} · báo cáo: {reported} ({date})",
        "registry: {registry} · reported: {reported} ({date})",
    ),
    "overview.gap_fewer": (
        "Sổ đăng ký có ít hơn báo cáo {gap} cụm: còn thiếu hồ sơ.",
        "The registry holds {gap} {gap:cluster|clusters} fewer than reported: records are missing.",
    ),
    "overview.gap_more": (
        "Sổ đăng ký có nhiều hơn báo cáo {gap} cụm: cần đối chiếu.",
        "The registry holds {gap} {gap:cluster|clusters} more than reported: to be reconciled.",
    ),
    "overview.gap_none": ("Sổ đăng ký khớp với báo cáo.", "The registry matches the report."),
    "overview.gap_unknown": ("Chưa có số liệu báo cáo.", "No reported figure."),
    "overview.source": ("Nguồn: {source}", "Source: {source}"),
    "overview.tasks": ("Nhiệm vụ năm 2025", "Tasks for 2025"),
    "overview.task_progress": (
        "Tiến độ theo sổ đăng ký: {done}/{target} (giai đoạn có hiệu lực từ {since})",
        "Progress in the registry: {done}/{target} (stage effective since {since})",
    ),
    "overview.task_remaining": (
        "Trong sổ đăng ký còn {remaining} cụm đợt 2018–2020 ở giai đoạn «{stages}».",
        "The registry still has {remaining} {remaining:cluster|clusters} of the 2018–2020 "
        "batch at '{stages}'.",
    ),
    "overview.by_district": ("Theo quận/huyện (trước 2025)", "By former district"),
    "overview.by_batch": ("Theo đợt thành lập", "By batch"),
    "overview.col_count": ("Số cụm", "Clusters"),
    "overview.col_area": ("Diện tích (ha)", "Area (ha)"),
    "overview.completeness": ("Độ đầy đủ của dữ liệu", "Data completeness"),
    "overview.completeness_line": (
        "{count} / {total} cụm ({share})",
        "{count} of {total} {total:cluster|clusters} ({share})",
    ),
    "overview.show_clusters": ("Xem các cụm", "Show the clusters"),
    "overview.attention": ("Cần chú ý", "Needs attention"),
    "overview.attention_hint": (
        "Những vướng mắc thường gặp, tính từ dữ liệu của sổ đăng ký.",
        "The usual troubles, worked out from the registry's own data.",
    ),
    # --- list page
    "list.title": ("Danh sách cụm công nghiệp", "List of industrial clusters"),
    "list.hint": (
        "Bấm tiêu đề cột để sắp xếp; chọn một dòng để mở cụm.",
        "Click a column header to sort; select a row to open the cluster.",
    ),
    "list.col_approximate": ("Vị trí gần đúng", "Approximate location"),
    # --- cluster page
    "cluster.title": ("Chi tiết cụm", "Cluster"),
    "cluster.choose": ("Chọn cụm", "Choose a cluster"),
    "cluster.not_found": ("Không có cụm #{id} trong sổ đăng ký.", "There is no cluster #{id}."),
    "cluster.fields": ("Thông tin", "Record"),
    "cluster.col_field": ("Trường", "Field"),
    "cluster.col_value": ("Giá trị", "Value"),
    "cluster.decisions": ("Quyết định, văn bản", "Decisions and documents"),
    "cluster.no_decisions": ("Chưa có văn bản nào.", "No document recorded."),
    "cluster.col_doc_type": ("Loại", "Type"),
    "cluster.col_number": ("Số hiệu", "Number"),
    "cluster.col_date": ("Ngày", "Date"),
    "cluster.col_issuer": ("Cơ quan ban hành", "Issuer"),
    "cluster.col_note": ("Ghi chú", "Note"),
    "cluster.timeline": ("Các giai đoạn", "Stage timeline"),
    "cluster.col_when": ("Thời điểm ghi", "Recorded"),
    "cluster.col_stage_from": ("Từ", "From"),
    "cluster.col_stage_to": ("Sang", "To"),
    "cluster.col_effective": ("Ngày hiệu lực", "Effective"),
    "cluster.col_who": ("Người ghi", "By"),
    "cluster.col_why": ("Lý do, căn cứ", "Reason, evidence"),
    "cluster.history": ("Lịch sử thay đổi", "Change history"),
    "cluster.history_event": (
        "{when} · {who} · {kind} · phiên bản {version}",
        "{when} · {who} · {kind} · version {version}",
    ),
    "cluster.history_reason": ("Lý do: {reason}", "Why: {reason}"),
    "cluster.history_source": ("Nguồn: {source}", "Source: {source}"),
    "cluster.col_old": ("Giá trị cũ", "Old value"),
    "cluster.col_new": ("Giá trị mới", "New value"),
    "cluster.no_history": ("Chưa có lịch sử.", "No history."),
    "cluster.sources": ("Nguồn", "Sources"),
    "cluster.no_sources": ("Chưa ghi nguồn.", "No source recorded."),
    "cluster.location": ("Vị trí", "Location"),
    "cluster.point": ("Điểm {lat}, {lon}", "Point {lat}, {lon}"),
    "cluster.polygon": ("Ranh giới, {area} theo hình vẽ", "Boundary, {area} as drawn"),
    "cluster.created": ("Tạo bởi {who} lúc {when}", "Created by {who} at {when}"),
    "cluster.updated": ("Sửa lần cuối bởi {who} lúc {when}", "Last changed by {who} at {when}"),
    # --- values of coded fields: a cluster field's codes are labelled in
    # ``clusters.model.FIELDS``; these are the filters' "unknown" and the other codes.
    "batch.unknown": ("Chưa rõ", "Unknown"),
    "wwtp.unknown": ("Chưa rõ", "Unknown"),
    "doc_type.planning": ("Quy hoạch", "Planning"),
    "doc_type.establishment": ("Quyết định thành lập", "Establishment decision"),
    "doc_type.expansion": ("Mở rộng", "Expansion"),
    "doc_type.compensation": ("Bồi thường, GPMB", "Compensation, site clearance"),
    "doc_type.groundbreaking": ("Khởi công", "Groundbreaking"),
    "doc_type.acceptance": ("Nghiệm thu", "Acceptance"),
    "doc_type.operation": ("Đưa vào hoạt động", "Put into operation"),
    "doc_type.removal": ("Đưa ra khỏi quy hoạch", "Removal from the plan"),
    "doc_type.inspection": ("Kiểm tra thực tế", "Inspection"),
    "doc_type.other": ("Khác", "Other"),
    "event.create": ("Tạo mới", "Created"),
    "event.update": ("Sửa", "Edited"),
    "event.stage": ("Đổi giai đoạn", "Stage change"),
    "event.seed": ("Dữ liệu khởi tạo", "Seed"),
    "event.import": ("Nhập tệp", "Import"),
    "event.correction": ("Đính chính", "Correction"),
    "event.location": ("Sửa vị trí", "Location change"),
    # --- completeness checks (overview)
    "completeness.unverified": ("Giai đoạn chưa được xác minh", "Stage not verified"),
    "completeness.approximate": ("Chỉ có vị trí gần đúng", "Only an approximate location"),
    "completeness.no_area": ("Thiếu diện tích", "No area"),
    "completeness.no_investor": ("Thiếu chủ đầu tư", "No investor"),
}


class _Formatter(string.Formatter):
    """``str.format`` with English plurals: ``{count:cluster|clusters}`` is the first word
    for a count of one, else the second (``{count}`` itself is written out as usual)."""

    def format_field(self, value: object, format_spec: str) -> str:
        if "|" in format_spec:
            one, many = format_spec.split("|", 1)
            return one if str(value).strip() == "1" else many
        return str(super().format_field(value, format_spec))


_FORMATTER = _Formatter()


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The text for ``key`` in ``lang``, with ``values`` filled in."""
    vi, en = CATALOGUE[key]
    text = en if lang == "en" else vi
    return _FORMATTER.format(text, **values) if values else text


# The kinds some pages still name a field's codes by (``value_label("wwtp", …)``).
_KIND_FIELDS = {"wwtp": "wwtp_status", "precision": "location_precision"}


def value_label(kind: str, code: str | None, lang: str = DEFAULT_LANG) -> str:
    """The label of a coded value: of a cluster field (``batch``, ``wwtp_status`` …) from the
    model, else of the catalogue (``doc_type``, ``event`` …); the code itself if it has none."""
    if code is None:
        return CATALOGUE["common.none"][0]
    spec = FIELD_BY_NAME.get(_KIND_FIELDS.get(kind, kind))
    title = spec.choice_title(code) if spec is not None else None
    if title is not None:
        return title.text(lang)
    key = f"{kind}.{code}"
    return t(key, lang) if key in CATALOGUE else code


_VI_SEPARATORS = str.maketrans(",.", ".,")


def number(value: float | None, lang: str = DEFAULT_LANG, decimals: int = 2) -> str:
    """``1686.5`` → ``1.686,5`` (vi) or ``1,686.5`` (en); trailing zeros dropped."""
    if value is None:
        return CATALOGUE["common.none"][0]
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if lang == "en":
        return text
    return text.translate(_VI_SEPARATORS)


def area(value: float | None, lang: str = DEFAULT_LANG) -> str:
    """``18.8`` → ``18,8 ha`` (vi) or ``18.8 ha`` (en)."""
    if value is None:
        return CATALOGUE["common.none"][0]
    return f"{number(value, lang)} ha"


def percent(value: float | None, lang: str = DEFAULT_LANG) -> str:
    if value is None:
        return CATALOGUE["common.none"][0]
    return f"{number(value, lang, 1)}%"


def format_date(value: date | None, lang: str = DEFAULT_LANG) -> str:
    """``09/01/2025`` (vi) or ``2025-01-09`` (en)."""
    if value is None:
        return CATALOGUE["common.none"][0]
    return value.isoformat() if lang == "en" else value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None, lang: str = DEFAULT_LANG) -> str:
    """A stored (UTC) time shown in Hanoi time: ``09/01/2025 14:05`` or ``2025-01-09 14:05``."""
    if value is None:
        return CATALOGUE["common.none"][0]
    local = value.astimezone(clock.HANOI)  # history is stored in UTC, shown in Hanoi time
    return f"{format_date(local.date(), lang)} {local:%H:%M}"


def format_partial_date(value: str | None, lang: str = DEFAULT_LANG) -> str:
    """An as-of date kept as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, in the reader's order."""
    if not value:
        return CATALOGUE["common.none"][0]
    parts = value.split("-")
    if lang == "en" or len(parts) == 1:
        return value
    return "/".join(reversed(parts))


# --- editing, sign-in, history and administration (issue 4)
CATALOGUE.update(
    {
        "nav.edit": ("Sửa cụm", "Edit a cluster"),
        "nav.new": ("Thêm cụm", "New cluster"),
        "nav.changes": ("Thay đổi gần đây", "Recent changes"),
        "nav.admin": ("Quản trị", "Administration"),
        # sign-in
        "auth.header": ("Đăng nhập để sửa dữ liệu", "Sign in to edit"),
        "auth.name": ("Tên tài khoản", "Account name"),
        "auth.password": ("Mật khẩu", "Password"),
        "auth.sign_in": ("Đăng nhập", "Sign in"),
        "auth.sign_out": ("Đăng xuất", "Sign out"),
        "auth.signed_in_as": ("Đã đăng nhập: **{name}**", "Signed in: **{name}**"),
        "auth.signed_out": ("Đã đăng xuất.", "Signed out."),
        "auth.expired": (
            "Phiên làm việc đã hết hạn do không hoạt động; hãy đăng nhập lại.",
            "The session expired after a period of inactivity; please sign in again.",
        ),
        "auth.oidc_sign_in": ("Đăng nhập bằng tài khoản cơ quan", "Sign in with your organisation"),
        "auth.local_accounts": ("Tài khoản nội bộ", "Local account"),
        "auth.oidc_no_account": (
            "Email {email} chưa được gán tài khoản trong sổ đăng ký; liên hệ quản trị.",
            "The email {email} has no account in the registry; contact an administrator.",
        ),
        "auth.need_sign_in": (
            "Cần đăng nhập với vai trò {role} để dùng trang này (ô đăng nhập ở thanh bên).",
            "Sign in with the {role} role to use this page (the sign-in box is in the sidebar).",
        ),
        "auth.need_role": (
            "Tài khoản {name} không có vai trò {role} cần cho trang này.",
            "The account {name} does not have the {role} role this page needs.",
        ),
        "auth.read_needs_sign_in": (
            "Sổ đăng ký chỉ dành cho người đã đăng nhập.",
            "The registry is open to signed-in users only.",
        ),
        # edit page
        "edit.title": ("Sửa thông tin cụm", "Edit a cluster"),
        "edit.link": ("Sửa cụm này", "Edit this cluster"),
        "edit.back": ("Về trang chi tiết", "Back to the cluster page"),
        "edit.opened_on": (
            "Biểu mẫu mở trên phiên bản {version} (hiện tại: {current}).",
            "The forms were opened on version {version} (current: {current}).",
        ),
        "edit.tab_stage": ("Giai đoạn", "Stage"),
        "edit.tab_attributes": ("Thông tin", "Attributes"),
        "edit.tab_location": ("Vị trí", "Location"),
        "edit.current_stage": (
            "Giai đoạn hiện tại: **{stage}** (hiệu lực {date})",
            "Current stage: **{stage}** (effective {date})",
        ),
        "edit.current_evidence": ("Căn cứ: {evidence}", "Evidence: {evidence}"),
        "edit.new_stage": ("Giai đoạn mới", "New stage"),
        "edit.choose_stage": ("Chọn giai đoạn", "Choose a stage"),
        "edit.new_stage_help": (
            "Chỉ có các bước cho phép từ giai đoạn hiện tại. Lùi giai đoạn hoặc đưa cụm trở "
            "lại quy hoạch là đính chính và phải nêu lý do.",
            "Only the moves allowed from the current stage are listed. Moving back, or out of "
            "'removed', is a correction and needs a reason.",
        ),
        "edit.correction_option": ("↩ Đính chính: {stage}", "↩ Correction: {stage}"),
        "edit.effective_date": ("Ngày hiệu lực", "Effective date"),
        "edit.effective_date_help": (
            "Ngày giai đoạn bắt đầu theo văn bản hoặc kiểm tra, không phải ngày nhập.",
            "The day the stage began per the document or inspection, not the day of typing.",
        ),
        "edit.evidence": ("Căn cứ", "Evidence"),
        "edit.evidence_help": (
            "Thay đổi giai đoạn cần một văn bản (số, ngày, cơ quan ban hành) hoặc biên bản "
            "kiểm tra có ngày. Chỉ đính chính mới có thể không có căn cứ.",
            "A stage change needs a document (number, date, issuer) or a dated inspection. "
            "Only a correction may go without.",
        ),
        "edit.evidence_decision": ("Văn bản", "Document"),
        "edit.evidence_inspection": ("Kiểm tra thực tế", "Inspection"),
        "edit.evidence_none": ("Không có (đính chính)", "None (correction)"),
        "edit.field.doc_type": ("Loại văn bản", "Document type"),
        "edit.field.decision_number": ("Số văn bản", "Document number"),
        "edit.field.decision_date": ("Ngày văn bản / kiểm tra", "Document or inspection date"),
        "edit.field.issuer": ("Cơ quan ban hành", "Issuer"),
        "edit.field.evidence_note": ("Ghi chú về căn cứ", "Evidence note"),
        "edit.field.evidence": ("Căn cứ", "Evidence"),
        "edit.field.reason": ("Lý do", "Reason"),
        "edit.field.latitude": ("Vĩ độ", "Latitude"),
        "edit.field.longitude": ("Kinh độ", "Longitude"),
        "edit.field.markers": ("Mốc giới", "Boundary markers"),
        "edit.field.marker_crs": ("Hệ tọa độ mốc giới", "Marker coordinate system"),
        "edit.field.axis_order": ("Thứ tự trục", "Axis order"),
        "edit.field.boundary_file": ("Tệp ranh giới", "Boundary file"),
        "edit.field.category": ("Chỉ tiêu", "Figure"),
        "edit.field.count": ("Số lượng", "Count"),
        "edit.field.source": ("Nguồn", "Source"),
        "edit.field.password": ("Mật khẩu", "Password"),
        "edit.field.email": ("Email", "Email"),
        "edit.field.role": ("Vai trò", "Role"),
        "edit.stage_reason": ("Ghi chú / lý do", "Note / reason"),
        "edit.stage_reason_help": (
            "Bắt buộc khi đính chính; được lưu trong lịch sử.",
            "Required for a correction; kept in the history.",
        ),
        "edit.save_stage": ("Lưu giai đoạn", "Save the stage"),
        "edit.stage_saved": (
            "Đã lưu: giai đoạn «{stage}» (phiên bản {version}).",
            "Saved: stage '{stage}' (version {version}).",
        ),
        "edit.occupancy_derived": (
            "{label}: {value} — tự tính từ đất đã cho thuê / đất công nghiệp, không nhập tay.",
            "{label}: {value} — derived from leased / industrial land, not typed.",
        ),
        "edit.one_per_line": ("Mỗi dòng một mục.", "One per line."),
        "edit.as_of_help": (
            "NNNN, NNNN-TT hoặc NNNN-TT-NN (ví dụ 2025-06).",
            "YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2025-06).",
        ),
        "edit.old_address_help": (
            "Ghi đúng như trong quyết định (trước 1/7/2025).",
            "As written in the decisions (before 1 July 2025).",
        ),
        "edit.why": ("Lý do sửa", "Why this change"),
        "edit.why_help": ("Được lưu trong lịch sử.", "Kept in the history."),
        "edit.save_attributes": ("Lưu thông tin", "Save the attributes"),
        "edit.attributes_saved": (
            "Đã lưu: {fields} (phiên bản {version}).",
            "Saved: {fields} (version {version}).",
        ),
        "edit.current_location": (
            "Vị trí hiện tại: {location} ({precision})",
            "Current location: {location} ({precision})",
        ),
        "edit.save_location": ("Lưu vị trí mới", "Save the new location"),
        "edit.location_saved": (
            "Đã lưu vị trí mới (phiên bản {version}).",
            "The new location is saved (version {version}).",
        ),
        "edit.warnings_intro": (
            "Có cảnh báo. Đọc kỹ, đánh dấu ô xác nhận bên dưới rồi lưu lại nếu vẫn đúng:",
            "There are warnings. Read them, tick the box below and save again if the data "
            "is right:",
        ),
        "edit.accept_warnings": (
            "Tôi đã đọc các cảnh báo và xác nhận dữ liệu là đúng",
            "I have read the warnings and confirm the data",
        ),
        "edit.changed_since": (
            "Cụm đã được sửa sau phiên bản {version} bạn mở (gần nhất: {who}, {when}). Lưu "
            "bây giờ sẽ bị từ chối.",
            "The cluster was changed after version {version} you opened (latest: {who}, "
            "{when}). Saving now will be refused.",
        ),
        "edit.col_version": ("Phiên bản", "Version"),
        "edit.col_also_mine": ("Bạn cũng sửa", "You changed it too"),
        "edit.reapply": (
            "Mở phiên bản hiện tại, giữ nội dung tôi đã nhập",
            "Open the current version, keep my input",
        ),
        "edit.reapply_help": (
            "Nội dung bạn đã nhập được giữ nguyên để lưu lên phiên bản mới; kiểm tra lại các "
            "trường người khác vừa sửa.",
            "What you typed is kept, to be saved on the new version; check the fields the "
            "other person changed.",
        ),
        "edit.reapplied": (
            "Biểu mẫu đã chuyển sang phiên bản {version}; nội dung bạn nhập vẫn còn. Kiểm tra "
            "rồi lưu lại.",
            "The forms now work on version {version}; your input is kept. Check it and save again.",
        ),
        # location tools
        "locate.method": ("Cách xác định vị trí", "How to give the location"),
        "locate.method_point": ("Điểm (vĩ độ, kinh độ)", "Point (latitude, longitude)"),
        "locate.method_file": ("Tệp ranh giới", "Boundary file"),
        "locate.method_markers": ("Mốc giới VN-2000", "VN-2000 boundary markers"),
        "locate.lat": ("Vĩ độ (WGS84)", "Latitude (WGS84)"),
        "locate.lon": ("Kinh độ (WGS84)", "Longitude (WGS84)"),
        "locate.point_help": (
            "Độ thập phân; dấu phẩy hay dấu chấm thập phân đều được. Hà Nội: vĩ độ ~21, kinh "
            "độ ~105,8.",
            "Decimal degrees; a decimal comma or point both work. Hanoi: latitude ~21, "
            "longitude ~105.8.",
        ),
        "locate.pick_on_map": (
            "Hoặc bấm vào bản đồ để lấy tọa độ:",
            "Or click the map to take the coordinates:",
        ),
        "locate.check": ("Kiểm tra vị trí", "Check the location"),
        "locate.file": ("Tệp ranh giới", "Boundary file"),
        "locate.file_help": (
            "GeoJSON, GeoPackage, KML hoặc Shapefile nén .zip; đúng một vùng (polygon).",
            "GeoJSON, GeoPackage, KML or a zipped Shapefile; exactly one polygon.",
        ),
        "locate.file_crs": ("Hệ tọa độ của tệp", "The file's coordinate system"),
        "locate.file_crs_own": ("Theo tệp (mặc định)", "As the file says (default)"),
        "locate.marker_crs": ("Hệ tọa độ VN-2000", "VN-2000 coordinate system"),
        "locate.markers": ("Bảng tọa độ mốc giới", "Table of boundary markers"),
        "locate.markers_help": (
            "Mỗi dòng một mốc: [tên mốc] X Y, theo thứ tự quanh ranh giới. Dán từ Excel "
            "(tab), hoặc phân cách bằng dấu chấm phẩy, dấu cách, dấu phẩy; dấu phẩy thập phân "
            "được hiểu. Dòng tiêu đề được bỏ qua.",
            "One marker per line: [name] X Y, in order around the boundary. Paste from Excel "
            "(tabs), or separate with semicolons, spaces or commas; decimal commas are "
            "understood. A header line is skipped.",
        ),
        "locate.axis_order": ("Thứ tự trục X/Y", "X/Y axis order"),
        "locate.axis_suggest": (
            "Với các tọa độ này, thứ tự «{order}» đặt ranh giới trong Hà Nội.",
            "With these coordinates the order '{order}' puts the boundary in Hanoi.",
        ),
        "locate.area_computed": ("Diện tích theo ranh giới", "Area of the boundary"),
        "locate.area_decided": ("Diện tích quyết định", "Decided area"),
        "locate.area_plane": ("Diện tích trên mặt phẳng VN-2000", "Area in the VN-2000 plane"),
        # new cluster page
        "new.title": ("Thêm cụm công nghiệp", "New industrial cluster"),
        "new.location": ("1. Vị trí", "1. Location"),
        "new.details": ("2. Thông tin và giai đoạn", "2. Record and stage"),
        "new.stage": ("Giai đoạn", "Stage"),
        "new.create": ("Thêm cụm", "Add the cluster"),
        "new.created": (
            "Đã thêm cụm «{name}» (mã {id}).",
            "The cluster '{name}' is added (id {id}).",
        ),
        "new.open": ("Mở cụm vừa thêm", "Open the new cluster"),
        "new.no_location": (
            "Chưa có vị trí: dùng một trong ba cách ở phần 1 rồi bấm «Kiểm tra vị trí».",
            "No location yet: use one of the three ways in part 1, then 'Check the location'.",
        ),
        "new.location_ready": ("Vị trí đã sẵn sàng.", "The location is ready."),
        # recent changes
        "history.title": ("Thay đổi gần đây", "Recent changes"),
        "history.user": ("Người sửa", "Changed by"),
        "history.cluster": ("Cụm", "Cluster"),
        "history.since": ("Từ ngày", "From"),
        "history.until": ("Đến ngày", "To"),
        "history.all": ("Tất cả", "All"),
        "history.col_cluster": ("Cụm", "Cluster"),
        "history.col_kind": ("Loại thay đổi", "Kind"),
        "history.col_changes": ("Thay đổi", "Changes"),
        "history.col_reason": ("Lý do, căn cứ", "Reason, evidence"),
        "history.count": (
            "{count} thay đổi (tối đa {limit} mới nhất).",
            "{count} {count:change|changes} (at most the {limit} newest).",
        ),
        "history.none": ("Không có thay đổi nào phù hợp.", "No change matches."),
        "history.hint": (
            "Lịch sử chỉ được ghi thêm, không sửa, không xóa; hoàn tác là một thay đổi mới. "
            "Chọn một dòng để mở cụm.",
            "History is only ever appended to; reverting is a new change. Select a row to "
            "open the cluster.",
        ),
        # administration
        "admin.title": ("Quản trị", "Administration"),
        "admin.accounts": ("Tài khoản", "Accounts"),
        "admin.col_status": ("Trạng thái", "Status"),
        "admin.col_signin": ("Cách đăng nhập", "Sign-in"),
        "admin.active": ("Đang dùng", "Active"),
        "admin.disabled": ("Đã vô hiệu hóa", "Disabled"),
        "admin.add": ("Thêm tài khoản", "Add an account"),
        "admin.password2": ("Nhập lại mật khẩu", "Repeat the password"),
        "admin.no_password": (
            "Không mật khẩu: chỉ đăng nhập qua OpenID Connect (cần email)",
            "No password: OpenID Connect sign-in only (needs an email)",
        ),
        "admin.mismatch": ("Hai lần nhập mật khẩu không khớp.", "The passwords do not match."),
        "admin.added": ("Đã thêm tài khoản {name}.", "The account {name} is added."),
        "admin.change": ("Sửa tài khoản", "Change an account"),
        "admin.account": ("Tài khoản", "Account"),
        "admin.choose_account": ("Chọn tài khoản", "Choose an account"),
        "admin.enabled": ("Được đăng nhập", "May sign in"),
        "admin.new_password": (
            "Mật khẩu mới (để trống nếu không đổi)",
            "New password (leave empty to keep)",
        ),
        "admin.apply": ("Lưu thay đổi", "Save the changes"),
        "admin.changed": ("Đã lưu tài khoản {name}.", "The account {name} is saved."),
        "admin.unchanged": ("Không có gì thay đổi.", "Nothing changed."),
        "admin.events": ("Nhật ký tài khoản", "Account audit trail"),
        "admin.col_action": ("Việc", "Action"),
        "admin.col_detail": ("Chi tiết", "Detail"),
        "admin.figures": ("Số liệu báo cáo chính thức", "Officially reported figures"),
        "admin.add_figure": ("Thêm số liệu báo cáo mới hơn", "Add a newer reported figure"),
        "admin.figure_added": ("Đã thêm số liệu báo cáo.", "The reported figure is added."),
        "admin.figures_hint": (
            "Số liệu cũ được giữ nguyên; số liệu mới nhất của mỗi chỉ tiêu được so sánh với sổ "
            "đăng ký.",
            "Older figures are kept; the newest of each category is compared with the registry.",
        ),
    }
)


# --- import and export (issue 5)
CATALOGUE.update(
    {
        "nav.import": ("Nhập dữ liệu", "Import"),
        # download buttons (List and Map pages)
        "export.title": (
            "Tải xuống {count} cụm đang hiển thị",
            "Download the {count} {count:cluster|clusters} shown",
        ),
        "export.hint": (
            "Mỗi tệp ghi thời điểm xuất và bộ lọc ({filter}); tên tệp mang ngày xuất. GeoJSON "
            "theo RFC 7946; GeoPackage mở trực tiếp bằng QGIS (kèm quyết định và lịch sử); "
            "CSV và Excel mở bằng Excel; KML cho Google Earth.",
            "Every file records the export time and the filter ({filter}); file names carry "
            "the date. GeoJSON per RFC 7946; GeoPackage opens in QGIS (with decisions and "
            "history); CSV and Excel open in Excel; KML for Google Earth.",
        ),
        "export.vn2000": (
            "GeoPackage theo VN-2000 / TM-3 Hà Nội (EPSG:5897)",
            "GeoPackage in VN-2000 / TM-3 Hanoi (EPSG:5897)",
        ),
        "export.format": ("Định dạng", "Format"),
        "export.prepare": ("Tạo tệp", "Make the file"),
        "export.making": ("Đang tạo tệp…", "Making the file…"),
        # import page
        "import.title": ("Nhập dữ liệu từ tệp", "Import from a file"),
        "import.intro": (
            "Tải lên danh sách hoặc ranh giới cụm công nghiệp. Hệ thống **chạy thử** trước: "
            "báo cáo mọi vấn đề theo dòng và trường, xem trước trên bản đồ; chỉ khi không còn "
            "lỗi mới nhập được, và nhập là **tất cả hoặc không gì cả**. Cụm có cột «Mã» trùng "
            "mã trong sổ được cập nhật (chỉ các trường thay đổi); ô trống không xoá dữ liệu "
            "đang có.",
            "Upload a list or boundaries of industrial clusters. A **dry run** comes first: "
            "every problem reported by row and field, a preview on the map; only a file "
            "without errors can be imported, and the import is **all rows or none**. Rows "
            "whose 'Id' matches the registry update that cluster (changed fields only); empty "
            "cells never erase stored values.",
        ),
        "import.file": (
            "Tệp: GeoJSON, GeoPackage, KML/KMZ, Shapefile nén .zip, CSV hoặc Excel .xlsx",
            "File: GeoJSON, GeoPackage, KML/KMZ, zipped Shapefile, CSV or Excel .xlsx",
        ),
        "import.crs": ("Hệ tọa độ", "Coordinate system"),
        "import.crs_from_file": (
            "Theo tệp (GeoJSON, KML, cột kinh/vĩ độ: WGS 84)",
            "From the file (GeoJSON, KML, lon/lat columns: WGS 84)",
        ),
        "import.crs_help": (
            "Chỉ cần chọn khi tệp không ghi hệ tọa độ (Shapefile thiếu .prj, cột X/Y). Tọa độ "
            "được chuyển sang WGS 84 bằng phép chuyển EPSG của pyproj.",
            "Needed only when the file states none (a Shapefile without .prj, X/Y columns). "
            "Coordinates are transformed to WGS 84 with pyproj's EPSG operations.",
        ),
        "import.mapping": ("Ghép cột", "Column mapping"),
        "import.mapping_hint": (
            "Cột được ghép tự động theo tiêu đề tiếng Việt hoặc tiếng Anh; sửa nếu cần. Cách "
            "ghép được lưu khi nhập, và dùng lại cho tệp có cùng tiêu đề.",
            "Columns are matched on Vietnamese or English headers; correct them if needed. "
            "The mapping is saved on import and reused for files with the same headers.",
        ),
        "import.not_used": ("(không dùng)", "(not used)"),
        "import.unmapped": ("Cột không dùng: {columns}", "Columns not used: {columns}"),
        "import.dry_run": ("Chạy thử (chưa ghi gì)", "Dry run (nothing written yet)"),
        "import.checking": ("Đang kiểm tra…", "Checking…"),
        "import.new": ("Cụm mới", "New"),
        "import.updated": ("Cập nhật", "Updated"),
        "import.unchanged": ("Không đổi", "Unchanged"),
        "import.rejected": ("Dòng có lỗi", "Rows with errors"),
        "import.crs_used": ("Hệ tọa độ của tệp: {crs}", "The file's coordinate system: {crs}"),
        "import.problems": ("Báo cáo vấn đề", "Problem report"),
        "import.no_problems": ("Không có vấn đề nào.", "No problems found."),
        "import.whole_file": ("Cả tệp", "Whole file"),
        "import.col_row": ("Dòng", "Row"),
        "import.col_field": ("Trường", "Field"),
        "import.col_level": ("Mức", "Level"),
        "import.col_message": ("Vấn đề", "Problem"),
        "import.level_error": ("Lỗi", "Error"),
        "import.level_warning": ("Cảnh báo", "Warning"),
        "import.make_valid": (
            "Sửa {count} ranh giới không hợp lệ bằng make_valid",
            "Repair {count} invalid {count:boundary|boundaries} with make_valid",
        ),
        "import.make_valid_help": (
            "make_valid tách vùng tự cắt thành các vùng hợp lệ (giữ phần diện tích). Hãy xem "
            "lại kết quả trên bản đồ xem trước.",
            "make_valid splits a self-intersecting boundary into valid parts (keeping the "
            "area). Check the result on the preview map.",
        ),
        "import.preview": (
            "Xem trước: cụm mới và cụm thay đổi",
            "Preview: new and changed clusters",
        ),
        "import.preview_empty": ("Không có cụm mới hay thay đổi.", "No new or changed cluster."),
        "import.preview_first": (
            "Bản đồ xem trước chỉ vẽ {shown} cụm đầu tiên trong {total}; báo cáo liệt kê mọi dòng.",
            "The preview map draws only the first {shown} of the {total} to import; the report "
            "lists every row.",
        ),
        "import.blocked": (
            "Còn lỗi: hãy sửa tệp rồi tải lên lại. Không có gì được ghi.",
            "There are errors: correct the file and upload it again. Nothing was written.",
        ),
        "import.nothing": (
            "Không có gì để nhập: mọi cụm trong tệp đã giống sổ đăng ký.",
            "Nothing to import: every cluster in the file already matches the registry.",
        ),
        "import.accept": (
            "Tôi đã xem các cảnh báo và vẫn nhập",
            "I have read the warnings and import anyway",
        ),
        "import.commit": ("Nhập {count} thay đổi", "Import {count} {count:change|changes}"),
        "import.writing": ("Đang ghi…", "Writing…"),
        "import.done": (
            "Đã nhập: {new} cụm mới, {updated} cụm cập nhật, {unchanged} không đổi. Lịch sử ghi "
            "nguồn là tệp «{file}».",
            "Imported: {new} new, {updated} updated, {unchanged} unchanged. The history names "
            "the file '{file}'.",
        ),
    }
)


# --- the registry as of a report cut-off (Overview)
CATALOGUE.update(
    {
        "as_of.label": ("Số liệu tại ngày", "As of"),
        "as_of.help": (
            "Sổ đăng ký như tại cuối ngày đã chọn (giờ Hà Nội), dựng lại từ lịch sử thay đổi. "
            "Thông tư 14/2024/TT-BCT: báo cáo 6 tháng lấy số liệu đến ngày 14/6, báo cáo năm "
            "đến ngày 14/12.",
            "The registry as it stood at the end of the chosen day (Hanoi time), rebuilt from "
            "its change history. Circular 14/2024/TT-BCT: the half-year report takes data to "
            "14 June, the annual report to 14 December.",
        ),
        "as_of.now": ("Hiện tại", "Now"),
        "as_of.half_year": ("{date} — kỳ báo cáo 6 tháng", "{date} — half-year report"),
        "as_of.annual": ("{date} — kỳ báo cáo năm", "{date} — annual report"),
        "as_of.other": ("Ngày khác…", "Another day…"),
        "as_of.day": ("Ngày", "Day"),
        "as_of.notice": (
            "Đang xem sổ đăng ký **tại cuối ngày {date}** (giờ Hà Nội), dựng lại từ lịch sử "
            "thay đổi: {count} cụm. Số liệu báo cáo chỉ gồm các số liệu công bố đến ngày đó.",
            "Showing the registry **as of the end of {date}** (Hanoi time), rebuilt from its "
            "change history: {count} {count:cluster|clusters}. Reported figures are those "
            "published by then.",
        ),
    }
)


# --- map page: the registry beside the reports, what the legend counts
CATALOGUE.update(
    {
        "map.registry_holds": ("Sổ đăng ký có {parts}", "The registry holds {parts}"),
        "map.against_report": (
            "{items} theo báo cáo {date}",
            "{items} against the report of {date}",
        ),
        "map.registry_incomplete": ("còn thiếu hồ sơ", "records are missing"),
        "legend.counts": (
            "Số trong ngoặc: {count} cụm đang hiển thị theo bộ lọc, {batches}.",
            "In brackets: the {count} {count:cluster|clusters} shown by the filter, {batches}.",
        ),
        "legend.all_batches": ("mọi đợt thành lập", "all batches"),
        "legend.batches": ("đợt {batches}", "batch {batches}"),
        "legend.reported_batch": (
            "Số liệu theo giai đoạn của báo cáo {date} chỉ tính đợt {batch}: {items}.",
            "The stage figures of the report of {date} count the {batch} batch only: {items}.",
        ),
        "legend.reported_item": (
            "{reported} {label} (sổ đăng ký: {registry})",
            "{reported} {label} (registry: {registry})",
        ),
    }
)


# --- forms that never lose input (field inputs, the summary before saving, refused saves)
CATALOGUE.update(
    {
        "edit.choose": ("Chọn…", "Choose…"),
        "edit.number_help": (
            "Số thập phân, dấu phẩy hay dấu chấm đều được (ví dụ 18,8); để trống là không có "
            "số liệu.",
            "A decimal number, with a comma or a point (e.g. 18.8); empty means no value.",
        ),
        "edit.before_saving": (
            "**Trước khi lưu** — các thay đổi sẽ được ghi:",
            "**Before saving** — the changes to be written:",
        ),
        "edit.no_changes": ("Chưa có thay đổi nào.", "No change yet."),
        "edit.cleared": ("xoá giá trị, cần nêu lý do", "value cleared: give the reason"),
        "edit.input_kept": (
            "Không có gì được ghi; nội dung bạn nhập vẫn được giữ nguyên.",
            "Nothing was written; what you typed is kept.",
        ),
        "edit.read_only": (
            "Không lưu được bằng phiên đăng nhập này; nội dung bạn đã nhập vẫn được giữ bên "
            "dưới (chỉ đọc). Hãy đăng nhập lại với vai trò Biên tập viên để lưu.",
            "This sign-in cannot save; what you typed is kept below (read only). Sign in again "
            "with the Editor role to save it.",
        ),
        "edit.fix_fields": (
            "Có trường chưa đọc được (xem dưới trường đó): chưa có gì được ghi.",
            "Some fields cannot be read (see under each): nothing was written.",
        ),
    }
)


# --- the basemap's notice on the map; reference layers uploaded on the admin page
CATALOGUE.update(
    {
        "map.tiles_failed": (
            "Không tải được bản đồ nền ({server}): bản đồ chỉ có các cụm và lớp tham chiếu.",
            "The basemap ({server}) cannot be loaded: the map shows only the clusters and "
            "reference layers.",
        ),
        "map.tiles_none": (
            "Không có bản đồ nền: bản đồ chỉ có các cụm và lớp tham chiếu.",
            "No basemap: the map shows only the clusters and reference layers.",
        ),
        "admin.layers": ("Lớp tham chiếu", "Reference layers"),
        "admin.layers_hint": (
            "Ranh giới xã/phường, quận/huyện, đường địa giới thành phố… hiện dưới các cụm trên "
            "bản đồ của mọi người dùng, bật/tắt được từng lớp. Tệp GeoJSON, GeoPackage, KML/KMZ "
            "hoặc Shapefile nén .zip; tọa độ được chuyển sang WGS 84.",
            "Commune and district boundaries, the city outline… drawn under the clusters on "
            "everyone's map, each switchable. GeoJSON, GeoPackage, KML/KMZ or a zipped "
            "Shapefile; coordinates are transformed to WGS 84.",
        ),
        "admin.no_layers": ("Chưa có lớp tham chiếu nào.", "No reference layer yet."),
        "admin.add_layer": ("Tải lên lớp tham chiếu", "Upload a reference layer"),
        "admin.layer_file": ("Tệp lớp", "Layer file"),
        "admin.layer_name": ("Tên lớp", "Layer name"),
        "admin.layer_name_placeholder": ("Ranh giới xã/phường 2025", "2025 commune boundaries"),
        "admin.layer_source": ("Nguồn và giấy phép", "Source and licence"),
        "admin.layer_source_placeholder": (
            "Ví dụ: Sở Tài nguyên và Môi trường, dùng nội bộ",
            "E.g. Department of Natural Resources and Environment, internal use",
        ),
        "admin.layer_no_file": ("Hãy chọn tệp lớp.", "Choose the layer file."),
        "admin.layer_added": (
            "Đã thêm lớp «{name}» ({count} đối tượng).",
            "The layer '{name}' is added ({count} {count:feature|features}).",
        ),
        "admin.remove_layer": ("Xoá lớp tham chiếu", "Remove a reference layer"),
        "admin.choose_layer": ("Hãy chọn lớp cần xoá.", "Choose the layer to remove."),
        "admin.layer_removed": ("Đã xoá lớp «{name}».", "The layer '{name}' is removed."),
        "admin.col_features": ("Số đối tượng", "Features"),
        "admin.col_file": ("Tệp", "File"),
        "admin.col_uploaded": ("Tải lên", "Uploaded"),
    }
)


# --- periodic reports, Circular 14/2024 (issue 13)
CATALOGUE.update(
    {
        "nav.reports": ("Báo cáo định kỳ", "Periodic reports"),
        "reports.title": (
            "Báo cáo định kỳ (Thông tư 14/2024)",
            "Periodic reports (Circular 14/2024)",
        ),
        "reports.intro": (
            "Biểu 04 của Sở và Biểu 03 của từng xã/phường, tính từ sổ đăng ký như tại cuối ngày "
            "chốt số liệu (14/6, 14/12; giờ Hà Nội), không nhập tay. Tệp Excel gồm Biểu, phụ lục "
            "theo từng cụm, những gì còn thiếu và cách tính từng chỉ tiêu.",
            "The Department's Biểu 04 and each commune's Biểu 03, computed from the registry as it "
            "stood at the end of the cut-off day (14 June, 14 December; Hanoi time), never typed. "
            "The Excel file holds the form, a per-cluster annex, what is missing and how each row "
            "is computed.",
        ),
        "reports.form": ("Biểu", "Form"),
        "reports.bieu04": ("Biểu 04 — toàn thành phố", "Biểu 04 — the city"),
        "reports.bieu03": ("Biểu 03 — một xã/phường", "Biểu 03 — one commune"),
        "reports.period": ("Kỳ báo cáo", "Reporting period"),
        "reports.commune": ("Xã/phường 2025", "2025 commune"),
        "reports.no_period": (
            "Chưa có kỳ báo cáo nào có ngày chốt số liệu đã qua từ khi sổ đăng ký có dữ liệu.",
            "No reporting period's cut-off has passed since the registry has had data.",
        ),
        "reports.summary": (
            "Sổ đăng ký tại cuối ngày {date}: {count} cụm; {incomplete} chỉ tiêu chưa đủ số liệu, "
            "{missing} số liệu còn thiếu, {flags} cảnh báo.",
            "The registry at the end of {date}: {count} {count:cluster|clusters}; {incomplete} "
            "{incomplete:row|rows} incomplete, {missing} missing {missing:fact|facts}, {flags} "
            "{flags:flag|flags}.",
        ),
        "reports.download": ("Tải tệp Excel", "Download the Excel file"),
        "reports.col_number": ("TT", "No."),
        "reports.col_heading": ("Chỉ tiêu", "Indicator"),
        "reports.col_unit": ("Đơn vị tính", "Unit"),
        "reports.col_value": ("Kết quả", "Value"),
        "reports.col_note": ("Ghi chú", "Note"),
        "reports.flags": ("Cảnh báo kiểm tra", "Checks"),
        "reports.rules": (
            "Quy tắc cho những điểm Thông tư chưa quy định rõ",
            "Rules for what the circular leaves open",
        ),
    }
)

# --- period figures: Biểu 02 per cluster, Biểu 01 per tenant project (issue 13, item 3)
CATALOGUE.update(
    {
        "reports.bieu02": (
            "Biểu 02 — một cụm (gửi chủ đầu tư hạ tầng)",
            "Biểu 02 — one cluster (for its infrastructure investor)",
        ),
        "reports.cluster": ("Cụm công nghiệp", "Cluster"),
        "reports.bieu02_intro": (
            "Tệp Biểu 02 của cụm: số liệu sổ đăng ký đã điền sẵn, các ô của kỳ (dòng 9–12) để "
            "trống cho chủ đầu tư điền; mã cụm và mã kỳ ghi trong tệp để nhập lại.",
            "The cluster's Biểu 02: the registry's values filled in, the period's cells (rows "
            "9–12) left empty for the investor; the cluster id and period code are in the file "
            "for the import.",
        ),
        "reports.bieu02_download": ("Tải Biểu 02 điền sẵn", "Download the pre-filled Biểu 02"),
        "reports.bieu02_import": ("Nhập Biểu 02 chủ đầu tư gửi lại", "Import a returned Biểu 02"),
        "reports.bieu02_file": ("Tệp Biểu 02 (.xlsx)", "Biểu 02 file (.xlsx)"),
        "reports.bieu02_problems": (
            "Tệp có {count} lỗi; không có gì được ghi. Sửa các ô dưới đây rồi tải lên lại.",
            "The file has {count} {count:problem|problems}; nothing is written. Correct the "
            "cells below and upload it again.",
        ),
        "reports.bieu02_clean": (
            "Tệp không có lỗi: Biểu 02 của {cluster}, kỳ {period}. Kiểm tra rồi bấm ghi.",
            "The file is clean: the Biểu 02 of {cluster}, {period}. Check it, then store it.",
        ),
        "reports.bieu02_commit": ("Ghi số liệu Biểu 02", "Store the Biểu 02 figures"),
        "reports.bieu02_editors": (
            "Chỉ biên tập viên và quản trị viên ghi được số liệu.",
            "Only editors and administrators can store the figures.",
        ),
        "reports.bieu02_saved": (
            "Đã ghi số liệu từ tệp «{name}» (phiên bản {version}).",
            "Stored the figures of '{name}' (version {version}).",
        ),
        "reports.col_cell": ("Ô", "Cell"),
        "reports.col_problem": ("Lỗi", "Problem"),
        "reports.col_stored": ("Đang lưu", "Stored"),
        "reports.col_file": ("Trong tệp", "In the file"),
        "nav.periods": ("Số liệu kỳ báo cáo", "Period figures"),
        "periods.title": (
            "Số liệu kỳ báo cáo (Biểu 01, Biểu 02)",
            "Period figures (Biểu 01, Biểu 02)",
        ),
        "periods.intro": (
            "Số liệu chủ đầu tư hạ tầng (Biểu 02) và từng dự án đầu tư (Biểu 01) báo cáo cho "
            "một kỳ; dòng 23–25 của Biểu 03/04 cộng các số liệu này. Nhập Biểu 02 từ tệp Excel "
            "ở trang Báo cáo định kỳ.",
            "What the infrastructure investor (Biểu 02) and each tenant project (Biểu 01) report "
            "for a period; rows 23–25 of Biểu 03/04 add these up. A Biểu 02 Excel file is "
            "imported on the Periodic reports page.",
        ),
        "periods.period": ("Kỳ báo cáo", "Reporting period"),
        "periods.bieu02": ("Biểu 02 của cụm", "The cluster's Biểu 02"),
        "periods.bieu01": ("Biểu 01 của các dự án trong cụm", "The tenant projects' Biểu 01"),
        "periods.none02": (
            "Chưa có Biểu 02 của kỳ này.",
            "No Biểu 02 for this period yet.",
        ),
        "periods.no_projects": (
            "Cụm chưa có dự án nào: thêm ở trang Dự án trong cụm.",
            "The cluster has no project yet: add them on the Tenant projects page.",
        ),
        "periods.col_value": ("Kết quả", "Value"),
        "periods.col_project": ("Dự án", "Project"),
        "periods.source": ("Nguồn (không bắt buộc)", "Source (optional)"),
        "periods.source_placeholder": (
            "Công văn số … của chủ đầu tư",
            "The investor's letter no. …",
        ),
        "periods.form_source": (
            "Biểu mẫu trên trang Số liệu kỳ báo cáo",
            "Form on the Period figures page",
        ),
        "periods.save02": ("Lưu Biểu 02", "Save the Biểu 02"),
        "periods.save01": ("Lưu Biểu 01 của dự án", "Save the project's Biểu 01"),
        "periods.choose_project": ("Chọn dự án", "Choose a project"),
        "periods.saved": (
            "Đã lưu {form} kỳ {period} (phiên bản {version}).",
            "Saved the {form} of {period} (version {version}).",
        ),
        "periods.not_number": ("«{value}» không phải là số.", "'{value}' is not a number."),
        "periods.history": ("Lịch sử số liệu kỳ báo cáo", "The period figures' history"),
        "periods.no_history": ("Chưa có số liệu nào.", "No figures yet."),
        "periods.col_form": ("Biểu", "Form"),
        "periods.col_source": ("Nguồn", "Source"),
    }
)

# Tenant projects (clusters/ui/pages/projects_page.py).
CATALOGUE.update(
    {
        "nav.projects": ("Dự án trong cụm", "Tenant projects"),
        "projects.title": ("Dự án đầu tư sản xuất kinh doanh trong cụm", "Tenant projects"),
        "projects.intro": (
            "Các dự án của doanh nghiệp thuê đất trong cụm (Biểu 01). Cụm «đã hoạt động» khi "
            "có dự án đi vào hoạt động.",
            "The projects of the businesses leasing land in the cluster (Biểu 01). A cluster "
            "is operating once a tenant project operates in it.",
        ),
        "projects.summary": (
            "**{count}** dự án, trong đó **{operating}** đang hoạt động · đất đã cho thuê "
            "**{leased}**",
            "**{count}** {count:project|projects}, **{operating}** operating · land leased "
            "**{leased}**",
        ),
        "projects.occupancy": (
            " · lấp đầy **{rate}** đất công nghiệp (theo các dự án còn hoạt động)",
            " · **{rate}** of the industrial land occupied (by the projects not stopped)",
        ),
        "projects.link": ("Dự án trong cụm ({count})", "Tenant projects ({count})"),
        "projects.back": ("Về chi tiết cụm", "Back to the cluster"),
        "projects.none": ("Cụm chưa có dự án nào.", "The cluster has no project yet."),
        "projects.col_name": ("Tên dự án", "Project"),
        "projects.col_investor": ("Nhà đầu tư", "Investor"),
        "projects.col_foreign": ("Có vốn đầu tư nước ngoài", "Foreign-invested"),
        "projects.col_land": ("Đất thuê (ha)", "Land leased (ha)"),
        "projects.col_status": ("Tình trạng", "Status"),
        "projects.col_source": ("Nguồn", "Source"),
        "projects.col_updated": ("Sửa lần cuối", "Last changed"),
        "projects.col_kind": ("Loại thay đổi", "Change"),
        "projects.col_changes": ("Nội dung", "What changed"),
        "projects.land_input": ("Diện tích đất thuê (ha)", "Land leased (ha)"),
        "projects.name_placeholder": ("Nhà máy may Phú Xuyên", "Phu Xuyen garment factory"),
        "projects.investor_placeholder": ("Công ty TNHH …", "… Co., Ltd."),
        "projects.source_placeholder": (
            "Giấy chứng nhận đầu tư số …, Biểu 01 kỳ 2025-H1",
            "Investment certificate no. …, Biểu 01 of 2025-H1",
        ),
        "projects.reason": ("Lý do, căn cứ (không bắt buộc)", "Reason, evidence (optional)"),
        "projects.reason_placeholder": (
            "Theo báo cáo của chủ đầu tư hạ tầng",
            "As the infrastructure investor reported",
        ),
        "projects.add": ("Thêm dự án", "Add a project"),
        "projects.save_new": ("Lưu dự án mới", "Save the new project"),
        "projects.added": ("Đã thêm dự án «{name}».", "Added the project '{name}'."),
        "projects.edit": ("Sửa dự án", "Edit a project"),
        "projects.choose": ("Chọn dự án", "Choose a project"),
        "projects.save_edit": ("Lưu thay đổi", "Save the changes"),
        "projects.saved": ("Đã lưu dự án «{name}».", "Saved the project '{name}'."),
        "projects.history": ("Lịch sử các dự án", "The projects' history"),
        "projects.no_history": ("Chưa có thay đổi nào.", "No change yet."),
        "projects.kind.create": ("Thêm mới", "Added"),
        "projects.kind.update": ("Sửa", "Changed"),
        "projects.field.name": ("Tên dự án", "Project"),
        "projects.field.investor": ("Nhà đầu tư", "Investor"),
        "projects.field.foreign_invested": ("Vốn nước ngoài", "Foreign-invested"),
        "projects.field.land_leased_ha": ("Đất thuê", "Land leased"),
        "projects.field.status": ("Tình trạng", "Status"),
        "projects.field.source": ("Nguồn", "Source"),
        "edit.field.land_leased_ha": ("Diện tích đất thuê", "Land leased"),
        "edit.field.status": ("Tình trạng dự án", "Project status"),
        "edit.field.foreign_invested": ("Có vốn đầu tư nước ngoài", "Foreign-invested"),
    }
)

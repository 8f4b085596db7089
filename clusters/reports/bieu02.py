"""A cluster's Biểu 02 as a pre-filled workbook, and the returned file taken in.

The planner sends each infrastructure investor a workbook in the form's layout: the
registry's current values of the cluster in place (its name, investor, areas, and the rows
that state the cluster as it is: investment, capital paid, land, occupancy, projects,
wastewater plant), the period's own rows (9–12) empty, and the cluster's id and the period
code both in a labelled block and on a hidden sheet. The returned file goes through the usual
dry run: every problem is named by its cell ("Ô D24: …"), nothing is written until the file
is clean, and the figures are then stored through ``registry.save_period_figures`` with the
file's name as their source. Which rows exist comes from ``period_fields.BIEU02_FIELDS``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from clusters import registry
from clusters.errors import ClusterError, NotFoundError
from clusters.io.values import is_blank, parse_number
from clusters.io.xlsx import _put as put_cell
from clusters.model import Cluster, TenantProject
from clusters.reports.indicators import project_counted
from clusters.reports.period_fields import BIEU02, BIEU02_FIELDS, PeriodField
from clusters.reports.periods import Period, parse_period
from clusters.reports.policy import POLICY, Policy
from clusters.roles import Actor
from clusters.store import ClusterStore
from clusters.store.periods import Figure, FigureSet
from clusters.text import fold
from clusters.texts import Text

SHEET = "Biểu 02"
ID_SHEET = "Mã nhận dạng"
CIRCULAR = "Ban hành kèm theo Thông tư số 14/2024/TT-BCT ngày 15/8/2024 của Bộ Công Thương"
VALUE_COLUMN = 4  # column D, "(4) Kết quả"
COLUMNS = ("TT", "Chỉ tiêu", "Đơn vị tính", "Kết quả", "Ghi chú")

# The labelled block that names the cluster: (key, label in column B); the value is in D.
IDENT: tuple[tuple[str, str], ...] = (
    ("cluster_id", "Mã cụm trong sổ đăng ký (không sửa)"),
    ("period", "Mã kỳ báo cáo (không sửa)"),
    ("name", "Tên cụm công nghiệp"),
    ("investor", "Chủ đầu tư xây dựng hạ tầng kỹ thuật"),
    ("commune", "Xã/phường (2025)"),
    ("area_ha", "Diện tích cụm công nghiệp (ha)"),
    ("industrial_land_ha", "Diện tích đất công nghiệp theo quy hoạch chi tiết (ha)"),
)
_IDENT_LABEL = dict(IDENT)

_BOLD, _ITALIC, _TITLE = Font(bold=True), Font(italic=True), Font(bold=True, size=13)
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TO_FILL = PatternFill("solid", fgColor="FFF2CC")  # the period's cells, for the investor
_FORMATS = {"ha": "#,##0.00", "%": "0.00", "Tỷ đồng": "#,##0.000"}


def file_name(cluster_id: int, period: Period) -> str:
    return f"bieu02_ccn-{cluster_id}_{period.code}.xlsx"


# --- the registry's current values ------------------------------------------------------------


def _occupancy(c: Cluster) -> float | None:
    """Decree 32 Art. 2 k7: committed (else leased) industrial land over the industrial land;
    the recorded rate where the areas are not known."""
    used = c.committed_land_ha if c.committed_land_ha is not None else c.leased_land_ha
    if used is not None and c.industrial_land_ha:
        return round(100.0 * used / c.industrial_land_ha, 2)
    return c.occupancy_pct


def _count(projects: Sequence[TenantProject], kind: str, policy: Policy) -> int | None:
    """A project count, unknown (not 0) while the cluster has no project recorded."""
    if not projects:
        return None
    return sum(project_counted(kind, p, policy) for p in projects)


def _flag(status: str | None, statuses: tuple[str, ...]) -> int | None:
    return None if status is None else int(status in statuses)


def current_values(
    c: Cluster, projects: Sequence[TenantProject], policy: Policy = POLICY
) -> dict[str, Figure]:
    """The Biểu 02 rows the registry already holds for the cluster, by figure name (the
    period's own rows are not among them)."""
    known: dict[str, Figure] = {
        "infra_investment_bn": c.infra_investment_bn,
        "capital_paid_bn": c.capital_paid_bn,
        "serviced_land_ha": c.serviced_land_ha,
        "leased_land_ha": c.leased_land_ha,
        "occupancy_pct": _occupancy(c),
        "projects": _count(projects, "counted", policy),
        "foreign_projects": _count(projects, "foreign_invested", policy),
        "operating_projects": _count(projects, "operating", policy),
        "wwtp_invested": _flag(c.wwtp_status, policy.wwtp_invested),
        "wwtp_compliant": _flag(c.wwtp_status, policy.wwtp_compliant),
    }
    return {f.name: known.get(f.name) for f in BIEU02_FIELDS if not f.period}


# --- the pre-filled workbook --------------------------------------------------------------------


def _put(ws: Worksheet, row: int, column: int, value: Any, font: Font | None = None) -> Any:
    """Text through the export's one cell writer: never a formula."""
    cell = put_cell(ws, row, column, value)
    if font is not None:
        cell.font = font
    return cell


def _line(ws: Worksheet, row: int, text: str, font: Font | None = None) -> None:
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
    _put(ws, row, 1, text, font).alignment = Alignment(wrap_text=True, vertical="center")


def _ident_values(c: Cluster, period: Period) -> dict[str, Any]:
    commune = c.commune_2025_name or ""
    if c.commune_2025_code:
        commune = f"{commune} ({c.commune_2025_code})".strip()
    return {
        "cluster_id": c.id,
        "period": period.code,
        "name": c.name,
        "investor": c.investor or "",
        "commune": commune,
        "area_ha": c.area_ha,
        "industrial_land_ha": c.industrial_land_ha,
    }


def workbook_bytes(
    c: Cluster,
    projects: Sequence[TenantProject],
    period: Period,
    made: date,
    policy: Policy = POLICY,
) -> bytes:
    """The cluster's Biểu 02 for ``period``: what the registry holds in place, the period's
    rows empty (shaded), the identification labelled and on a hidden sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    _put(ws, 1, 1, BIEU02.title, _BOLD)
    ws.merge_cells(start_row=1, start_column=3, end_row=1, end_column=5)
    _put(ws, 1, 3, CIRCULAR, _ITALIC).alignment = Alignment(horizontal="right", wrap_text=True)
    r = 3
    for text, font in (
        (BIEU02.heading, _TITLE),
        (f"Đơn vị gửi báo cáo: {BIEU02.sender}", None),
        (f"Đơn vị nhận báo cáo: {BIEU02.recipient}", None),
        (f"Kỳ báo cáo: {period.title()}", None),
        (f"(Thời hạn gửi báo cáo: {BIEU02.deadlines})", _ITALIC),
        (
            f"Các ô tô màu là số liệu của kỳ, cần điền. Các ô khác ghi theo sổ đăng ký cụm công "
            f"nghiệp ngày {made:%d/%m/%Y}: sửa nếu khác thực tế. Không sửa mã cụm, mã kỳ.",
            _ITALIC,
        ),
    ):
        _line(ws, r, text, font)
        r += 1
    r += 1
    ident = _ident_values(c, period)
    for key, label in IDENT:
        _put(ws, r, 2, label, _BOLD if key in ("cluster_id", "period") else None)
        _put(ws, r, VALUE_COLUMN, ident[key])
        r += 1
    r += 1
    for j, title in enumerate(COLUMNS, start=1):
        cell = _put(ws, r, j, title, _BOLD)
        cell.alignment, cell.border = _CENTRE, _BOX
        cell = _put(ws, r + 1, j, f"({j})", _ITALIC)
        cell.alignment, cell.border = _CENTRE, _BOX
    r += 2
    held = current_values(c, projects, policy)
    for f in BIEU02_FIELDS:
        value = None if f.period else held.get(f.name)
        if f.period:
            note = "Số liệu của kỳ: bắt buộc điền"
        elif value is None:
            note = "Sổ đăng ký chưa có: điền nếu có"
        else:
            note = "Theo sổ đăng ký: sửa nếu khác"
        for j, v in enumerate((f.row, f.heading, f.unit, value, note), start=1):
            cell = _put(ws, r, j, v)
            cell.border, cell.alignment = _BOX, _WRAP
        cell = ws.cell(row=r, column=VALUE_COLUMN)
        cell.number_format = _FORMATS.get(f.unit, "#,##0")
        if f.period:
            cell.fill = _TO_FILL
        ws.row_dimensions[r].height = 15 * max(1, -(-len(f.heading) // 60))
        r += 1
    r += 1
    ws.merge_cells(start_row=r, start_column=4, end_row=r, end_column=5)
    _put(ws, r, 4, "…, ngày … tháng … năm …", _ITALIC).alignment = _CENTRE
    for k, text in enumerate(BIEU02.signature, start=1):
        ws.merge_cells(start_row=r + k, start_column=4, end_row=r + k, end_column=5)
        _put(ws, r + k, 4, text, _BOLD if k == 1 else _ITALIC).alignment = _CENTRE
    for col, width in zip("ABCDE", (7, 62, 14, 18, 34), strict=True):
        ws.column_dimensions[col].width = width
    ids = wb.create_sheet(ID_SHEET)
    for i, (key, item) in enumerate(
        (
            ("form", BIEU02.code),
            ("cluster_id", c.id),
            ("period", period.code),
            ("cluster_name", c.name),
            ("made_on", made.isoformat()),
        ),
        start=1,
    ):
        _put(ids, i, 1, key)
        _put(ids, i, 2, item)
    ids.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class Export:
    content: bytes
    file_name: str
    cluster: Cluster


def export(store: ClusterStore, cluster_id: int, period: Period | str, made: date) -> Export:
    """The pre-filled Biểu 02 of one cluster (``NotFoundError`` for an unknown one)."""
    chosen = parse_period(period) if isinstance(period, str) else period
    c = store.get(cluster_id)
    content = workbook_bytes(c, store.projects(cluster_id), chosen, made)
    return Export(content, file_name(cluster_id, chosen), c)


# --- the returned file ----------------------------------------------------------------------


@dataclass(frozen=True)
class CellProblem:
    """A problem of the returned file, at a cell ("D24") or of the file as a whole (None)."""

    cell: str | None
    message: Text

    def text(self, lang: str = "vi") -> str:
        if self.cell is None:
            return self.message.text(lang)
        where = f"Cell {self.cell}" if lang == "en" else f"Ô {self.cell}"
        return f"{where}: {self.message.text(lang)}"


@dataclass
class Bieu02Import:
    """A returned Biểu 02 read and checked (the dry run): what would be stored, and why not."""

    file_name: str
    cluster: Cluster | None = None
    period: Period | None = None
    values: dict[str, Figure] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)  # figure name → its cell
    problems: list[CellProblem] = field(default_factory=list)
    stored: FigureSet | None = None  # what the registry holds for the cluster and period

    @property
    def clean(self) -> bool:
        return not self.problems and self.cluster is not None and self.period is not None

    def changes(self) -> list[tuple[PeriodField, Figure, Figure]]:
        """Each figure with what the registry holds for the period and what the file says."""
        before = dict(self.stored.values) if self.stored else {}
        return [(f, before.get(f.name), self.values.get(f.name)) for f in BIEU02_FIELDS]


def _unreadable(name: str) -> ClusterError:
    return ClusterError(
        f"Không đọc được «{name}» như một tệp Excel (.xlsx).",
        f"'{name}' cannot be read as an Excel (.xlsx) file.",
    )


def _find_sheet(book: Any) -> Worksheet | None:
    if SHEET in book.sheetnames:
        return book[SHEET]
    for ws in book.worksheets:
        if ws.sheet_state == "visible":
            return ws
    return None


def _labelled(ws: Worksheet) -> dict[str, tuple[str, Any]]:
    """The identification block: key → (the value's cell, the value)."""
    by_label = {fold(label): key for key, label in IDENT}
    out: dict[str, tuple[str, Any]] = {}
    for row in ws.iter_rows(min_col=2, max_col=VALUE_COLUMN):
        key = by_label.get(fold(str(row[0].value or "")))
        if key and key not in out:
            cell = row[VALUE_COLUMN - 2]
            out[key] = (cell.coordinate, cell.value)
    return out


def _rows(ws: Worksheet) -> dict[str, int]:
    """The form's rows, by their number in column A (TT), below the column headings."""
    out: dict[str, int] = {}
    started = False
    for row in ws.iter_rows(min_col=1, max_col=1):
        value = row[0].value
        text = "" if value is None else str(value).strip()
        if text == "TT":
            started = True
            continue
        if started and text and text not in out:
            out[text.removesuffix(".0")] = row[0].row
    return out


def _hidden(book: Any) -> dict[str, Any]:
    if ID_SHEET not in book.sheetnames:
        return {}
    return {
        str(r[0].value): r[1].value
        for r in book[ID_SHEET].iter_rows(max_col=2)
        if r[0].value is not None
    }


def _number(value: Any) -> float | int | None:
    """A cell's number; blank is None; ValueError for anything else."""
    if is_blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("not a number")
    return parse_number(value)


def _whole_id(value: Any) -> int | None:
    try:
        number = _number(value)
    except ValueError:
        return None
    if number is None or number != int(number):
        return None
    return int(number)


class _Reader:
    """One returned file being checked against the registry."""

    def __init__(self, store: ClusterStore, found: Bieu02Import) -> None:
        self.store, self.out = store, found

    def problem(self, cell: str | None, vi: str, en: str) -> None:
        self.out.problems.append(CellProblem(cell, Text(vi, en)))

    def identify(
        self, ws: Worksheet, hidden: dict[str, Any], cluster_id: int | None, period: str | None
    ) -> None:
        block = _labelled(ws)
        if "cluster_id" not in block or "period" not in block or hidden.get("form") != "bieu02":
            self.problem(
                None,
                "Tệp không phải Biểu 02 do sổ đăng ký lập (không có mã cụm, mã kỳ báo cáo): hãy "
                "dùng tệp tải từ sổ đăng ký.",
                "The file is not a Biểu 02 made by the registry (no cluster id, no period "
                "code): use the file downloaded from the registry.",
            )
            return
        self._cluster(block, hidden, cluster_id)
        self._period(block, hidden, period)

    def _cluster(
        self, block: dict[str, tuple[str, Any]], hidden: dict[str, Any], expected: int | None
    ) -> None:
        cell, raw = block["cluster_id"]
        cid = _whole_id(raw)
        if cid is None:
            self.problem(
                cell,
                f"mã cụm «{raw}» không phải là một mã cụm.",
                f"'{raw}' is not a cluster id.",
            )
            return
        if _whole_id(hidden.get("cluster_id")) != cid:
            self.problem(
                cell,
                f"mã cụm {cid} khác mã cụm tệp được lập cho ({hidden.get('cluster_id')}): không "
                "sửa mã cụm; dùng tệp của đúng cụm.",
                f"cluster id {cid} differs from the cluster the file was made for "
                f"({hidden.get('cluster_id')}): do not edit the id; use the cluster's own file.",
            )
            return
        if expected is not None and cid != expected:
            self.problem(
                cell,
                f"tệp là Biểu 02 của cụm mã {cid}, không phải của cụm mã {expected} đang nhập.",
                f"the file is the Biểu 02 of cluster {cid}, not of cluster {expected} being "
                "imported.",
            )
            return
        try:
            c = self.store.get(cid)
        except NotFoundError:
            self.problem(
                cell,
                f"sổ đăng ký không có cụm mã {cid}.",
                f"the registry has no cluster {cid}.",
            )
            return
        name_cell, name = block.get("name", (cell, None))
        if fold(str(name or "")) != fold(c.name):
            self.problem(
                name_cell,
                f"tên cụm «{name}» không khớp cụm mã {cid} trong sổ đăng ký («{c.name}»): tệp "
                "của cụm khác?",
                f"the cluster name '{name}' does not match cluster {cid} in the registry "
                f"('{c.name}'): another cluster's file?",
            )
            return
        self.out.cluster = c

    def _period(
        self, block: dict[str, tuple[str, Any]], hidden: dict[str, Any], expected: str | None
    ) -> None:
        cell, raw = block["period"]
        text = "" if raw is None else str(raw).strip().removesuffix(".0")
        try:
            found = parse_period(text)
        except ClusterError as exc:
            self.out.problems.append(CellProblem(cell, exc.message))
            return
        if str(hidden.get("period") or "") != found.code:
            self.problem(
                cell,
                f"kỳ {found.code} khác kỳ tệp được lập cho ({hidden.get('period')}): không sửa "
                "mã kỳ; dùng tệp của đúng kỳ.",
                f"period {found.code} differs from the period the file was made for "
                f"({hidden.get('period')}): do not edit it; use the period's own file.",
            )
            return
        if expected is not None and parse_period(expected) != found:
            self.problem(
                cell,
                f"tệp là Biểu 02 kỳ {found.code}, không phải kỳ {parse_period(expected).code} "
                "đang nhập.",
                f"the file is the Biểu 02 of {found.code}, not of "
                f"{parse_period(expected).code} being imported.",
            )
            return
        self.out.period = found

    def figures(self, ws: Worksheet) -> None:
        rows = _rows(ws)
        unreadable: set[str] = set()
        for f in BIEU02_FIELDS:
            at = rows.get(f.row)
            if at is None:
                self.problem(
                    None,
                    f"không tìm thấy dòng {f.row} («{f.heading}») trong cột A (TT).",
                    f"row {f.row} ('{f.en}') is not in column A (TT).",
                )
                unreadable.add(f.name)
                continue
            cell = ws.cell(row=at, column=VALUE_COLUMN)
            self.out.cells[f.name] = cell.coordinate
            try:
                self.out.values[f.name] = _number(cell.value)
            except ValueError:
                self.problem(
                    cell.coordinate,
                    f"«{cell.value}» không phải là số ({f.unit}).",
                    f"'{cell.value}' is not a number ({f.unit}).",
                )
                unreadable.add(f.name)
        checked = {k: v for k, v in self.out.values.items() if k not in unreadable}
        rules = [f for f in BIEU02_FIELDS if f.name not in unreadable]
        for p in registry.check_period_figures(checked, rules):
            self.out.problems.append(CellProblem(self.out.cells.get(p.field or ""), p.message))


def read(
    store: ClusterStore,
    content: bytes,
    name: str,
    *,
    cluster_id: int | None = None,
    period: str | None = None,
) -> Bieu02Import:
    """The dry run of a returned Biểu 02: every problem by cell, nothing written. With
    ``cluster_id`` or ``period`` the file must be that cluster's, that period's."""
    try:
        book = load_workbook(io.BytesIO(content), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise _unreadable(name) from exc
    found = Bieu02Import(name)
    ws = _find_sheet(book)
    if ws is None:
        raise _unreadable(name)
    reader = _Reader(store, found)
    reader.identify(ws, _hidden(book), cluster_id, period)
    reader.figures(ws)
    if found.cluster is not None and found.period is not None:
        held = store.period_figures(
            period=found.period.code, form="bieu02", cluster_id=found.cluster.id
        )
        found.stored = held[0] if held else None
    return found


def seen_version(found: Bieu02Import) -> int:
    """The version of the cluster's Biểu 02 for the period the dry run saw (0: none)."""
    return found.stored.version if found.stored else 0


def commit(
    store: ClusterStore,
    found: Bieu02Import,
    actor: Actor | None,
    *,
    based_on: int | None = None,
    reason: str | None = None,
) -> FigureSet:
    """Store a clean file's figures (editors and admins), its name as their source; a file
    with problems writes nothing. Refused if the period's Biểu 02 of the cluster was stored
    or changed since the dry run (``based_on``: the version it saw, by default this one's)."""
    registry.require_role(actor, "editor")
    if not found.clean or found.cluster is None or found.period is None:
        listed = found.problems[:3]
        raise ClusterError(
            "Tệp còn lỗi, không có gì được ghi: " + "; ".join(p.text("vi") for p in listed),
            "The file has problems; nothing was written: "
            + "; ".join(p.text("en") for p in listed),
        )
    figures = FigureSet(
        "bieu02",
        found.cluster.id or 0,
        found.period.code,
        dict(found.values),
        source=found.file_name,
    )
    return registry.save_period_figures(
        store,
        figures,
        actor,
        fields=BIEU02_FIELDS,
        based_on=seen_version(found) if based_on is None else based_on,
        reason=reason or f"Nhập Biểu 02 từ tệp {found.file_name}",
    )

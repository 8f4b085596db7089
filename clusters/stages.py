"""The one table of lifecycle stages.

Everything else derives from ``STAGES``: UI options, map colours, the legend, the database
CHECK constraint and the stage table in the README (a test keeps the README in step).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class Stage:
    code: str
    label_vi: str
    label_en: str
    colour: str
    entry_vi: str
    entry_en: str

    def label(self, lang: str = "vi") -> str:
        return self.label_en if lang == "en" else self.label_vi


STAGES: tuple[Stage, ...] = (
    Stage(
        "planned",
        "Trong quy hoạch",
        "In the plan",
        "#9e9e9e",
        "Có trong danh mục quy hoạch / phương án phát triển CCN được duyệt",
        "In the approved city list of planned clusters",
    ),
    Stage(
        "established",
        "Đã thành lập",
        "Established",
        "#1f77b4",
        "Quyết định thành lập CCN của UBND Thành phố",
        "Establishment decision of the city People's Committee",
    ),
    Stage(
        "site_clearance",
        "Đang giải phóng mặt bằng",
        "Site clearance",
        "#9467bd",
        "Phương án bồi thường được duyệt / đang thu hồi đất (GPMB)",
        "Compensation plan approved / land recovery under way",
    ),
    Stage(
        "under_construction",
        "Đã khởi công, đang xây dựng hạ tầng",
        "Under construction",
        "#ff7f0e",
        "Khởi công / động thổ hạ tầng kỹ thuật chung",
        "Groundbreaking of the shared infrastructure",
    ),
    Stage(
        "completing",
        "Đang hoàn thiện hạ tầng",
        "Completing infrastructure",
        "#bcbd22",
        "Hạ tầng cơ bản hoàn thành, đang hoàn thiện và nghiệm thu (kể cả trạm xử lý nước thải)",
        "Infrastructure substantially built, being finished and accepted",
    ),
    Stage(
        "operating",
        "Đang hoạt động",
        "Operating",
        "#2ca02c",
        "Đưa vào hoạt động; cho nhà đầu tư thứ cấp thuê đất",
        "Put into operation; plots leased to tenants",
    ),
    Stage(
        "removed",
        "Đưa ra khỏi quy hoạch",
        "Removed from the plan",
        "#d62728",
        "Quyết định đưa ra khỏi quy hoạch hoặc chuyển đổi (kết thúc)",
        "Decision removing or converting the cluster (terminal)",
    ),
)

STAGE_CODES: tuple[str, ...] = tuple(s.code for s in STAGES)
_BY_CODE = {s.code: s for s in STAGES}
_ORDER = {s.code: i for i, s in enumerate(STAGES)}
TERMINAL = "removed"


class Move(Enum):
    """How a stage change relates to the normal path."""

    NONE = "none"  # same stage
    FORWARD = "forward"  # down the table, skipping allowed; or into `removed`
    CORRECTION = "correction"  # backward, or leaving `removed`: needs a reason


def stage(code: str) -> Stage:
    return _BY_CODE[code]


def is_stage(code: object) -> bool:
    return isinstance(code, str) and code in _BY_CODE


def order(code: str) -> int:
    return _ORDER[code]


def classify_move(old: str, new: str) -> Move:
    if old == new:
        return Move.NONE
    if old == TERMINAL:
        return Move.CORRECTION
    if new == TERMINAL or _ORDER[new] > _ORDER[old]:
        return Move.FORWARD
    return Move.CORRECTION


def forward_moves(old: str) -> tuple[str, ...]:
    """Stages reachable from ``old`` without a correction."""
    return tuple(s for s in STAGE_CODES if classify_move(old, s) is Move.FORWARD)


def correction_moves(old: str) -> tuple[str, ...]:
    return tuple(s for s in STAGE_CODES if classify_move(old, s) is Move.CORRECTION)


def sql_check(column: str = "stage") -> str:
    """The CHECK constraint text for a stage column (identifiers are constants)."""
    values = ", ".join(f"'{c}'" for c in STAGE_CODES)
    return f"{column} IN ({values})"


def markdown_table() -> str:
    """The stage table as it stands in the README."""
    lines = [
        "| code | Tiếng Việt | English | colour | what marks entry |",
        "|---|---|---|---|---|",
    ]
    for s in STAGES:
        lines.append(f"| `{s.code}` | {s.label_vi} | {s.label_en} | `{s.colour}` | {s.entry_en} |")
    return "\n".join(lines)

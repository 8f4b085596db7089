"""Cell values ↔ field values: codes and their Vietnamese labels, numbers written the
Vietnamese way ("18,8"), dates as dd/mm/yyyy, yes/no as "có"/"không"."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from clusters import i18n, stages
from clusters.errors import Problem
from clusters.model import (
    BATCHES,
    CLUSTER_TYPES,
    INVESTOR_TYPES,
    LOCATION_PRECISIONS,
    WWTP_STATUSES,
)
from clusters.text import fold

# Coded fields and the kind their labels have in the app's catalogue (``clusters.i18n``):
# spreadsheets show the same words as the app, and reading one back accepts them.
_LABEL_KIND = {
    "cluster_type": "cluster_type",
    "batch": "batch",
    "location_precision": "precision",
    "investor_type": "investor_type",
    "wwtp_status": "wwtp",
    "confidence": "confidence",
}
CHOICES: dict[str, tuple[str, ...]] = {
    "stage": stages.STAGE_CODES,
    "cluster_type": CLUSTER_TYPES,
    "batch": BATCHES,
    "location_precision": LOCATION_PRECISIONS,
    "investor_type": INVESTOR_TYPES,
    "wwtp_status": WWTP_STATUSES,
    "confidence": ("high", "medium", "low"),
}
# Other ways the coded values are written in lists that reach the Department.
_CHOICE_SYNONYMS: dict[str, dict[str, str]] = {
    "cluster_type": {
        "ccn": "general",
        "chung": "general",
        "cum cong nghiep": "general",
        "ccn lang nghe": "craft_village",
        "lang nghe": "craft_village",
        "cum lang nghe": "craft_village",
    },
    "batch": {"truoc nam 2018": "before_2018"},
    "stage": {
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
    "wwtp_status": {"chua co": "none"},
}

FLOAT_FIELDS = frozenset({"area_ha", "industrial_land_ha", "leased_land_ha"})
INT_FIELDS = frozenset({"id", "parent_id", "version"})
LIST_FIELDS = {"aliases": ";", "sources": "|"}
BOOL_FIELDS = frozenset({"stage_verified"})
DATE_FIELDS = frozenset({"stage_effective_date"})
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "x", "co", "dung", "da xac minh"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "khong", "sai", "chua", "chua xac minh"})
# A text cell starting with one of these is a formula to Excel, LibreOffice or Sheets
# (OWASP "CSV injection"); exports put a quote before it and imports take that quote off.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TEXT_QUOTE = "'"


def _quoted_formula(text: str) -> bool:
    """Whether the text starts with a trigger behind zero or more quotes."""
    return text.lstrip(TEXT_QUOTE).startswith(FORMULA_TRIGGERS)


def neutral_text(text: str) -> str:
    """The text as an export cell that a spreadsheet shows and never runs.

    Text that already starts with quotes before a trigger gets one more, so that
    ``unquote_text`` gives every text back exactly.
    """
    return TEXT_QUOTE + text if _quoted_formula(text) else text


def unquote_text(text: str) -> str:
    """The text an export cell made by ``neutral_text`` stands for."""
    if text.startswith(TEXT_QUOTE) and _quoted_formula(text[1:]):
        return text[1:]
    return text


def _key(value: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", fold(value)).strip()


def label(field: str, code: str | None, lang: str = "vi") -> str | None:
    """The readable label of a coded value (the code itself when it has none)."""
    if code is None:
        return None
    if field == "stage":
        return stages.stage(code).label(lang) if stages.is_stage(code) else code
    kind = _LABEL_KIND.get(field)
    return i18n.value_label(kind, code, lang) if kind else code


def _choice_index(field: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for code in CHOICES[field]:
        out[_key(code)] = code
        for lang in i18n.LANGS:
            out.setdefault(_key(label(field, code, lang) or code), code)
    for k, code in _CHOICE_SYNONYMS.get(field, {}).items():
        out.setdefault(k, code)
    return out


_CHOICE_INDEX = {f: _choice_index(f) for f in CHOICES}


class CellError(ValueError):
    """A cell whose value cannot be read as its field."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.en)
        self.problem = problem


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def parse_number(value: Any) -> float:
    """18.8, "18,8", "18.8 ha", "1.686,5" and "1,686.5" all read as numbers."""
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("not finite")
        return float(value)
    text = re.sub(r"(?i)\s*(ha|%|m2|m²)\s*$", "", str(value).strip()).replace(" ", "")
    text = text.replace("\u00a0", "")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("not finite")
    return number


def parse_int(value: Any) -> int:
    number = parse_number(value)
    if number != int(number):
        raise ValueError("not a whole number")
    return int(number)


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    key = _key(str(value))
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise ValueError("not yes/no")


_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    m = _DMY.match(text)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return date.fromisoformat(text[:10])


def parse_as_of(value: Any) -> str:
    if isinstance(value, datetime | date):
        return parse_date(value).isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value))
    text = str(value).strip()
    if _DMY.match(text):
        return parse_date(text).isoformat()
    return unquote_text(text).strip()


def parse_choice(field: str, value: Any) -> str:
    code = _CHOICE_INDEX[field].get(_key(str(value)))
    if code is None:
        raise ValueError("unknown choice")
    return code


def parse_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 10210.0 from a spreadsheet is the code "10210"
    if isinstance(value, datetime | date):
        return value.isoformat()
    # Composed form, so text typed on a Mac (decomposed) compares equal to the registry's.
    # Outer spaces are never part of a value (the importer compares stripped text), also
    # behind an export's quote: "'\tabc" reads as "abc".
    return unquote_text(unicodedata.normalize("NFC", str(value)).strip()).strip()


def _cell_problem(field: str, value: Any) -> Problem:
    shown = str(value)[:60]
    if field == "stage":
        allowed = ", ".join(f"{s.code} ({s.label_vi})" for s in stages.STAGES)
        return Problem(
            "unknown_stage",
            field,
            f"Giai đoạn «{shown}» không có trong danh mục; dùng một trong: {allowed}.",
            f"Unknown stage '{shown}'; use one of: {', '.join(stages.STAGE_CODES)}.",
        )
    if field in CHOICES:
        allowed = ", ".join(CHOICES[field])
        return Problem(
            "choice",
            field,
            f"Giá trị «{shown}» không hợp lệ; chọn một trong: {allowed}.",
            f"'{shown}' is not valid; choose one of: {allowed}.",
        )
    kinds = {
        **dict.fromkeys(FLOAT_FIELDS, ("một số (ví dụ 18,8)", "a number (e.g. 18.8)")),
        **dict.fromkeys(INT_FIELDS, ("một số nguyên", "a whole number")),
        **dict.fromkeys(BOOL_FIELDS, ("có/không", "yes/no")),
        **dict.fromkeys(DATE_FIELDS, ("một ngày (dd/mm/yyyy)", "a date (dd/mm/yyyy)")),
    }
    vi, en = kinds.get(field, ("một giá trị hợp lệ", "a valid value"))
    return Problem(
        "bad_value",
        field,
        f"«{shown}» không phải {vi}.",
        f"'{shown}' is not {en}.",
    )


def parse_field(field: str, value: Any) -> Any:
    """The field value of a non-blank cell; ``CellError`` when it cannot be read."""
    try:
        if field in FLOAT_FIELDS:
            return round(parse_number(value), 4)
        if field in INT_FIELDS:
            return parse_int(value)
        if field in BOOL_FIELDS:
            return parse_bool(value)
        if field in DATE_FIELDS:
            return parse_date(value)
        if field in CHOICES:
            return parse_choice(field, value)
        if field == "as_of":
            return parse_as_of(value)
        if field in LIST_FIELDS:
            sep = LIST_FIELDS[field]
            return [p.strip() for p in parse_text(value).split(sep) if p.strip()]
        return parse_text(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise CellError(_cell_problem(field, value)) from exc


def parse_row(
    row: Mapping[str, Any], mapping: Mapping[str, str], fields: tuple[str, ...]
) -> tuple[dict[str, Any], list[Problem]]:
    """Field values of one row (blank cells left out) and the cells that could not be read."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for field in fields:
        header = mapping.get(field)
        if header is None:
            continue
        raw = row.get(header)
        if is_blank(raw):
            continue
        try:
            values[field] = parse_field(field, raw)
        except CellError as exc:
            problems.append(exc.problem)
    return values, problems

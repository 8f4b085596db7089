"""Cell values ↔ field values: codes and their Vietnamese labels, numbers written the
Vietnamese way ("18,8"), dates as dd/mm/yyyy, yes/no as "có"/"không"."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from clusters import stages
from clusters.errors import Problem
from clusters.model import FIELD_BY_NAME, Field, Kind, read_partial_date
from clusters.text import fold
from clusters.texts import Text

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
    title = FIELD_BY_NAME[field].choice_title(code) if field in FIELD_BY_NAME else None
    return title.text(lang) if title else code


def _choice_index(f: Field) -> dict[str, str]:
    """Every way a choice may be written, folded: its code, its labels, its synonyms."""
    out: dict[str, str] = {}
    for c in f.choices:
        out[_key(c.code)] = c.code
        for text in (c.title.vi, c.title.en):
            out.setdefault(_key(text), c.code)
    for written, code in f.value_synonyms.items():
        out.setdefault(written, code)
    return out


_CHOICE_INDEX = {f.name: _choice_index(f) for f in FIELD_BY_NAME.values() if f.choices}


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


_MY = re.compile(r"^(\d{1,2})[/.-](\d{4})$")


def parse_partial_date(value: Any) -> str:
    """A year, a month or a day: 2025, "06/2025", "14/06/2025", "2025-06" → YYYY[-MM[-DD]]."""
    if isinstance(value, datetime | date):
        return parse_date(value).isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value != int(value):
            raise ValueError("not a year")
        return read_partial_date(str(int(value)))
    text = unquote_text(str(value).strip()).strip()
    if _DMY.match(text):
        return parse_date(text).isoformat()
    month = _MY.match(text)
    if month:
        return read_partial_date(f"{month.group(2)}-{month.group(1)}")
    return read_partial_date(text)


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


# What a value of each kind must look like, for the message when it does not.
_EXPECTED: dict[Kind, Text] = {
    Kind.HECTARES: Text("một số (ví dụ 18,8)", "a number (e.g. 18.8)"),
    Kind.MONEY: Text("một số tỷ đồng (ví dụ 250,5)", "an amount in billion đồng (e.g. 250.5)"),
    Kind.ID: Text("một số nguyên", "a whole number"),
    Kind.REFERENCE: Text("một số nguyên", "a whole number"),
    Kind.COUNT: Text("một số nguyên", "a whole number"),
    Kind.BOOL: Text("có/không", "yes/no"),
    Kind.DATE: Text("một ngày có thật (dd/mm/yyyy)", "a real date (dd/mm/yyyy)"),
    Kind.PARTIAL_DATE: Text(
        "một năm, tháng hay ngày có thật (NNNN, TT/NNNN, NNNN-TT hoặc dd/mm/yyyy)",
        "a real year, month or day (YYYY, MM/YYYY, YYYY-MM or dd/mm/yyyy)",
    ),
}


def _cell_problem(field: str, value: Any) -> Problem:
    shown = str(value)[:60]
    f = FIELD_BY_NAME[field]
    if field == "stage":
        allowed = ", ".join(f"{s.code} ({s.label_vi})" for s in stages.STAGES)
        return Problem(
            "unknown_stage",
            field,
            f"Giai đoạn «{shown}» không có trong danh mục; dùng một trong: {allowed}.",
            f"Unknown stage '{shown}'; use one of: {', '.join(stages.STAGE_CODES)}.",
        )
    if f.kind is Kind.CHOICE:
        allowed = ", ".join(f.codes)
        return Problem(
            "choice",
            field,
            f"Giá trị «{shown}» không hợp lệ; chọn một trong: {allowed}.",
            f"'{shown}' is not valid; choose one of: {allowed}.",
        )
    expected = _EXPECTED.get(f.kind, Text("một giá trị hợp lệ", "a valid value"))
    return Problem(
        "bad_value",
        field,
        f"«{shown}» không phải {expected.vi}.",
        f"'{shown}' is not {expected.en}.",
    )


def _list(f: Field, text: str) -> list[str]:
    return [p.strip() for p in text.split(f.separator) if p.strip()]


def parse_field(field: str, value: Any) -> Any:
    """The field value of a non-blank cell; ``CellError`` when it cannot be read."""
    f = FIELD_BY_NAME[field]
    try:
        match f.kind:
            case Kind.HECTARES | Kind.MONEY:
                return round(parse_number(value), 4)
            case Kind.ID | Kind.REFERENCE | Kind.COUNT:
                return parse_int(value)
            case Kind.BOOL:
                return parse_bool(value)
            case Kind.DATE:
                return parse_date(value)
            case Kind.CHOICE:
                return parse_choice(field, value)
            case Kind.PARTIAL_DATE:
                return parse_partial_date(value)
            case Kind.LIST:
                return _list(f, parse_text(value))
            case _:
                return parse_text(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise CellError(_cell_problem(field, value)) from exc


def typed_text(text: str) -> str:
    """Text as a planner typed it: composed (NFC) and trimmed; nothing else is taken off."""
    return unicodedata.normalize("NFC", text).strip()


def parse_typed(field: str, text: str | None) -> Any:
    """The value of what a planner typed into a form: the import's parser for numbers,
    dates and codes; a list one item per line; empty for nothing (``[]`` for a list).
    ``CellError`` when it cannot be read, so that nothing typed is ever lost silently."""
    f = FIELD_BY_NAME[field]
    if text is None or not str(text).strip():
        return [] if f.kind is Kind.LIST else None
    if f.kind is Kind.LIST:
        return [typed_text(line) for line in str(text).splitlines() if line.strip()]
    if f.kind in (Kind.TEXT, Kind.LONG_TEXT):
        return typed_text(str(text))
    return parse_field(field, text)


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

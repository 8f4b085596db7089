"""A cluster field in the UI, by its kind (``clusters.model.FIELDS``): the one input builder
the edit page and the new-cluster page share, reading what was typed back through the
import's parser, and the value as a planner reads it.

An input never loses what was typed: text that does not read as its field (``abc`` in a
hectares field, ``2025-13`` for a month) is an error shown at that field, and the form saves
nothing until it is corrected; an empty input is a deliberate "no value". Every input keeps
its value for the session (``persist_state``), also while a refused save hides the form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Literal

import streamlit as st

from clusters import geo, i18n, seed
from clusters.errors import Problem
from clusters.io.values import CellError, parse_typed
from clusters.model import FIELD_BY_NAME, Field, Kind
from clusters.ui import state, widgets

# Date inputs reach back this far (Streamlit's default is ten years).
EARLIEST = date(1990, 1, 1)
PERSIST: Literal["session"] = "session"
# Kinds whose input is a widget holding the value itself, not text to be read.
_HELD = (Kind.CHOICE, Kind.BOOL, Kind.DATE)


# -- the value as a planner reads it -------------------------------------------------------


def location_text(geom: Any) -> str:
    lang = state.lang()
    if geom.geom_type == "Point":
        return i18n.t("cluster.point", lang, lat=f"{geom.y:.6f}", lon=f"{geom.x:.6f}")
    return i18n.t("cluster.polygon", lang, area=i18n.area(round(geo.area_ha(geom), 2), lang))


def display_value(field: str, value: Any) -> str:
    """A field's value as a planner reads it (a record's value or its history form)."""
    lang = state.lang()
    if value is None or value == "" or value == []:
        return i18n.t("common.none", lang)
    spec = FIELD_BY_NAME.get(field)
    kind = spec.kind if spec is not None else None
    if spec is not None and kind is Kind.CHOICE:
        title = spec.choice_title(str(value))
        return title.text(lang) if title else str(value)
    if kind is Kind.BOOL or isinstance(value, bool):
        return i18n.t("common.yes" if value else "common.no", lang)
    if kind is Kind.DATE:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        return i18n.format_date(day, lang)
    if kind is Kind.PARTIAL_DATE:
        return i18n.format_partial_date(str(value), lang)
    if kind is Kind.HECTARES and isinstance(value, int | float):
        return i18n.area(value, lang)
    if kind is Kind.PERCENT and isinstance(value, int | float):
        return i18n.percent(value, lang)
    if kind is Kind.GEOMETRY and not isinstance(value, str):
        return location_text(value)
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, float):
        return i18n.number(value, lang)
    return seed.in_language(field, str(value), lang)  # the seed's notes in either language


def field_label(name: str | None) -> str:
    """A field's label for a message: the record's labels first, then the form's own."""
    if name is None:
        return ""
    spec = FIELD_BY_NAME.get(name)
    if spec is not None:
        return spec.label(state.lang())
    key = f"edit.field.{name}"
    return state.t(key) if key in i18n.CATALOGUE else name


def input_label(spec: Field) -> str:
    """The label of a field's input, with the unit typed in: "Diện tích quyết định (ha)"."""
    unit = spec.unit if spec.kind in (Kind.HECTARES, Kind.PERCENT, Kind.MONEY) else ""
    return f"{spec.label(state.lang())} ({unit})" if unit else spec.label(state.lang())


# -- between a record and the inputs -------------------------------------------------------


def _number_text(value: float, lang: str) -> str:
    """A number as a planner types it, without grouping: 1686,5 (vi) or 1686.5 (en)."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "vi" else text


def to_input(name: str, value: Any) -> Any:
    """A record's value as its input holds it."""
    kind = FIELD_BY_NAME[name].kind
    if kind in _HELD:
        return value
    if value is None:
        return ""
    if kind is Kind.LIST:
        return "\n".join(value)
    if kind in (Kind.HECTARES, Kind.MONEY):
        return _number_text(float(value), state.lang())
    return str(value)


def read_input(name: str, raw: Any) -> Any:
    """The field value an input holds; ``CellError`` for text that does not read as one."""
    if FIELD_BY_NAME[name].kind in _HELD:
        return raw if raw != "" else None
    return parse_typed(name, None if raw is None else str(raw))


def read_inputs(prefix: str, names: Iterable[str]) -> tuple[dict[str, Any], list[Problem]]:
    """The values of the inputs ``{prefix}_{name}`` and the problems of those that do not read."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for name in names:
        try:
            values[name] = read_input(name, st.session_state.get(f"{prefix}_{name}"))
        except CellError as exc:
            problems.append(exc.problem)
    return values, problems


def hold(keys: Iterable[str]) -> None:
    """Keep what inputs hold while they are drawn read only: Streamlit drops a value sent
    for a disabled widget unless the page itself set it, so the page sets it."""
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def set_inputs(prefix: str, values: Mapping[str, Any]) -> None:
    """Put field values in their inputs (in a callback, or before the inputs are drawn)."""
    for name, value in values.items():
        st.session_state[f"{prefix}_{name}"] = to_input(name, value)


# -- the input builder ---------------------------------------------------------------------


def _help(spec: Field) -> str:
    t = state.t
    parts = [spec.description.text(state.lang())]
    parts[0] = parts[0][:1].upper() + parts[0][1:]
    if spec.kind is Kind.LIST:
        parts.append(t("edit.one_per_line"))
    elif spec.kind in (Kind.HECTARES, Kind.MONEY):
        parts.append(t("edit.number_help"))
    elif spec.kind is Kind.PARTIAL_DATE:
        parts.append(t("edit.as_of_help"))
    return " ".join(p if p.endswith(".") else p + "." for p in parts if p)


def field_input(
    spec: Field,
    key: str,
    *,
    error: Problem | None = None,
    disabled: bool = False,
    options: Sequence[str] | None = None,
    on_change: Callable[..., None] | None = None,
    args: tuple[Any, ...] = (),
) -> None:
    """The input of one field, by its kind, with its problem (if any) right under it.

    ``options`` narrows a choice field's codes (a new record is not created as removed)."""
    t = state.t
    lang = state.lang()
    label = input_label(spec)
    common: dict[str, Any] = {
        "key": key,
        "help": _help(spec),
        "disabled": disabled,
        "on_change": on_change,
        "args": args,
        "persist_state": PERSIST,
    }
    if spec.kind is Kind.CHOICE:
        codes: list[str | None] = list(options if options is not None else spec.codes)
        if not spec.required:
            codes.insert(0, None)
        current = st.session_state.get(key)
        if current not in codes:  # a code the list no longer has stays visible
            codes.append(current)

        def shown(code: str | None) -> str:
            title = spec.choice_title(code) if code is not None else None
            return title.text(lang) if title else (code or t("common.none"))

        st.selectbox(label, codes, format_func=shown, placeholder=t("edit.choose"), **common)
    elif spec.kind is Kind.DATE:
        st.date_input(label, value=None, format="DD/MM/YYYY", min_value=EARLIEST, **common)
    elif spec.kind is Kind.BOOL:
        st.checkbox(label, **common)
    elif spec.kind in (Kind.LIST, Kind.LONG_TEXT):
        st.text_area(label, height=90, **common)
    else:
        placeholder = {Kind.HECTARES: "18,8", Kind.PARTIAL_DATE: "2025-06"}.get(spec.kind)
        st.text_input(label, placeholder=placeholder, **common)
    if error is not None:
        st.error(widgets.md(error.text(lang)), icon=":material/error:")


def reason_error(problems: Iterable[Problem], name: str = "reason") -> Problem | None:
    return next((p for p in problems if p.field == name), None)


# -- what a save will change ---------------------------------------------------------------


def erased(old: Any, new: Any) -> bool:
    return old not in (None, "", []) and new in (None, "", [])


def change_summary(original: Mapping[str, Any], changes: Mapping[str, Any]) -> None:
    """Before saving: every field the save changes, its old and its new value; a cleared
    value is said to be cleared, and that it needs a reason."""
    t = state.t
    if not changes:
        st.caption(t("edit.no_changes"))
        return
    lines = [t("edit.before_saving")]
    for name, new in changes.items():
        old = original.get(name)
        line = (
            f"- **{widgets.md(field_label(name))}**: {widgets.md(display_value(name, old))} → "
            f"{widgets.md(display_value(name, new))}"
        )
        if erased(old, new):
            line += f" *({t('edit.cleared')})*"
        lines.append(line)
    st.info("\n".join(lines), icon=":material/edit_note:")

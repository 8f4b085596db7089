"""Số liệu kỳ báo cáo / Period figures: a cluster's Biểu 02 and its tenant projects' Biểu 01
for one reporting period, entered in forms by editors and shown to everyone with their
history. The figures and their kinds come from ``clusters.reports.period_fields``; every save
goes through ``registry.save_period_figures``. A returned Biểu 02 file is imported on the
Reports page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from clusters import clock, i18n, registry
from clusters.errors import NotFoundError, Problem, ValidationError
from clusters.io.values import is_blank, parse_number
from clusters.model import Cluster, TenantProject
from clusters.reports import bieu02
from clusters.reports.period_fields import BIEU01_FIELDS, BIEU02_FIELDS, PeriodField, label
from clusters.reports.periods import Period, entry_periods
from clusters.store.periods import Figure, FigureEvent, FigureSet
from clusters.ui import auth, editing, state, widgets
from clusters.ui.pages.cluster_page import choose_cluster

B02, B01 = "pf02", "pf01"


def _shown(value: Figure) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return i18n.number(value, state.lang(), decimals=3)
    return str(value)


def _table(fields: Sequence[PeriodField], values: Mapping[str, Figure]) -> None:
    t = state.t
    lang = state.lang()
    st.dataframe(
        pd.DataFrame(
            {
                t("reports.col_number"): [f.row for f in fields],
                t("reports.col_heading"): [f.title.text(lang) for f in fields],
                t("reports.col_unit"): [f.unit for f in fields],
                t("periods.col_value"): [_shown(values.get(f.name)) for f in fields],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def _typed(prefix: str, fields: Sequence[PeriodField]) -> dict[str, Any]:
    """The figures as typed ("1,5", "150"); blank is nothing; text is refused by field."""
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    for f in fields:
        raw = st.session_state.get(f"{prefix}_{f.name}")
        if is_blank(raw):
            out[f.name] = None
            continue
        try:
            out[f.name] = parse_number(raw)
        except ValueError:
            problems.append(
                Problem(
                    "number",
                    f.name,
                    f"{label(f.form, f.name).vi}: «{raw}» không phải là số.",
                    f"{label(f.form, f.name).en}: '{raw}' is not a number.",
                )
            )
    if problems:
        raise ValidationError(problems)
    return out


def _load(
    prefix: str, fields: Sequence[PeriodField], values: Mapping[str, Figure], mark: Any
) -> None:
    """The inputs set to ``values`` when the report shown changes (another cluster, period,
    project or version), else left as typed."""
    if st.session_state.get(f"{prefix}_loaded") == mark:
        return
    shown = {
        f.name: "" if values.get(f.name) is None else _shown(values.get(f.name)) for f in fields
    }
    editing.reset_widgets(prefix, {**shown, "source": ""})
    st.session_state[f"{prefix}_loaded"] = mark


def _inputs(prefix: str, fields: Sequence[PeriodField]) -> None:
    lang = state.lang()
    left, right = st.columns(2)
    for i, f in enumerate(fields):
        (left if i % 2 == 0 else right).text_input(
            f"{f.row}. {f.title.text(lang)} ({f.unit})", key=f"{prefix}_{f.name}"
        )
    st.text_input(
        state.t("periods.source"),
        key=f"{prefix}_source",
        placeholder=state.t("periods.source_placeholder"),
    )


def _source(prefix: str) -> str:
    typed = str(st.session_state.get(f"{prefix}_source") or "").strip()
    return typed or state.t("periods.form_source")


def _save_button(prefix: str, label_key: str, save: Any) -> None:
    outcome = f"{prefix}_outcome"
    st.button(
        state.t(label_key),
        key=f"{prefix}_save",
        type="primary",
        on_click=editing.attempt,
        args=(outcome, f"{prefix}_accept", save, lambda: None),
    )
    editing.show_outcome(outcome)


def _bieu02(c: Cluster, period: Period, stored: FigureSet | None) -> None:
    t = state.t
    st.subheader(t("periods.bieu02"), anchor=False)
    if stored is None:
        st.caption(t("periods.none02"))
    values: Mapping[str, Figure] = stored.values if stored else {}
    _table(BIEU02_FIELDS, values)
    if not auth.can("editor"):
        return
    based_on = stored.version if stored else 0
    held = values or bieu02.current_values(c, state.store().projects(c.id or 0))
    _load(B02, BIEU02_FIELDS, held, (c.id, period.code, based_on))
    _inputs(B02, BIEU02_FIELDS)

    def save(_accept: bool) -> str:
        figures = FigureSet(
            "bieu02", c.id or 0, period.code, _typed(B02, BIEU02_FIELDS), source=_source(B02)
        )
        saved = registry.save_period_figures(
            state.store(), figures, auth.current_actor(), fields=BIEU02_FIELDS, based_on=based_on
        )
        return t("periods.saved", form="Biểu 02", period=period.code, version=saved.version)

    _save_button(B02, "periods.save02", save)


def _bieu01(
    projects: Sequence[TenantProject], period: Period, stored: Mapping[int, FigureSet]
) -> None:
    t = state.t
    lang = state.lang()
    st.subheader(t("periods.bieu01"), anchor=False)
    if not projects:
        st.caption(t("periods.no_projects"))
        return
    rows = {t("periods.col_project"): [p.name for p in projects]}
    for f in BIEU01_FIELDS:
        reported = [stored.get(p.id or 0) for p in projects]
        rows[f"{f.row}. {f.title.text(lang)} ({f.unit})"] = [
            _shown(s.values.get(f.name)) if s else "—" for s in reported
        ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if not auth.can("editor"):
        return
    chosen = widgets.choose_project(t("periods.choose_project"), projects, f"{B01}_project")
    if chosen is None:
        return
    current = stored.get(chosen)
    based_on = current.version if current else 0
    _load(B01, BIEU01_FIELDS, current.values if current else {}, (chosen, period.code, based_on))
    _inputs(B01, BIEU01_FIELDS)
    cluster_id = next(p.cluster_id for p in projects if p.id == chosen)

    def save(_accept: bool) -> str:
        figures = FigureSet(
            "bieu01",
            cluster_id,
            period.code,
            _typed(B01, BIEU01_FIELDS),
            project_id=chosen,
            source=_source(B01),
        )
        saved = registry.save_period_figures(
            state.store(), figures, auth.current_actor(), fields=BIEU01_FIELDS, based_on=based_on
        )
        return t("periods.saved", form="Biểu 01", period=period.code, version=saved.version)

    _save_button(B01, "periods.save01", save)


def _changes(e: FigureEvent) -> str:
    lang = state.lang()
    return "; ".join(
        f"{label(e.form, ch.field).text(lang)}: {_shown(ch.old)} → {_shown(ch.new)}"
        for ch in e.changes
    )


def _form_name(e: FigureEvent, names: Mapping[int | None, str]) -> str:
    return "Biểu 02" if e.form == "bieu02" else f"Biểu 01 — {names.get(e.project_id, '')}"


def _history(events: Sequence[FigureEvent], names: Mapping[int | None, str]) -> None:
    t = state.t
    widgets.history_table(
        t("periods.history"),
        t("periods.no_history"),
        events,
        {
            t("periods.col_form"): lambda e: _form_name(e, names),
            t("periods.col_source"): lambda e: e.source or "—",
        },
        _changes,
    )


def render() -> None:
    t = state.t
    lang = state.lang()
    st.title(t("periods.title"), anchor=False)
    st.caption(t("periods.intro"))
    period = st.selectbox(
        t("periods.period"),
        entry_periods(clock.today()),
        format_func=lambda p: p.title(lang),
        key="pf_period",
    )
    cluster_id = choose_cluster(state.clusters())
    if period is None or cluster_id is None:
        return
    store = state.store()
    try:
        c = store.get(cluster_id)
    except NotFoundError:
        st.warning(t("cluster.not_found", id=cluster_id))
        return
    st.header(widgets.md(c.name), anchor=False)
    held = store.period_figures(period=period.code, cluster_id=cluster_id)
    b02 = next((s for s in held if s.form == "bieu02"), None)
    b01 = {s.project_id: s for s in held if s.form == "bieu01" and s.project_id is not None}
    projects = store.projects(cluster_id)
    _bieu02(c, period, b02)
    _bieu01(projects, period, b01)
    names: dict[int | None, str] = {p.id: p.name for p in projects}
    _history(store.period_figure_history(cluster_id=cluster_id, period=period.code), names)


if __name__ == "__main__":
    render()

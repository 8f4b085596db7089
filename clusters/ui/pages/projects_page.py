"""Dự án trong cụm / Tenant projects: a cluster's production and business projects, with
add and edit forms for editors and the projects' history.

The cluster comes from the ``id`` query parameter, so the cluster record links here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from clusters import i18n, registry
from clusters.errors import NotFoundError, Problem, ValidationError
from clusters.io.values import is_blank, parse_number
from clusters.model import (
    PROJECT_FIELDS,
    PROJECT_STATUS_CODES,
    PROJECT_STATUSES,
    ProjectEvent,
    TenantProject,
)
from clusters.ui import auth, editing, routes, state, widgets
from clusters.ui.pages.cluster_page import choose_cluster, projects_summary

NEW = "proj_new"
EDIT = "proj_edit"
_TITLES = {c.code: c.title for c in PROJECT_STATUSES}
_EMPTY: dict[str, Any] = {
    "name": "",
    "investor": "",
    "foreign_invested": False,
    "land_leased_ha": "",
    "status": "registered",
    "source": "",
    "reason": "",
}


def status_label(code: str | None) -> str:
    title = _TITLES.get(code or "")
    return title.text(state.lang()) if title else (code or state.t("common.none"))


def _table(projects: Sequence[TenantProject]) -> None:
    t = state.t
    lang = state.lang()
    if not projects:
        st.caption(t("projects.none"))
        return
    frame = pd.DataFrame(
        {
            t("projects.col_name"): [p.name for p in projects],
            t("projects.col_investor"): [p.investor or "—" for p in projects],
            t("projects.col_foreign"): [
                t("common.yes") if p.foreign_invested else t("common.no") for p in projects
            ],
            t("projects.col_land"): [i18n.area(p.land_leased_ha, lang) for p in projects],
            t("projects.col_status"): [status_label(p.status) for p in projects],
            t("projects.col_source"): [p.source or "—" for p in projects],
            t("projects.col_updated"): [
                f"{p.updated_by} · {i18n.format_datetime(p.updated_at, lang)}" for p in projects
            ],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def _land(text: Any) -> float | None:
    """The land leased as typed: "1,5", "1.5 ha"; empty is unknown."""
    if is_blank(text):
        return None
    try:
        return parse_number(text)
    except ValueError:
        raise ValidationError(
            [
                Problem(
                    "number",
                    "land_leased_ha",
                    f"«{text}» không phải là số ha.",
                    f"'{text}' is not a number of ha.",
                )
            ]
        ) from None


def _typed(prefix: str) -> dict[str, Any]:
    """The project fields as the inputs hold them."""
    get = st.session_state.get
    return {
        "name": str(get(f"{prefix}_name") or ""),
        "investor": str(get(f"{prefix}_investor") or ""),
        "foreign_invested": bool(get(f"{prefix}_foreign_invested")),
        "land_leased_ha": _land(get(f"{prefix}_land_leased_ha")),
        "status": get(f"{prefix}_status") or "registered",
        "source": str(get(f"{prefix}_source") or ""),
    }


def _reason(prefix: str) -> str | None:
    return str(st.session_state.get(f"{prefix}_reason") or "").strip() or None


def _inputs(prefix: str) -> None:
    """The project's inputs (placeholders show what to type); a refused save's problem is
    shown under its input, and what was typed stays."""
    t = state.t
    key = f"{prefix}_outcome"
    st.text_input(
        t("projects.col_name"),
        key=f"{prefix}_name",
        placeholder=t("projects.name_placeholder"),
    )
    editing.at_field(key, "name")
    st.text_input(
        t("projects.col_investor"),
        key=f"{prefix}_investor",
        placeholder=t("projects.investor_placeholder"),
    )
    left, middle, right = st.columns(3)
    with left:
        st.text_input(t("projects.land_input"), key=f"{prefix}_land_leased_ha", placeholder="1,5")
        editing.at_field(key, "land_leased_ha")
    with middle:
        st.selectbox(
            t("projects.col_status"),
            PROJECT_STATUS_CODES,
            key=f"{prefix}_status",
            format_func=status_label,
            placeholder=t("edit.choose"),
        )
        editing.at_field(key, "status")
    with right:
        st.checkbox(t("projects.col_foreign"), key=f"{prefix}_foreign_invested")
    st.text_input(
        t("projects.col_source"),
        key=f"{prefix}_source",
        placeholder=t("projects.source_placeholder"),
    )
    st.text_input(
        t("projects.reason"),
        key=f"{prefix}_reason",
        placeholder=t("projects.reason_placeholder"),
    )


def _form(
    prefix: str, label: str, save: Callable[[bool], str], on_saved: Callable[[], None]
) -> None:
    """The inputs, the save button and the last save's outcome (warnings to accept)."""
    _inputs(prefix)
    outcome, accept = f"{prefix}_outcome", f"{prefix}_accept"
    st.button(
        label,
        key=f"{prefix}_save",
        type="primary",
        on_click=editing.attempt,
        args=(outcome, accept, save, on_saved),
    )
    editing.show_outcome(outcome, accept, shown=PROJECT_FIELDS)


def _add_form(cluster_id: int) -> None:
    t = state.t
    st.subheader(t("projects.add"), anchor=False)
    st.session_state.setdefault(f"{NEW}_status", "registered")

    def save(accept: bool) -> str:
        actor = auth.current_actor()
        saved = registry.add_project(
            state.store(),
            TenantProject(cluster_id, **_typed(NEW)),
            actor,
            reason=_reason(NEW),
            accept_warnings=accept,
        )
        return t("projects.added", name=widgets.md(saved.project.name))

    _form(NEW, t("projects.save_new"), save, lambda: _reset(NEW))


def _reset(prefix: str) -> None:
    editing.reset_widgets(prefix, _EMPTY)


def _load(p: TenantProject) -> None:
    """The inputs set to the project as stored (in a callback or before they are drawn)."""
    values = {f: getattr(p, f) for f in PROJECT_FIELDS}
    values = {k: ("" if v is None else v) for k, v in values.items()}
    land = p.land_leased_ha
    values["land_leased_ha"] = "" if land is None else i18n.number(land, state.lang())
    editing.reset_widgets(EDIT, {**values, "reason": ""})
    st.session_state[f"{EDIT}_loaded"] = (p.id, p.version)


def _edit_form(projects: Sequence[TenantProject]) -> None:
    t = state.t
    st.subheader(t("projects.edit"), anchor=False)
    chosen = widgets.choose_project(t("projects.choose"), projects, f"{EDIT}_id")
    if chosen is None:
        return
    current = next(p for p in projects if p.id == chosen)
    if st.session_state.get(f"{EDIT}_loaded") != (current.id, current.version):
        _load(current)
    based_on = current.version

    def save(accept: bool) -> str:
        actor = auth.current_actor()
        typed = _typed(EDIT)
        changes = {f: v for f, v in typed.items() if v != _stored(getattr(current, f))}
        saved = registry.update_project(
            state.store(),
            chosen,
            changes,
            actor,
            based_on=based_on,
            reason=_reason(EDIT),
            accept_warnings=accept,
        )
        return t("projects.saved", name=widgets.md(saved.project.name))

    _form(EDIT, t("projects.save_edit"), save, lambda: None)


def _stored(value: Any) -> Any:
    return "" if value is None else value


def _shown(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field == "status":
        return status_label(str(value))
    if field == "foreign_invested":
        return state.t("common.yes") if value else state.t("common.no")
    if field == "land_leased_ha":
        return i18n.area(float(value), state.lang())
    return str(value)


def change_text(event: ProjectEvent) -> str:
    return "; ".join(
        f"{state.t(f'projects.field.{ch.field}')}: {_shown(ch.field, ch.old)} → "
        f"{_shown(ch.field, ch.new)}"
        for ch in event.changes
    )


def _history(events: Sequence[ProjectEvent], names: dict[int | None, str]) -> None:
    t = state.t
    widgets.history_table(
        t("projects.history"),
        t("projects.no_history"),
        events,
        {
            t("projects.col_name"): lambda e: names.get(e.project_id, str(e.project_id)),
            t("projects.col_kind"): lambda e: t(f"projects.kind.{e.kind}"),
        },
        change_text,
    )


def render() -> None:
    t = state.t
    st.title(t("projects.title"), anchor=False)
    st.caption(t("projects.intro"))
    store = state.store()
    cluster_id = choose_cluster(state.clusters())
    if cluster_id is None:
        return
    try:
        c = store.get(cluster_id)
    except NotFoundError:
        st.warning(t("cluster.not_found", id=cluster_id))
        return
    st.header(widgets.md(c.name), anchor=False)
    routes.link("cluster", t("projects.back"), id=str(cluster_id))
    projects = store.projects(cluster_id)
    st.markdown(projects_summary(projects, c.industrial_land_ha))
    _table(projects)
    if auth.can("editor"):
        left, right = st.columns(2)
        with left:
            _add_form(cluster_id)
        with right:
            if projects:
                _edit_form(projects)
    names: dict[int | None, str] = {p.id: p.name for p in projects}
    _history(store.project_history(cluster_id=cluster_id), names)


if __name__ == "__main__":
    render()

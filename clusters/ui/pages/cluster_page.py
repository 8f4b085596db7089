"""Chi tiết cụm / Cluster: every field, the decisions, the stage timeline, the full history.

The cluster comes from the ``id`` query parameter, so a link opens it directly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

import pandas as pd
import streamlit as st

from clusters import i18n, seed
from clusters.errors import NotFoundError
from clusters.escaping import escape
from clusters.model import FIELDS, ChangeEvent, Cluster, Decision, TenantProject, value_of
from clusters.ui import auth, routes, state, widgets
from clusters.ui.fields import display_value, field_label, location_text

__all__ = ["display_value", "location_text"]

_URL = re.compile(r"https?://[^\s()<>\"']+")
# What the record table leaves out: shown elsewhere on the page, or restated by another row.
_NOT_IN_RECORD = {"sources", "created_at", "created_by", "updated_at", "updated_by"}


def choose_cluster(clusters: list[Cluster]) -> int | None:
    """The cluster of the ``id`` query parameter; a chooser changes it."""
    current = routes.query().cluster_id
    ids = [c.id for c in clusters if c.id is not None]
    names = {c.id: f"{c.name} (#{c.id})" for c in clusters}
    picked = st.selectbox(
        state.t("cluster.choose"),
        ids,
        index=ids.index(current) if current in ids else None,
        format_func=lambda i: names.get(i, str(i)),
        placeholder=state.t("cluster.choose"),
    )
    if picked is not None and picked != current:
        st.query_params["id"] = str(picked)
        return picked
    return current


def record(c: Cluster) -> None:
    t = state.t
    lang = state.lang()
    st.subheader(t("cluster.fields"), anchor=False)
    lines = [f"| {t('cluster.col_field')} | {t('cluster.col_value')} |", "|---|---|"]
    for spec in FIELDS:
        if spec.name in _NOT_IN_RECORD or spec.derived_from is not None:
            continue
        value = value_of(c, spec)
        text = display_value(spec.name, value).replace("\n", " ")
        lines.append(f"| {widgets.md(spec.label(lang))} | {widgets.md(text)} |")
    st.markdown("\n".join(lines))
    if c.created_at:
        st.caption(
            t(
                "cluster.created",
                who=widgets.md(c.created_by or "—"),
                when=i18n.format_datetime(c.created_at, lang),
            )
            + " · "
            + t(
                "cluster.updated",
                who=widgets.md(c.updated_by or "—"),
                when=i18n.format_datetime(c.updated_at, lang),
            )
        )


def linked(text: str) -> str:
    """HTML of a source: its http(s) addresses as links, everything escaped."""
    out, last = [], 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;")
        end = match.start() + len(url)
        out.append(escape(text[last : match.start()]))
        shown = escape(unquote(url))  # percent-encoded Vietnamese, readable
        out.append(f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{shown}</a>')
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def sources(c: Cluster) -> None:
    st.subheader(state.t("cluster.sources"), anchor=False)
    if not c.sources:
        st.caption(state.t("cluster.no_sources"))
        return
    items = "".join(f"<li style='word-break:break-all'>{linked(s)}</li>" for s in c.sources)
    st.html(f"<ul>{items}</ul>")


def decisions(found: list[Decision]) -> None:
    t = state.t
    lang = state.lang()
    st.subheader(t("cluster.decisions"), anchor=False)
    if not found:
        st.caption(t("cluster.no_decisions"))
        return
    frame = pd.DataFrame(
        {
            t("cluster.col_doc_type"): [
                i18n.value_label("doc_type", d.doc_type, lang) for d in found
            ],
            t("cluster.col_number"): [
                seed.in_language(seed.DECISION_NUMBER, d.number, lang) if d.number else "—"
                for d in found
            ],
            t("cluster.col_date"): [i18n.format_date(d.date, lang) for d in found],
            t("cluster.col_issuer"): [d.issuer or "—" for d in found],
            t("cluster.col_note"): [
                seed.in_language(seed.DECISION_NOTE, d.note, lang) if d.note else "" for d in found
            ],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def _change(event: ChangeEvent, field: str) -> Any:
    return next((ch for ch in event.changes if ch.field == field), None)


def timeline(c: Cluster, events: list[ChangeEvent]) -> None:
    """Every stage the record went through, oldest first, from the history."""
    t = state.t
    lang = state.lang()
    st.subheader(t("cluster.timeline"), anchor=False)
    rows = []
    for event in sorted(events, key=lambda e: (e.at, e.id or 0)):
        change = _change(event, "stage")
        if change is None:
            continue
        effective = _change(event, "stage_effective_date")
        rows.append(
            {
                t("cluster.col_when"): i18n.format_datetime(event.at, lang),
                t("cluster.col_stage_from"): display_value("stage", change.old),
                t("cluster.col_stage_to"): display_value("stage", change.new),
                t("cluster.col_effective"): display_value(
                    "stage_effective_date", effective.new if effective else None
                ),
                t("cluster.col_who"): event.actor,
                t("cluster.col_why"): event.reason or "",
            }
        )
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def history(events: list[ChangeEvent]) -> None:
    t = state.t
    lang = state.lang()
    st.subheader(t("cluster.history"), anchor=False)
    if not events:
        st.caption(t("cluster.no_history"))
        return
    for i, event in enumerate(events):
        title = t(
            "cluster.history_event",
            when=i18n.format_datetime(event.at, lang),
            who=event.actor,
            kind=i18n.value_label("event", event.kind, lang),
            version=event.version,
        )
        with st.expander(widgets.md(title), expanded=i == 0):
            if event.reason:
                st.markdown(widgets.md(t("cluster.history_reason", reason=event.reason)))
            if event.source:
                st.caption(widgets.md(t("cluster.history_source", source=event.source)))
            if event.changes:
                frame = pd.DataFrame(
                    {
                        t("cluster.col_field"): [field_label(ch.field) for ch in event.changes],
                        t("cluster.col_old"): [
                            display_value(ch.field, ch.old) for ch in event.changes
                        ],
                        t("cluster.col_new"): [
                            display_value(ch.field, ch.new) for ch in event.changes
                        ],
                    }
                )
                st.dataframe(frame, hide_index=True, width="stretch")


def projects_summary(
    projects: Sequence[TenantProject], industrial_land_ha: float | None = None
) -> str:
    """How many tenant projects a cluster has, how many operate, the land they lease and,
    when the cluster's industrial land is known, the occupancy that land implies."""
    lang = state.lang()
    leased = sum(p.land_leased_ha or 0.0 for p in projects if p.status != "stopped")
    text = state.t(
        "projects.summary",
        count=len(projects),
        operating=sum(p.status == "operating" for p in projects),
        leased=i18n.area(leased, lang),
    )
    if industrial_land_ha and leased:
        rate = i18n.percent(100.0 * leased / industrial_land_ha, lang)
        text += state.t("projects.occupancy", rate=rate)
    return text


def render() -> None:
    st.title(state.t("cluster.title"), anchor=False)
    store = state.store()
    clusters = state.clusters()
    cluster_id = choose_cluster(clusters)
    if cluster_id is None:
        return
    try:
        c = store.get(cluster_id)
    except NotFoundError:
        st.warning(state.t("cluster.not_found", id=cluster_id))
        return
    st.header(widgets.md(c.name), anchor=False)
    st.html(widgets.stage_chip(c.stage))
    widgets.cluster_badges(c)
    if auth.can("editor"):
        routes.link("edit", state.t("edit.link"), id=str(cluster_id))
    tenants = store.projects(cluster_id)
    routes.link("projects", state.t("projects.link", count=len(tenants)), id=str(cluster_id))
    st.markdown(projects_summary(tenants, c.industrial_land_ha))
    events = store.history(cluster_id)
    left, right = st.columns([3, 2])
    with left:
        record(c)
    with right:
        sources(c)
    timeline(c, events)
    decisions(store.decisions(cluster_id))
    history(events)


if __name__ == "__main__":
    render()

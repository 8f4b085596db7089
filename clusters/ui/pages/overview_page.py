"""Tổng quan / Overview: the registry's numbers beside the reported ones, and what is missing."""

from __future__ import annotations

from collections import Counter
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from clusters import figures, i18n, snapshot, stages
from clusters.filters import districts_of
from clusters.model import BATCHES, FIELD_BY_NAME, Cluster, ReportedFigure
from clusters.store import database_url
from clusters.ui import as_of_widget, attention_panel, routes, state, widgets


@st.cache_data(show_spinner=False, max_entries=8)
def _entered(url: str, rev: state.Revision, day: date) -> dict[int, list[figures.StageEntry]]:
    """Each cluster's stage moves from the history, up to the end of ``day`` in Hanoi."""
    return figures.stages_entered(state.store().history(until=snapshot.cutoff_moment(day)))


def registry_vs_reported(clusters: list[Cluster], reported: list[ReportedFigure]) -> None:
    t = state.t
    lang = state.lang()
    st.subheader(t("overview.vs_reported"), anchor=False)
    comparisons = figures.compare(clusters, reported)
    for cmp in comparisons:
        rep = cmp.reported
        label = cmp.category.label(lang)
        if rep is None or rep.count is None:
            st.markdown(
                f"**{widgets.md(label)}** — {t('overview.col_registry').lower()}: "
                f"{cmp.registry}. {t('overview.gap_unknown')}"
            )
            continue
        line = t(
            "overview.registry_vs_reported",
            registry=i18n.number(cmp.registry, lang),
            reported=i18n.number(rep.count, lang),
            date=i18n.format_date(rep.as_of, lang),
        )
        gap = cmp.gap or 0
        if gap > 0:
            words = t("overview.gap_fewer", gap=i18n.number(gap, lang))
        elif gap < 0:
            words = t("overview.gap_more", gap=i18n.number(-gap, lang))
        else:
            words = t("overview.gap_none")
        st.markdown(f"**{widgets.md(label)}** — {widgets.md(line)}. {widgets.md(words)}")
    sources = sorted({c.reported.source for c in comparisons if c.reported})
    for source in sources:
        st.caption(t("overview.source", source=widgets.md(source)))
    chart_rows = [
        {"figure": c.category.label(lang), "who": t("overview.col_registry"), "count": c.registry}
        for c in comparisons
    ] + [
        {
            "figure": c.category.label(lang),
            "who": t("overview.col_reported"),
            "count": c.reported.count,
        }
        for c in comparisons
        if c.reported and c.reported.count is not None
    ]
    chart = (
        alt.Chart(pd.DataFrame(chart_rows))
        .mark_bar()
        .encode(
            y=alt.Y("figure:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("count:Q", title=t("overview.col_count")),
            yOffset="who:N",
            color=alt.Color("who:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("figure", title=t("overview.col_category")),
                alt.Tooltip("who", title=" "),
                alt.Tooltip("count", title=t("overview.col_count")),
            ],
        )
    )
    st.altair_chart(chart, width="stretch")


def by_stage(clusters: list[Cluster]) -> None:
    lang = state.lang()
    st.subheader(state.t("overview.by_stage"), anchor=False)
    counts = Counter(c.stage for c in clusters)
    frame = pd.DataFrame(
        [
            {"stage": s.label(lang), "count": counts.get(s.code, 0), "order": i}
            for i, s in enumerate(stages.STAGES)
        ]
    )
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("count:Q", title=state.t("overview.col_count")),
            y=alt.Y(
                "stage:N", title=None, sort=alt.SortField("order"), axis=alt.Axis(labelLimit=260)
            ),
            color=alt.Color(
                "stage:N",
                scale=alt.Scale(
                    domain=[s.label(lang) for s in stages.STAGES],
                    range=[s.colour for s in stages.STAGES],
                ),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("stage", title=FIELD_BY_NAME["stage"].label(lang)),
                alt.Tooltip("count", title=state.t("overview.col_count")),
            ],
        )
    )
    st.altair_chart(chart, width="stretch")


def tasks(clusters: list[Cluster], reported: list[ReportedFigure], day: date) -> None:
    t = state.t
    lang = state.lang()
    st.subheader(t("overview.tasks"), anchor=False)
    entered = _entered(database_url(), state.revision(), day)
    for progress in figures.task_progress(clusters, reported, entered):
        task = progress.task
        target = progress.target
        st.markdown(f"**{widgets.md(task.label(lang))}**")
        if target is not None and target.count:
            st.progress(
                progress.share or 0.0,
                text=t(
                    "overview.task_progress",
                    done=progress.done,
                    target=target.count,
                    since=i18n.format_date(figures.TASKS_SINCE, lang),
                ),
            )
        open_labels = ", ".join(
            stages.stage(code).label(lang)
            for code in stages.STAGE_CODES
            if code in task.open_stages
        )
        st.caption(t("overview.task_remaining", remaining=progress.remaining, stages=open_labels))


def _totals(rows: list[figures.GroupTotal], label: str) -> None:
    """A bar chart of counts, in the rows' order, and the table with areas."""
    t = state.t
    lang = state.lang()
    count, area = t("overview.col_count"), t("overview.col_area")
    frame = pd.DataFrame(
        {
            "group": [r.group for r in rows],
            "count": [r.count for r in rows],
            "area": [r.area_ha for r in rows],
        }
    )
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("group", type="nominal", title=None, sort=None, axis=alt.Axis(labelLimit=200)),
            x=alt.X("count", type="quantitative", title=count),
            tooltip=[
                alt.Tooltip("group", title=label),
                alt.Tooltip("count", title=count),
                alt.Tooltip("area", title=area),
            ],
        )
    )
    st.altair_chart(chart, width="stretch")
    shown = frame.rename(columns={"group": label, "count": count, "area": area})
    st.dataframe(
        shown.style.format({area: lambda v: i18n.number(v, lang)}),
        hide_index=True,
        width="stretch",
    )


def by_district_and_batch(clusters: list[Cluster]) -> None:
    t = state.t
    lang = state.lang()
    live = [c for c in clusters if c.stage != stages.TERMINAL]
    left, right = st.columns(2)
    with left:
        st.subheader(t("overview.by_district"), anchor=False)
        rows = sorted(figures.totals_by(live, districts_of), key=lambda r: (-r.count, r.group))
        _totals(rows, t("filter.districts"))
    with right:
        st.subheader(t("overview.by_batch"), anchor=False)
        order = [*BATCHES, widgets.UNKNOWN]
        rows = sorted(
            figures.totals_by(live, lambda c: [c.batch or widgets.UNKNOWN]),
            key=lambda r: order.index(r.group) if r.group in order else len(order),
        )
        _totals(
            [
                figures.GroupTotal(i18n.value_label("batch", r.group, lang), r.count, r.area_ha)
                for r in rows
            ],
            t("filter.batches"),
        )


def completeness(clusters: list[Cluster]) -> None:
    t = state.t
    lang = state.lang()
    st.subheader(t("overview.completeness"), anchor=False)
    total = len(clusters)
    gaps = figures.completeness(clusters)
    columns = st.columns(len(gaps))
    for column, (code, found) in zip(columns, gaps.items(), strict=True):
        with column:
            share = 100.0 * len(found) / total if total else 0.0
            st.metric(t(f"completeness.{code}"), i18n.number(len(found), lang))
            st.caption(
                t(
                    "overview.completeness_line",
                    count=len(found),
                    total=total,
                    share=i18n.percent(share, lang),
                )
            )
            with st.popover(t("overview.show_clusters"), width="stretch"):
                for c in found:
                    routes.link("cluster", widgets.md(c.name), id=str(c.id))


def render() -> None:
    st.title(state.t("overview.title"), anchor=False)
    clusters, reported, day = as_of_widget.overview_data()  # now, or as of a past day
    left, right = st.columns([3, 2])
    with left:
        registry_vs_reported(clusters, reported)
    with right:
        by_stage(clusters)
        tasks(clusters, reported, day)
    attention_panel.render(clusters, day)
    by_district_and_batch(clusters)
    completeness(clusters)


if __name__ == "__main__":
    render()

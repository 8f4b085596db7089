"""Thay đổi gần đây / Recent changes: the registry's history, filtered by user, date, cluster.

History is read-only everywhere: nothing in the app edits or deletes it; a revert is a new
change made in the edit forms.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import streamlit as st

from clusters import clock, i18n
from clusters.model import ChangeEvent
from clusters.store import database_url
from clusters.ui import editing, routes, state
from clusters.ui.pages.cluster_page import display_value

LIMIT = 500
TABLE_KEY = "history_table"


@st.cache_data(show_spinner=False, max_entries=4)
def _actors(url: str, rev: state.Revision) -> list[str]:
    return sorted({e.actor for e in state.store().history()})


def _bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Whole days in Hanoi time, as UTC moments for the query (the store keeps UTC)."""
    start = end = None
    if since:
        start = datetime.combine(since, time.min, clock.HANOI).astimezone(UTC)
    if until:
        next_day = datetime.combine(until + timedelta(days=1), time.min, clock.HANOI)
        end = (next_day - timedelta(microseconds=1)).astimezone(UTC)
    return start, end


def change_text(event: ChangeEvent) -> str:
    parts = []
    for ch in event.changes:
        if ch.field == "geometry":
            parts.append(editing.field_label(ch.field))
            continue
        old = display_value(ch.field, ch.old)
        new = display_value(ch.field, ch.new)
        parts.append(f"{editing.field_label(ch.field)}: {old} → {new}")
    return "; ".join(parts)


def render() -> None:
    t = state.t
    lang = state.lang()
    st.title(t("history.title"), anchor=False)
    st.caption(t("history.hint"))
    clusters = state.clusters()
    names = {c.id: c.name for c in clusters}
    actors = _actors(database_url(), state.revision())
    cols = st.columns(4)
    actor = cols[0].selectbox(
        t("history.user"),
        [None, *actors],
        format_func=lambda a: t("history.all") if a is None else a,
        placeholder=t("edit.choose"),
        key="history_user",
    )
    cluster_id = cols[1].selectbox(
        t("history.cluster"),
        [None, *names],
        format_func=lambda i: t("history.all") if i is None else f"{names[i]} (#{i})",
        placeholder=t("edit.choose"),
        key="history_cluster",
    )
    since = cols[2].date_input(
        t("history.since"),
        value=None,
        key="history_since",
        format="DD/MM/YYYY",
        min_value=editing.EARLIEST,
    )
    until = cols[3].date_input(
        t("history.until"),
        value=None,
        key="history_until",
        format="DD/MM/YYYY",
        min_value=editing.EARLIEST,
    )
    start, end = _bounds(since, until)
    events = state.store().history(cluster_id, actor=actor, since=start, until=end, limit=LIMIT)
    if not events:
        st.info(t("history.none"))
        return
    st.caption(t("history.count", count=i18n.number(len(events), lang), limit=LIMIT))
    frame = pd.DataFrame(
        {
            "id": [e.cluster_id for e in events],
            t("cluster.col_when"): [i18n.format_datetime(e.at, lang) for e in events],
            t("cluster.col_who"): [e.actor for e in events],
            t("history.col_cluster"): [
                f"{names.get(e.cluster_id, '—')} (#{e.cluster_id})" for e in events
            ],
            t("history.col_kind"): [i18n.value_label("event", e.kind, lang) for e in events],
            t("history.col_changes"): [change_text(e) for e in events],
            t("history.col_reason"): [e.reason or "" for e in events],
        }
    )
    picked = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={"id": None},
        on_select="rerun",
        selection_mode="single-row",
        key=TABLE_KEY,
    )
    rows = picked.selection.rows if picked else []
    if rows:
        routes.go("cluster", id=str(int(frame.iloc[rows[0]]["id"])))


if __name__ == "__main__":
    render()

"""Pieces shared by several pages: the filter sidebar, the match line, badges, errors, the
history tables.

The filter lives in the session (``FILTER_KEY``) and in the URL query parameters, so a
planner can send a link that opens the same view; the map and the list share it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

import pandas as pd
import streamlit as st

from clusters import filters, i18n, stages
from clusters.errors import ClusterError
from clusters.escaping import escape
from clusters.filters import ClusterFilter
from clusters.model import BATCHES, CLUSTER_TYPES, WWTP_STATUSES, Cluster, TenantProject
from clusters.ui import routes, state


class Recorded(Protocol):
    """What every history entry says: when, who, why."""

    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def reason(self) -> str | None: ...


E = TypeVar("E", bound=Recorded)

FILTER_KEY = "cluster_filter"
UNKNOWN = "unknown"
_LIST_FIELDS = ("stages", "batches", "districts", "communes", "types", "wwtp")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~])")
# Streamlit cuts a chosen option's chip to one line ("Đang giải phóng mặ…") and the box to
# about five chips: the stage names are long, so chips wrap and the box grows instead.
_FILTER_CSS = """<style>
[data-testid="stMultiSelect"] [role="group"]:has(> [data-testid="stMultiSelectTagsContainer"]) {
  max-height: none;
}
[data-testid="stMultiSelectTagsContainer"] [data-tag] {
  height: auto; min-height: 1.75rem; white-space: normal;
}
[data-testid="stMultiSelectTagsContainer"] [data-tag] > span[title] {
  white-space: normal; overflow: visible; text-overflow: clip; padding: 2px 0;
}
</style>"""
# Streamlit keeps a badge on one line and cuts it ("Vị trí gần đúng (điểm đại diện củ…") in a
# narrow column: the badge wraps instead.
_BADGE_CSS = """<style>
[data-testid="stMarkdownContainer"] span.stMarkdownBadge {
  white-space: normal; overflow: visible; text-overflow: clip; height: auto;
}
</style>"""


def md(text: object) -> str:
    """User text shown through Streamlit markdown, read literally (no emphasis, links, math)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", "" if text is None else str(text))


def show_error(exc: ClusterError) -> None:
    """The one place the UI shows an expected error, in the session's language."""
    st.error(f"{state.t('common.error')}: {md(exc.text(state.lang()))}", icon=":material/error:")


def stage_label(code: str) -> str:
    return stages.stage(code).label(state.lang())


def current_filter() -> ClusterFilter:
    """The session's filter; at the session's first view, the one in the URL."""
    if FILTER_KEY not in st.session_state:
        st.session_state[FILTER_KEY] = routes.query().filter
    flt: ClusterFilter = st.session_state[FILTER_KEY]
    return flt


def _choices(opts: filters.FilterOptions) -> dict[str, tuple[str, ...]]:
    return {
        "stages": stages.STAGE_CODES,
        "batches": (*BATCHES, UNKNOWN),
        "districts": opts.districts,
        "communes": tuple(code for code, _ in opts.communes),
        "types": CLUSTER_TYPES,
        "wwtp": (*WWTP_STATUSES, UNKNOWN),
    }


def _widget_key(name: str) -> str:
    return f"filter_{name}"


def _set_widgets(flt: ClusterFilter, choices: dict[str, tuple[str, ...]]) -> None:
    """Put the session's filter into the widgets (only what the options allow).

    Done on every run: a widget keyed the same on another page is another widget to
    Streamlit, so the session's filter, not the widget state, is what the pages share.
    """
    values: dict[str, object] = {
        name: [v for v in getattr(flt, name) if v in choices[name]] for name in _LIST_FIELDS
    }
    values.update(
        verified_only=flt.verified_only,
        area_min=flt.area_min,
        area_max=flt.area_max,
        text=flt.text,
    )
    for name, value in values.items():
        st.session_state[_widget_key(name)] = value


def _ordered(selected: Sequence[str], options: Sequence[str]) -> tuple[str, ...]:
    chosen = set(selected)
    return tuple(o for o in options if o in chosen)


def _from_widgets(choices: dict[str, tuple[str, ...]]) -> ClusterFilter:
    value = st.session_state.get
    return ClusterFilter(
        **{name: _ordered(value(_widget_key(name)) or [], choices[name]) for name in _LIST_FIELDS},
        verified_only=bool(value(_widget_key("verified_only"))),
        area_min=value(_widget_key("area_min")),
        area_max=value(_widget_key("area_max")),
        text=(value(_widget_key("text")) or "").strip()[:200],
    )


def _remember(choices: dict[str, tuple[str, ...]]) -> None:
    """Callback of every filter widget: the change becomes the session's filter."""
    st.session_state[FILTER_KEY] = _from_widgets(choices)


def _reset() -> None:
    st.session_state[FILTER_KEY] = ClusterFilter()


def filter_sidebar() -> ClusterFilter:
    """The filter widgets in the sidebar, their choices the registry's values (made once per
    revision); returns the filter and mirrors it in the URL."""
    lang = state.lang()
    t = state.t
    opts = state.filter_options()
    choices = _choices(opts)
    _set_widgets(current_filter(), choices)
    commune_names = dict(opts.communes)
    remember = (choices,)

    def labelled(kind: str) -> Callable[[str], str]:
        return lambda code: i18n.value_label(kind, code, lang)

    st.html(_FILTER_CSS)
    with st.sidebar:
        st.header(t("filter.header"))
        st.text_input(
            t("filter.text"),
            key=_widget_key("text"),
            help=t("filter.text_help"),
            on_change=_remember,
            args=remember,
        )
        formats: tuple[tuple[str, str, Callable[[str], str]], ...] = (
            ("stages", "filter.stages", lambda code: stages.stage(code).label(lang)),
            ("batches", "filter.batches", labelled("batch")),
            ("districts", "filter.districts", str),
            ("communes", "filter.communes", lambda code: commune_names.get(code, code)),
            ("types", "filter.types", labelled("cluster_type")),
            ("wwtp", "filter.wwtp", labelled("wwtp")),
        )
        for name, label, fmt in formats:
            st.multiselect(
                t(label),
                choices[name],
                format_func=fmt,
                key=_widget_key(name),
                placeholder=t("filter.any"),
                on_change=_remember,
                args=remember,
            )
        st.checkbox(
            t("filter.verified_only"),
            key=_widget_key("verified_only"),
            on_change=_remember,
            args=remember,
        )
        low, high = st.columns(2)
        low.number_input(
            t("filter.area_min"),
            min_value=0.0,
            step=1.0,
            key=_widget_key("area_min"),
            on_change=_remember,
            args=remember,
        )
        high.number_input(
            t("filter.area_max"),
            min_value=0.0,
            step=1.0,
            key=_widget_key("area_max"),
            on_change=_remember,
            args=remember,
        )
        st.button(t("filter.reset"), on_click=_reset, icon=":material/undo:", key="filter_reset")
        st.caption(t("filter.link_hint"))

    flt = _from_widgets(choices)
    st.session_state[FILTER_KEY] = flt
    query = flt.to_query()
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    return flt


def match_line(tally: filters.Tally) -> None:
    """How many clusters match and their total area."""
    lang = state.lang()
    st.markdown(
        state.t(
            "filter.matching",
            count=i18n.number(tally.count, lang),
            area=i18n.area(tally.area_ha, lang),
            with_area=i18n.number(tally.with_area, lang),
        )
    )


def stage_chip(code: str) -> str:
    """HTML of a small label in the stage's colour (text escaped)."""
    colour = stages.stage(code).colour
    return (
        f'<span style="background:{colour};color:#fff;padding:2px 8px;border-radius:10px;'
        f'font-size:0.85rem">{escape(stage_label(code))}</span>'
    )


def cluster_badges(c: Cluster) -> None:
    """Verified / approximate badges."""
    t = state.t
    st.html(_BADGE_CSS)
    if c.stage_verified:
        st.badge(t("summary.verified"), icon=":material/verified:", color="green")
    else:
        st.badge(t("summary.unverified"), icon=":material/help:", color="orange")
    if c.is_approximate:
        precision = i18n.value_label("precision", c.location_precision, state.lang())
        st.badge(
            f"{t('summary.approximate')} ({precision})", icon=":material/blur_on:", color="gray"
        )
    else:
        st.badge(t("summary.surveyed"), icon=":material/my_location:", color="blue")


def choose_project(label: str, projects: Sequence[TenantProject], key: str) -> int | None:
    """A chooser of a cluster's tenant projects by name and id, none chosen at first."""
    by_id = {p.id: p for p in projects if p.id is not None}
    chosen: int | None = st.selectbox(
        label,
        list(by_id),
        index=None,
        key=key,
        format_func=lambda i: f"{by_id[i].name} (#{i})",
        placeholder=state.t("edit.choose"),
    )
    return chosen


def history_table(
    title: str,
    empty: str,
    events: Sequence[E],
    columns: Mapping[str, Callable[[E], object]],
    changes: Callable[[E], str],
) -> None:
    """A history under its subheader, newest first as given: when, who, the page's own
    ``columns`` (label → cell), what changed (as ``changes`` words it) and why; ``empty``
    is the caption shown when there is none. The common columns and their order are here."""
    t = state.t
    lang = state.lang()
    st.subheader(title, anchor=False)
    if not events:
        st.caption(empty)
        return
    frame = pd.DataFrame(
        {
            t("cluster.col_when"): [i18n.format_datetime(e.at, lang) for e in events],
            t("cluster.col_who"): [e.actor for e in events],
            **{label: [cell(e) for e in events] for label, cell in columns.items()},
            t("projects.col_changes"): [changes(e) for e in events],
            t("cluster.col_why"): [e.reason or "" for e in events],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")

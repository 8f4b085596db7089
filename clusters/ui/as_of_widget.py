"""Số liệu tại ngày / As of: the Overview now, or as the registry stood at the end of a past
day in Hanoi — a report cut-off (14 June, 14 December) or any day — rebuilt from its history.
"""

from __future__ import annotations

import functools
from datetime import date, datetime

import streamlit as st

from clusters import clock, i18n, snapshot
from clusters.errors import ClusterError
from clusters.model import Cluster, ReportedFigure
from clusters.store import database_url
from clusters.ui import routes, state, widgets

KEY = "overview_as_of"
DAY_KEY = "overview_as_of_day"
LINK_KEY = "overview_as_of_link"  # the address's day, once followed
NOW = "now"
OTHER = "other"


@st.cache_data(show_spinner=False, max_entries=8)
def _registry_at(url: str, rev: state.Revision, moment: datetime) -> list[Cluster]:
    return snapshot.registry_at(state.store(), moment)


@st.cache_data(show_spinner=False, max_entries=4)
def _first_day(url: str, rev: state.Revision) -> date | None:
    start = snapshot.registry_start(state.store())
    return clock.hanoi_date(start) if start else None


def _label(option: str, lang: str) -> str:
    if option == NOW:
        return i18n.t("as_of.now", lang)
    if option == OTHER:
        return i18n.t("as_of.other", lang)
    day = date.fromisoformat(option)
    key = "as_of.half_year" if snapshot.is_half_year_cutoff(day) else "as_of.annual"
    return i18n.t(key, lang, date=i18n.format_date(day, lang))


def _follow_link(options: list[str]) -> None:
    """A day in the address (``?as_of=2025-06-14``, checked by ``routes.query``) sets the
    selector, once for each day the address names, so the planner can still change it."""
    day = routes.query().as_of
    if day is None:
        st.session_state.pop(LINK_KEY, None)
        return
    if st.session_state.get(LINK_KEY) == day:
        return
    st.session_state[LINK_KEY] = day
    if day.isoformat() in options:
        st.session_state[KEY] = day.isoformat()
    else:
        st.session_state[KEY] = OTHER
        st.session_state[DAY_KEY] = day


def _mirror(day: date | None) -> None:
    """The chosen day into the address, so that a link opens the Overview as of that day
    (remembered as followed: the next run must not take it for a new link)."""
    if day is None:
        st.query_params.pop("as_of", None)
        st.session_state.pop(LINK_KEY, None)
    else:
        st.query_params["as_of"] = day.isoformat()
        st.session_state[LINK_KEY] = day


def choose() -> date | None:
    """The selector: None for the registry now, else the chosen day."""
    today = clock.today()
    first = _first_day(database_url(), state.revision())
    cutoffs = [d for d in snapshot.report_cutoffs(today) if first is not None and d >= first]
    options = [NOW, *(d.isoformat() for d in cutoffs), OTHER]
    _follow_link(options)
    st.session_state.setdefault(DAY_KEY, cutoffs[0] if cutoffs else today)
    left, right, _ = st.columns([2, 1, 2])
    choice = left.selectbox(
        state.t("as_of.label"),
        options,
        format_func=functools.partial(_label, lang=state.lang()),
        key=KEY,
        help=state.t("as_of.help"),
    )
    if choice == NOW:
        return None
    if choice == OTHER:
        picked = right.date_input(
            state.t("as_of.day"),
            min_value=first,
            max_value=today,
            format="DD/MM/YYYY",
            key=DAY_KEY,
        )
        return picked if isinstance(picked, date) else None
    return date.fromisoformat(choice)


def overview_data() -> tuple[list[Cluster], list[ReportedFigure], date]:
    """The selector, then the clusters and reported figures the Overview counts and the day
    they stand for: now, or as of the chosen day with a notice saying so."""
    day = choose()
    _mirror(day)
    if day is None:
        return state.clusters(), state.reported_figures(), clock.today()
    try:
        moment = snapshot.as_of_moment(state.store(), day)
    except ClusterError as exc:
        widgets.show_error(exc)
        st.stop()
    clusters = _registry_at(database_url(), state.revision(), moment)
    reported = snapshot.figures_at(state.reported_figures(), moment)
    st.info(
        state.t(
            "as_of.notice",
            date=i18n.format_date(day, state.lang()),
            count=i18n.number(len(clusters), state.lang()),
        ),
        icon=":material/history:",
    )
    return clusters, reported, day

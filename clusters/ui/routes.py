"""Links between pages, and what a page's address says.

``main`` registers the session's pages; pages link by url path. Every query parameter a page
reads comes through ``query()``: its value, or a message (``Query.problems``, shown by the
router above the page) when it cannot be read — never an exception. Parameters no page knows
are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import NoReturn

import streamlit as st

from clusters import snapshot
from clusters.errors import BadLink, ClusterError
from clusters.filters import ClusterFilter, FilterOptions
from clusters.ui import state

_PAGES_KEY = "_pages"
CLUSTER_ID_MAX = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
_ID = re.compile(r"[0-9]{1,10}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SHOWN_MAX = 40  # characters of a bad value repeated in a message


def register(pages: dict[str, st.Page]) -> None:
    st.session_state[_PAGES_KEY] = pages


def page(url_path: str) -> st.Page:
    return st.session_state[_PAGES_KEY][url_path]


def link(url_path: str, label: str, icon: str | None = None, **query: str) -> None:
    """A link to a page, opening it with the given query parameters."""
    st.page_link(page(url_path), label=label, icon=icon, query_params=query or None)


def go(url_path: str, **query: str) -> NoReturn:
    st.switch_page(page(url_path), query_params=query or None)


@dataclass(frozen=True)
class Query:
    """What the address says: each value, or None when it is absent or cannot be read."""

    cluster_id: int | None  # ?id=12
    as_of: date | None  # ?as_of=2025-06-14
    filter: ClusterFilter  # ?stages=…&area_min=… (see ClusterFilter.to_query)
    problems: tuple[ClusterError, ...]  # one message for each value that cannot be read


def _shown(raw: str) -> str:
    return raw if len(raw) <= _SHOWN_MAX else raw[:_SHOWN_MAX] + "…"


def cluster_id_from(raw: str) -> int:
    """A cluster id from an address; ``BadLink`` unless a whole number from 1 up."""
    text = raw.strip()
    if _ID.fullmatch(text) and 1 <= int(text) <= CLUSTER_ID_MAX:
        return int(text)
    raise BadLink(
        f"Đường dẫn có mã cụm «{_shown(raw)}» không hợp lệ: mã cụm là số nguyên từ 1 đến "
        f"{CLUSTER_ID_MAX} (ví dụ ?id=12).",
        f"The link's cluster id '{_shown(raw)}' is not valid: an id is a whole number from 1 "
        f"to {CLUSTER_ID_MAX} (e.g. ?id=12).",
        field="id",
    )


def day_from(raw: str) -> date:
    """A day from an address, written YYYY-MM-DD; ``BadLink`` otherwise."""
    text = raw.strip()
    if _DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass  # a day that does not exist, such as 2025-02-30
    raise BadLink(
        f"Đường dẫn có ngày «{_shown(raw)}» không hợp lệ: ghi ngày dạng NNNN-TT-NN "
        "(ví dụ ?as_of=2025-06-14).",
        f"The link's date '{_shown(raw)}' is not valid: write it as YYYY-MM-DD "
        "(e.g. ?as_of=2025-06-14).",
        field="as_of",
    )


def read_query(
    params: Mapping[str, str],
    known: FilterOptions | None = None,
    check_day: Callable[[date], object] | None = None,
) -> Query:
    """Every parameter the pages know, read from ``params``. ``known`` holds the registry's
    districts and communes; ``check_day`` raises a ``ClusterError`` for a day the registry
    cannot be shown at (in the future, before its history)."""
    problems: list[ClusterError] = []
    cluster_id = as_of = None
    try:
        if "id" in params:
            cluster_id = cluster_id_from(params["id"])
    except BadLink as exc:
        problems.append(exc)
    try:
        if "as_of" in params:
            as_of = day_from(params["as_of"])
            if check_day is not None:
                check_day(as_of)
    except ClusterError as exc:
        problems.append(exc)
        as_of = None
    flt, bad_filter = ClusterFilter.parse_query(params, known)
    return Query(cluster_id, as_of, flt, (*problems, *bad_filter))


def query() -> Query:
    """The current page's query parameters, as they stand now."""
    params = st.query_params.to_dict()
    known = None
    if "districts" in params or "communes" in params:
        known = state.filter_options()
    return read_query(params, known, lambda day: snapshot.as_of_moment(state.store(), day))

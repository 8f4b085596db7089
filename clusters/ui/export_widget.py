"""Download buttons for the clusters a page shows, one per format.

Each file is made when its button is clicked (Streamlit runs the maker on its own thread),
so showing the buttons costs nothing. Beyond ``LARGE`` clusters the planner picks a format
and makes the file with a progress bar first. File names carry the date; every file
records its export time and the filter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from clusters import clock
from clusters.filters import ClusterFilter
from clusters.io.export import (
    FORMAT_LABELS,
    FORMATS,
    MEDIA_TYPES,
    describe_filter,
    export_bytes,
    file_name,
)
from clusters.model import Cluster
from clusters.snapshot import collect
from clusters.store import ClusterStore
from clusters.ui import state, widgets

LARGE = 2_000


def _maker(
    store: ClusterStore, chosen: list[Cluster], flt: ClusterFilter, fmt: str, vn2000: bool
) -> Callable[[], bytes]:
    # Runs on another thread when clicked: no Streamlit calls, only the store and the data.
    def make() -> bytes:
        return export_bytes(fmt, collect(store, flt, chosen, clock.now_utc()), vn2000=vn2000)

    return make


def _label(fmt: str) -> str:
    vi, en = FORMAT_LABELS[fmt]
    return en if state.lang() == "en" else vi


def export_buttons(clusters: Sequence[Cluster], flt: ClusterFilter, key: str = "export") -> None:
    """The download buttons for ``clusters`` (already filtered with ``flt``)."""
    t = state.t
    chosen = list(clusters)
    store = state.store()
    now = clock.now_utc()
    with st.expander(t("export.title", count=len(chosen)), icon=":material/download:"):
        st.caption(t("export.hint", filter=widgets.md(describe_filter(flt))))
        vn2000 = st.checkbox(t("export.vn2000"), key=f"{key}_vn2000")
        if len(chosen) > LARGE:
            _large(store, chosen, flt, vn2000, key)
            return
        # One row that wraps, each button as wide as its label: equal columns cut the
        # longer labels ("GeoJSON (RFC 79…").
        with st.container(horizontal=True, wrap=True):
            for fmt in FORMATS:
                st.download_button(
                    _label(fmt),
                    data=_maker(store, chosen, flt, fmt, vn2000),
                    file_name=file_name(fmt, now, vn2000),
                    mime=MEDIA_TYPES[fmt],
                    key=f"{key}_{fmt}",
                    on_click="ignore",
                    icon=":material/download:",
                    disabled=not chosen,
                    width="content",
                )


def _large(
    store: ClusterStore, chosen: list[Cluster], flt: ClusterFilter, vn2000: bool, key: str
) -> None:
    t = state.t
    fmt = st.radio(
        t("export.format"), FORMATS, format_func=_label, key=f"{key}_format", horizontal=True
    )
    ready_key = f"{key}_ready"
    if st.button(t("export.prepare"), key=f"{key}_prepare", icon=":material/build:"):
        bar = st.progress(0.0, text=t("export.making"))
        data = collect(store, flt, chosen, clock.now_utc())
        content = export_bytes(
            fmt,
            data,
            vn2000=vn2000,
            progress=lambda f, _m: bar.progress(min(f, 1.0), text=t("export.making")),
        )
        st.session_state[ready_key] = (fmt, file_name(fmt, data.when, vn2000), content)
        bar.empty()
    ready = st.session_state.get(ready_key)
    if ready and ready[0] == fmt:
        st.download_button(
            ready[1],
            data=ready[2],
            file_name=ready[1],
            mime=MEDIA_TYPES[fmt],
            key=f"{key}_download",
            on_click="ignore",
            icon=":material/download:",
            type="primary",
        )

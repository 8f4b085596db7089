"""The known troubles, shown on the Overview: how many clusters have each, and which."""

from __future__ import annotations

from datetime import date

import streamlit as st

from clusters import attention, i18n
from clusters.model import Cluster
from clusters.ui import routes, state, widgets


def render(clusters: list[Cluster], today: date) -> None:
    t = state.t
    lang = state.lang()
    st.subheader(t("overview.attention"), anchor=False)
    st.caption(t("overview.attention_hint"))
    found = attention.troubles(clusters, today)
    columns = st.columns(len(attention.TROUBLES))
    for column, trouble in zip(columns, attention.TROUBLES, strict=True):
        with column:
            listed = found[trouble.code]
            # The full label wraps above the number; a metric label would be cut short.
            st.caption(widgets.md(trouble.label(lang)))
            st.metric(
                trouble.label(lang), i18n.number(len(listed), lang), label_visibility="collapsed"
            )
            if listed:
                with st.popover(t("overview.show_clusters"), width="stretch"):
                    for c in listed:
                        routes.link("cluster", widgets.md(c.name), id=str(c.id))

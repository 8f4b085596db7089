"""Danh sách / List: the filtered clusters as a sortable table; a selected row opens it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from clusters import i18n
from clusters.model import FIELD_BY_NAME, Cluster
from clusters.ui import routes, state, widgets
from clusters.ui.export_widget import export_buttons

TABLE_KEY = "cluster_table"
COLUMNS = (
    "id",
    "name",
    "stage",
    "batch",
    "district_2019",
    "commune_2025_name",
    "area_ha",
    "investor",
    "stage_verified",
)


def table(chosen: Sequence[Cluster]) -> pd.DataFrame:
    """The rows as shown: labels in the session's language, numbers kept sortable."""
    lang = state.lang()
    rows = [
        {
            "id": c.id,
            "name": c.name,
            "stage": widgets.stage_label(c.stage),
            "batch": i18n.value_label("batch", c.batch, lang),
            "district_2019": c.district_2019,
            "commune_2025_name": c.commune_2025_name,
            "area_ha": c.area_ha,
            "investor": c.investor,
            "stage_verified": c.stage_verified,
            "approximate": c.is_approximate,
        }
        for c in chosen
    ]
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "approximate"])
    text = ["district_2019", "commune_2025_name", "investor"]
    frame[text] = frame[text].fillna(i18n.t("common.none", lang))
    return frame


def column_config() -> dict[str, Any]:
    lang = state.lang()
    config: dict[str, Any] = {
        name: st.column_config.Column(FIELD_BY_NAME[name].label(lang)) for name in COLUMNS
    }
    config["id"] = st.column_config.NumberColumn(FIELD_BY_NAME["id"].label(lang), width="small")
    config["area_ha"] = st.column_config.NumberColumn(
        f"{FIELD_BY_NAME['area_ha'].label(lang)} (ha)"
    )
    config["stage_verified"] = st.column_config.CheckboxColumn(
        FIELD_BY_NAME["stage_verified"].label(lang)
    )
    config["approximate"] = st.column_config.CheckboxColumn(state.t("list.col_approximate"))
    return config


def render() -> None:
    st.title(state.t("list.title"), anchor=False)
    clusters = state.clusters()
    flt = widgets.filter_sidebar(clusters)
    chosen = flt.apply(clusters)
    widgets.match_line(chosen)
    export_buttons(chosen, flt, key="list_export")
    st.caption(state.t("list.hint"))
    frame = table(chosen)
    lang = state.lang()
    styled = frame.style.format(
        {"area_ha": lambda v: i18n.number(v, lang)}, na_rep=i18n.t("common.none", lang)
    )
    event = st.dataframe(
        styled,
        hide_index=True,
        column_config=column_config(),
        on_select="rerun",
        selection_mode="single-row",
        key=TABLE_KEY,
        height=640,
    )
    rows = event.selection.rows if event else []
    if rows:
        routes.go("cluster", id=str(int(frame.iloc[rows[0]]["id"])))


if __name__ == "__main__":
    render()

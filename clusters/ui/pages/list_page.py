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
NAME_WIDTH = 240  # px: most names whole, and the area still beside them on a phone
# Name and area first, so that both show on a phone without scrolling sideways.
COLUMNS = (
    "name",
    "area_ha",
    "stage",
    "batch",
    "district_2019",
    "commune_2025_name",
    "investor",
    "stage_verified",
    "id",
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
    return pd.DataFrame(rows, columns=[*COLUMNS, "approximate"])


def column_config() -> dict[str, Any]:
    lang = state.lang()
    config: dict[str, Any] = {
        name: st.column_config.Column(FIELD_BY_NAME[name].label(lang)) for name in COLUMNS
    }
    config["id"] = st.column_config.NumberColumn(FIELD_BY_NAME["id"].label(lang), width="small")
    # A set width: sized to its content, one very long name would push the area off screen.
    config["name"] = st.column_config.Column(FIELD_BY_NAME["name"].label(lang), width=NAME_WIDTH)
    config["area_ha"] = st.column_config.NumberColumn(
        state.t("overview.col_area"), help=f"{FIELD_BY_NAME['area_ha'].label(lang)} (ha)"
    )
    config["stage_verified"] = st.column_config.CheckboxColumn(
        FIELD_BY_NAME["stage_verified"].label(lang)
    )
    config["approximate"] = st.column_config.CheckboxColumn(state.t("list.col_approximate"))
    return config


def render() -> None:
    st.title(state.t("list.title"), anchor=False)
    flt = widgets.filter_sidebar()
    chosen = state.chosen(flt)
    widgets.match_line(state.tally(flt))
    export_buttons(chosen, flt, key="list_export")
    st.caption(state.t("list.hint"))
    frame = table(chosen)
    lang = state.lang()
    none = i18n.t("common.none", lang)
    styled = frame.style.format({"area_ha": lambda v: i18n.number(v, lang)}, na_rep=none)
    # A click on any cell opens its cluster: no column of row checkboxes taking the width
    # a phone needs for the name and the area.
    event = st.dataframe(
        styled,
        hide_index=True,
        column_config=column_config(),
        on_select="rerun",
        selection_mode="single-cell",
        key=TABLE_KEY,
        height=640,
        placeholder=none,
    )
    cells = event.selection.cells if event else []
    if cells:
        routes.go("cluster", id=str(int(frame.iloc[cells[0][0]]["id"])))


if __name__ == "__main__":
    render()

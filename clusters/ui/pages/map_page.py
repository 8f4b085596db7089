"""Bản đồ / Map: every cluster on the map, filtered; click one to see its summary.

The base map (tiles, reference layers) stays identical across reruns, so the browser keeps
it mounted; the filtered clusters travel as a feature group and the view moves with
``center``/``zoom``: changing a filter updates the drawing without a flash.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

from clusters import i18n, mapping, stages
from clusters.errors import ClusterError
from clusters.escaping import escape
from clusters.filters import ClusterFilter
from clusters.model import FIELD_BY_NAME, Cluster
from clusters.store import database_url
from clusters.ui import routes, state, widgets
from clusters.ui.export_widget import export_buttons

MAP_HEIGHT = 620
SELECTED_KEY = "map_selected_cluster"
VIEW_KEY = "map_view"
BASEMAP_KEY = "map_basemap"


@st.cache_data(show_spinner=False, max_entries=32)
def _features(url: str, rev: state.Revision, query: tuple[tuple[str, str], ...], lang: str):
    chosen = ClusterFilter.from_query(dict(query)).apply(state.clusters())
    return mapping.cluster_features(chosen, lang)


@st.cache_data(show_spinner=False)
def _reference_layers(
    paths: tuple[str, ...],
) -> tuple[list[mapping.ReferenceLayer], list[tuple[str, str]]]:
    layers, problems = [], []
    for path in paths:
        try:
            layers.append(mapping.load_reference_layer(Path(path)))
        except ClusterError as exc:
            problems.append((exc.vi, exc.en))
    return layers, problems


def basemap_choice() -> mapping.Basemap:
    """The configured basemap, or none: switchable when the tile server is unreachable."""
    configured = mapping.basemap_from_env()
    options = [configured] if configured.is_none else [configured, mapping.NO_BASEMAP]
    names = {b.name: b for b in options}
    none_label = state.t("map.basemap_none")
    chosen = st.sidebar.selectbox(
        state.t("map.basemap"),
        list(names),
        format_func=lambda n: none_label if names[n].is_none else n,
        key=BASEMAP_KEY,
        help=state.t("map.basemap_help"),
    )
    return names[chosen or configured.name]


def fit_to(chosen: Sequence[Cluster]) -> None:
    bounds = mapping.bounds_of(chosen)
    if bounds is None:
        return
    (lat, lon), zoom = mapping.fit_view(bounds, height_px=MAP_HEIGHT)
    # A new centre each time, even for the same results: the map moves only when it changes.
    nudge = st.session_state.get(VIEW_KEY, {}).get("nudge", 0) + 1
    st.session_state[VIEW_KEY] = {"center": (lat + nudge * 1e-9, lon), "zoom": zoom, "nudge": nudge}


def legend(chosen: Sequence[Cluster]) -> None:
    counts = Counter(c.stage for c in chosen)
    lang = state.lang()
    rows = []
    for s in stages.STAGES:
        rows.append(
            f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
            f'background:{s.colour};border:1px solid #222;margin-right:6px"></span>'
            f"{escape(s.label(lang))} ({counts.get(s.code, 0)})</div>"
        )
    rows.append(
        '<div><span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
        'border:2px dashed #555;margin-right:6px"></span>'
        f"{escape(state.t('legend.approximate'))}</div>"
    )
    rows.append(
        '<div><span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
        'background:#37474f;margin-right:6px"></span>'
        f"{escape(state.t('legend.group'))}</div>"
    )
    with st.expander(state.t("legend.title"), expanded=True):
        st.html('<div style="font-size:0.85rem;line-height:1.6">' + "".join(rows) + "</div>")


def summary(cluster_id: int | None, by_id: dict[int, Cluster]) -> None:
    t = state.t
    lang = state.lang()
    if cluster_id is None:
        st.info(t("map.click_hint"), icon=":material/touch_app:")
        return
    c = by_id.get(cluster_id)
    if c is None:
        st.warning(t("summary.gone"))
        return
    st.caption(t("summary.title"))
    st.subheader(widgets.md(c.name), anchor=False)
    st.html(widgets.stage_chip(c.stage))
    widgets.cluster_badges(c)
    commune = c.commune_2025_name or "—"
    former = ", ".join(x for x in (c.commune_2019, c.district_2019) if x)
    lines = [
        (field_label("area_ha"), i18n.area(c.area_ha, lang)),
        (t("summary.commune"), commune + (f" ({former})" if former else "")),
        (field_label("investor"), c.investor or "—"),
        (field_label("batch"), i18n.value_label("batch", c.batch, lang)),
    ]
    st.markdown("\n".join(f"- **{widgets.md(k)}:** {widgets.md(v)}" for k, v in lines))
    routes.link("cluster", t("summary.open"), icon=":material/open_in_new:", id=str(c.id))


def field_label(field_name: str) -> str:
    return FIELD_BY_NAME[field_name].label(state.lang())


def render() -> None:
    t = state.t
    lang = state.lang()
    st.title(t("map.title"), anchor=False)
    clusters = state.clusters()
    flt = widgets.filter_sidebar(clusters)
    basemap = basemap_choice()
    chosen = flt.apply(clusters)

    head, fit = st.columns([4, 1], vertical_alignment="center")
    with head:
        widgets.match_line(chosen)
    if fit.button(t("map.fit"), icon=":material/fit_screen:", disabled=not chosen):
        fit_to(chosen)

    paths = tuple(str(p) for p in mapping.reference_layer_paths())
    layers, problems = _reference_layers(paths)
    for vi, en in problems:
        widgets.show_error(ClusterError(vi, en))

    query = tuple(sorted(flt.to_query().items()))
    features = _features(database_url(), state.revision(), query, lang)
    view = st.session_state.get(VIEW_KEY, {})

    left, right = st.columns([3, 1])
    with left:
        if not chosen:
            st.warning(t("map.no_results"))
        value = st_folium(
            mapping.base_map(basemap, layers),
            feature_group_to_add=mapping.cluster_layer(features),
            returned_objects=mapping.RETURNED_OBJECTS,
            center=view.get("center"),
            zoom=view.get("zoom"),
            height=MAP_HEIGHT,
            use_container_width=True,
        )
    clicked = mapping.clicked_cluster_id(value)
    if clicked is not None:
        st.session_state[SELECTED_KEY] = clicked
    with right:
        summary(st.session_state.get(SELECTED_KEY), {c.id: c for c in clusters if c.id})
        legend(chosen)
    export_buttons(chosen, flt, key="map_export")


if __name__ == "__main__":
    render()

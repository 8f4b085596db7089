"""The benchmark's baseline: the naive streamlit-folium pattern, as a small Streamlit script.

Every rerun builds a whole ``folium.Map`` with one ``GeoJson`` layer of the chosen clusters
(all their properties, as read from the registry's GeoJSON export) and hands it to
``st_folium``; a stage filter in the sidebar; a click shows the cluster's summary below the
map. The data is read once per file (``st.cache_data``), as the usual recipe does. The map's
scripts come from the app's own static folder (the machine may be offline), as in the product.

    BENCH_NAIVE_GEOJSON=export.geojson streamlit run naive_app.py

Run by ``benchmarks/run.py`` from a temporary folder holding ``static/vendor``.
"""

from __future__ import annotations

import os

import folium
import geopandas
import streamlit as st
from streamlit_folium import st_folium

from clusters import stages, static_assets

LABELS = {s.code: s.label_vi for s in stages.STAGES}
COLOURS = {s.code: s.colour for s in stages.STAGES}


@st.cache_data
def load(path: str) -> geopandas.GeoDataFrame:
    return geopandas.read_file(path, datetime_as_string=True)


def style(feature: dict) -> dict:
    colour = COLOURS.get(feature["properties"]["stage"], "#555555")
    return {"color": colour, "fillColor": colour, "weight": 2, "fillOpacity": 0.4}


st.title("Bản đồ cụm công nghiệp (mẫu đơn giản)")
clusters = load(os.environ["BENCH_NAIVE_GEOJSON"])
chosen = st.sidebar.multiselect(
    "Giai đoạn",
    list(LABELS),
    default=[c for c in LABELS if c != stages.TERMINAL],
    format_func=LABELS.__getitem__,
)
shown = clusters[clusters["stage"].isin(chosen)]
st.write(f"{len(shown)} cụm")

m = folium.Map(location=[21.0, 105.65], zoom_start=10, tiles=None)
# Offline: the app's own copies of Leaflet and markercluster, without our map script (it
# would define the benchmark's __benchDrawn for a layer the naive map does not have).
m.default_js = static_assets.script_urls(ours=False)
m.default_css = static_assets.style_urls()
if len(shown):
    folium.GeoJson(
        shown,
        style_function=style,
        marker=folium.CircleMarker(radius=6),
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    ).add_to(m)
    west, south, east, north = shown.total_bounds
    m.fit_bounds([[south, west], [north, east]])
value = st_folium(m, height=620, use_container_width=True, returned_objects=["last_active_drawing"])

clicked = (value or {}).get("last_active_drawing")
if clicked:
    props = clicked["properties"]
    st.subheader(props["name"], anchor=False)
    st.write(f"{LABELS.get(props['stage'], props['stage'])} · {props.get('area_ha')} ha")
else:
    st.info("Bấm vào một cụm trên bản đồ để xem tóm tắt.")

"""The folium map of the clusters: the one module outside the UI that imports folium.

The map comes in two parts so the app can update it without remounting (no flicker): a base
map that stays identical across reruns (basemap tiles, reference layers) and a layer of
clusters passed to ``st_folium(feature_group_to_add=...)``. Everything the browser loads comes
from the app's own static files; every user string goes through ``escaping.escape``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import folium
import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
import shapely.geometry
from branca.element import MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template
from folium.utilities import JsCode
from shapely.geometry import mapping as geometry_mapping

from clusters import geo, i18n, stages, static_assets
from clusters.errors import ClusterError
from clusters.escaping import escape
from clusters.model import Cluster

HANOI_CENTER = (21.0285, 105.80)
DEFAULT_ZOOM = 10
MAX_ZOOM = 19
FIT_MAX_ZOOM = 16  # fitting to a single point stops at street level
GUESSED_WIDTH_PX = 900  # a map's width before it has reported its real size (a desktop's)
CLUSTER_CLASS = "cluster-feature"  # CSS class of every drawn cluster (polygon or marker)
REFERENCE_CLASS = "reference-feature"
# The map events that rerun the app: a click on a cluster, and a move (the view's bounds and
# zoom give the map's size in pixels, which the page needs to fit a view to it).
RETURNED_OBJECTS = ["last_active_drawing", "bounds", "zoom"]

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"

# Leaflet sets tooltip content as HTML: the text is escaped when the feature is built.
_TOOLTIP_JS = JsCode(
    "function(feature, layer) {"
    " layer.bindTooltip(feature.properties.tooltip, {sticky: true, direction: 'auto'}); }"
)
_REFERENCE_TOOLTIP_JS = JsCode(
    "function(feature, layer) {"
    " if (feature.properties.label) { layer.bindTooltip(feature.properties.label); } }"
)
# Groups of markers drawn in a neutral colour, so they are not read as a stage.
_GROUP_ICON_JS = (
    "function(group) { return L.divIcon({"
    " html: '<span>' + group.getChildCount() + '</span>',"
    " className: 'marker-cluster cluster-group', iconSize: L.point(34, 34) }); }"
)
_GROUP_CSS = (
    "<style>"
    ".cluster-group { background: rgba(55, 71, 79, 0.3); border-radius: 50%; }"
    ".cluster-group span { display: block; margin: 4px; width: 26px; height: 26px;"
    " border-radius: 50%; background: #37474f; color: #fff;"
    " font: bold 12px/26px sans-serif; text-align: center; }"
    "</style>"
)
# The map sits in an iframe. Pressing the mouse on it focuses the iframe, and the browser then
# scrolls the page until the whole iframe shows (a phone, a short window): the feature under
# the pointer moves away before the button is released, the click lands on the map's
# background and the first click on a cluster is lost. The map takes the focus without
# scrolling instead (it keeps its keyboard controls).
_FOCUS_WITHOUT_SCROLLING_JS = """
(function (map) {
  var container = map.getContainer();
  container.addEventListener("mousedown", function (event) {
    event.preventDefault();
    container.focus({preventScroll: true});
  }, true);
})(%s);
"""

# When the basemap's tiles cannot be loaded (no tile server on an intranet, the configured
# one down), the map says so in one line, and drops the tile server's credit: without it, a
# grey field with an OpenStreetMap credit says nothing. A tile that loads later takes the line
# away. With no basemap at all, the line says that instead. The message comes escaped.
_BASEMAP_NOTICE_JS = """
(function (map, tiles, message) {
  var notice = null, loaded = false;
  var credit = tiles && tiles.getAttribution ? tiles.getAttribution() : null;
  function show() {
    if (notice) { return; }
    notice = L.control({position: "bottomleft"});
    notice.onAdd = function () {
      var line = L.DomUtil.create("div", "%(css_class)s");
      line.setAttribute("role", "status");
      line.innerHTML = message;
      return line;
    };
    notice.addTo(map);
    if (credit && map.attributionControl) { map.attributionControl.removeAttribution(credit); }
  }
  function hide() {
    if (!notice) { return; }
    map.removeControl(notice);
    notice = null;
    if (credit && map.attributionControl) { map.attributionControl.addAttribution(credit); }
  }
  if (!tiles) { show(); return; }
  tiles.on("tileload", function () { loaded = true; hide(); });
  tiles.on("tileerror", function () { if (!loaded) { show(); } });
})(%(map)s, %(tiles)s, %(message)s);
"""
NOTICE_CLASS = "basemap-notice"
# The notice; the layer switches in the page's small type; the credits (a layer's source may
# be long) kept clear of the scale bar on a phone.
_CONTROLS_CSS = (
    "<style>"
    f".{NOTICE_CLASS} {{ background: rgba(255, 255, 255, 0.95); color: #8a1c1c;"
    " padding: 4px 8px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.35);"
    " font: 13px/1.35 sans-serif; max-width: calc(100vw - 24px); }"
    ".leaflet-control-layers { font: 13px/1.4 sans-serif; }"
    ".leaflet-control-attribution { font-size: 11px; max-width: calc(100vw - 130px); }"
    "</style>"
)
# Reference layers have a pane of their own under Leaflet's overlay pane (z-index 400),
# where the clusters are drawn: boundaries never cover a cluster.
REFERENCE_PANE = "reference"
REFERENCE_PANE_Z_INDEX = 350

_MARKER_CLUSTER_OPTIONS = {
    "showCoverageOnHover": False,
    "spiderfyOnMaxZoom": True,
    "maxClusterRadius": 40,
}


@dataclass(frozen=True)
class Basemap:
    """A tile layer: URL template and attribution; ``url`` None means no basemap at all."""

    url: str | None
    attribution: str = ""
    name: str = "none"

    @property
    def is_none(self) -> bool:
        return self.url is None


NO_BASEMAP = Basemap(None)
OSM = Basemap(OSM_TILES, OSM_ATTRIBUTION, "OpenStreetMap")


def basemap_from_env(environ: Mapping[str, str] | None = None) -> Basemap:
    """``CLUSTERS_TILES``: a tile URL template, ``none``, or unset for OpenStreetMap."""
    env = os.environ if environ is None else environ
    value = env.get("CLUSTERS_TILES", "").strip()
    if not value:
        return OSM
    if value.lower() == "none":
        return NO_BASEMAP
    host = urlsplit(value).hostname or value
    attribution = env.get("CLUSTERS_TILES_ATTRIBUTION", "").strip() or host
    return Basemap(value, attribution, host)


@dataclass(frozen=True)
class ReferenceLayer:
    """An overlay drawn under the clusters (a file the deployment configured, or a layer an
    admin uploaded), simplified for display, its labels escaped."""

    name: str
    features: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    source: str = ""  # where it comes from and its licence, credited while it is shown


def reference_layer_paths(environ: Mapping[str, str] | None = None) -> list[Path]:
    """``CLUSTERS_REFERENCE_LAYERS``: file paths separated by ``;``."""
    env = os.environ if environ is None else environ
    raw = env.get("CLUSTERS_REFERENCE_LAYERS", "")
    return [Path(p.strip()).expanduser() for p in raw.split(";") if p.strip()]


_LABEL_COLUMNS = ("name", "full_name", "ten", "NAME", "Name", "label")


def labelled_features(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """A layer's features as GeoJSON in WGS84, each with its name (``label``) as the file
    gives it, or empty; features without a geometry are left out."""
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(geo.WGS84)
    label_column = next((c for c in _LABEL_COLUMNS if c in frame.columns), None)
    features = []
    for i, geom in enumerate(frame.geometry):
        if geom is None or geom.is_empty:
            continue
        label = frame[label_column].iloc[i] if label_column else None
        features.append(
            {
                "type": "Feature",
                "geometry": geometry_mapping(geom),
                "properties": {"label": "" if label is None or pd.isna(label) else str(label)},
            }
        )
    return features


def overlay(
    name: str,
    features: Iterable[Mapping[str, Any]],
    tolerance_m: float = 10.0,
    source: str = "",
) -> ReferenceLayer:
    """A layer as drawn: each geometry simplified for display, each label escaped."""
    drawn = []
    for f in features:
        geom = geo.simplify_for_display(shapely.geometry.shape(f["geometry"]), tolerance_m)
        label = f.get("properties", {}).get("label") or ""
        drawn.append(
            {
                "type": "Feature",
                "geometry": geometry_mapping(geom),
                "properties": {"label": escape(label)},
            }
        )
    return ReferenceLayer(name, tuple(drawn), source)


def load_reference_layer(path: Path, tolerance_m: float = 10.0) -> ReferenceLayer:
    """Read a vector file (GeoJSON, GeoPackage, Shapefile …) as a display overlay."""
    if not path.is_file():
        raise ClusterError(
            f"Không có tệp lớp tham chiếu «{path}».", f"No reference layer file '{path}'."
        )
    try:
        frame = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ClusterError(
            f"Không đọc được lớp tham chiếu «{path}»: {exc}",
            f"Cannot read the reference layer '{path}': {exc}",
        ) from exc
    return overlay(path.stem.replace("_", " "), labelled_features(frame), tolerance_m)


class _FocusWithoutScrolling(MacroElement):
    """The script of ``_FOCUS_WITHOUT_SCROLLING_JS``, run with the map it belongs to."""

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this.script(this._parent.get_name()) }}{% endmacro %}"
    )

    def script(self, map_name: str) -> str:
        return _FOCUS_WITHOUT_SCROLLING_JS % map_name


class _BasemapNotice(MacroElement):
    """The script of ``_BASEMAP_NOTICE_JS``, for the map and its tile layer (or none)."""

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this.script(this._parent.get_name()) }}{% endmacro %}"
    )

    def __init__(self, tiles: folium.TileLayer | None, message: str) -> None:
        super().__init__()
        self.tiles = tiles
        self.message = message

    def script(self, map_name: str) -> str:
        return _BASEMAP_NOTICE_JS % {
            "map": map_name,
            "tiles": self.tiles.get_name() if self.tiles is not None else "null",
            "message": json.dumps(escape(self.message), ensure_ascii=False),
            "css_class": NOTICE_CLASS,
        }


def basemap_notice(basemap: Basemap, lang: str = i18n.DEFAULT_LANG) -> str:
    """The line the map shows when its basemap cannot be loaded (or when there is none)."""
    if basemap.url is None:
        return i18n.t("map.tiles_none", lang)
    return i18n.t("map.tiles_failed", lang, server=basemap.name)


def _offline(m: folium.Map) -> folium.Map:
    # Instance attributes: the class-level lists are shared by every map in the process.
    m.default_js = static_assets.script_urls()
    m.default_css = static_assets.style_urls()
    return m


def base_map(
    basemap: Basemap = OSM,
    reference_layers: Sequence[ReferenceLayer] = (),
    lang: str = i18n.DEFAULT_LANG,
) -> folium.Map:
    """The part of the map that stays the same across reruns."""
    m = _offline(
        folium.Map(
            location=HANOI_CENTER,
            zoom_start=DEFAULT_ZOOM,
            tiles=None,
            maxZoom=MAX_ZOOM,  # a map option: markercluster needs it when tiles=None
            control_scale=True,
        )
    )
    figure = m.get_root()
    assert isinstance(figure, folium.Figure)
    figure.header.add_child(folium.Element(_GROUP_CSS), name="cluster_group_css")
    figure.header.add_child(folium.Element(_CONTROLS_CSS), name="map_controls_css")
    _FocusWithoutScrolling().add_to(m)
    tiles = None
    if basemap.url is not None:
        tiles = folium.TileLayer(
            tiles=basemap.url,
            attr=escape(basemap.attribution),
            name=escape(basemap.name),
            max_zoom=MAX_ZOOM,
            max_native_zoom=min(MAX_ZOOM, 19),
        )
        tiles.add_to(m)
    _BasemapNotice(tiles, basemap_notice(basemap, lang)).add_to(m)
    if reference_layers:
        folium.map.CustomPane(
            REFERENCE_PANE, z_index=REFERENCE_PANE_Z_INDEX, pointer_events=True
        ).add_to(m)
    for layer in reference_layers:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": list(layer.features)},
            name=escape(layer.name),
            on_each_feature=_REFERENCE_TOOLTIP_JS,
            className=REFERENCE_CLASS,
            pane=REFERENCE_PANE,
            attribution=escape(layer.source) or None,
            color="#555555",
            weight=1,
            opacity=0.7,
            fill=False,
        ).add_to(m)
    if reference_layers:
        folium.LayerControl(collapsed=False).add_to(m)
    return m


def cluster_style(c: Cluster) -> dict[str, Any]:
    """Colour from the stage table; approximate locations hollow with a dashed outline."""
    colour = stages.stage(c.stage).colour
    is_point = c.geometry is None or c.geometry.geom_type == "Point"
    style: dict[str, Any] = {
        "color": colour,
        "fillColor": colour,
        "fill": True,
        "weight": 2,
        "opacity": 1.0,
    }
    if c.is_approximate:
        style.update(fillOpacity=0.15, dashArray="4 3", weight=2.5)
    elif is_point:
        style.update(color="#222222", fillOpacity=0.9, weight=1.5)
    else:
        style.update(fillOpacity=0.35)
    return style


def tooltip_html(c: Cluster, lang: str = i18n.DEFAULT_LANG) -> str:
    """Name, stage and area; every user string escaped."""
    area = i18n.area(c.area_ha, lang) if c.area_ha is not None else None
    lines = [
        f"<b>{escape(c.name)}</b>",
        escape(stages.stage(c.stage).label(lang))
        + " · "
        + escape(area or i18n.t("map.tooltip_area_unknown", lang)),
    ]
    if c.is_approximate:
        precision = i18n.value_label("precision", c.location_precision, lang)
        lines.append(
            f"<i>{escape(i18n.t('map.tooltip_approximate', lang, precision=precision))}</i>"
        )
    return "<br>".join(lines)


def cluster_feature(c: Cluster, lang: str = i18n.DEFAULT_LANG) -> dict[str, Any] | None:
    """The GeoJSON feature drawn for one cluster; None when it has no location."""
    if c.geometry is None or c.geometry.is_empty:
        return None
    geom = c.geometry
    if geom.geom_type == "Point":
        geom = shapely.set_precision(geom, 1e-6)
    else:
        geom = geo.simplify_for_display(geom)
    return {
        "type": "Feature",
        "id": c.id,
        "geometry": geometry_mapping(geom),
        "properties": {
            "cluster_id": c.id,
            "stage": c.stage,
            "approximate": c.is_approximate,
            "tooltip": tooltip_html(c, lang),
            "style": cluster_style(c),
        },
    }


def cluster_features(
    clusters: Iterable[Cluster], lang: str = i18n.DEFAULT_LANG
) -> list[dict[str, Any]]:
    return [f for c in clusters if (f := cluster_feature(c, lang)) is not None]


def _collection(features: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def cluster_layer(
    features: Sequence[dict[str, Any]], *, group_markers: bool = True
) -> folium.FeatureGroup:
    """The clusters as one feature group: polygons, and markers grouped where dense.

    Markers sharing a place (many seed clusters share a commune's label point) are grouped
    by Leaflet.markercluster and spread out ("spiderfied") on click, so each stays reachable.
    """
    group = folium.FeatureGroup(name="clusters", control=False)
    polygons = [f for f in features if f["geometry"]["type"] != "Point"]
    points = [f for f in features if f["geometry"]["type"] == "Point"]
    if polygons:
        folium.GeoJson(
            _collection(polygons), on_each_feature=_TOOLTIP_JS, className=CLUSTER_CLASS
        ).add_to(group)
    if points:
        target: folium.FeatureGroup | MarkerCluster = group
        if group_markers:
            target = MarkerCluster(
                options=_MARKER_CLUSTER_OPTIONS, icon_create_function=_GROUP_ICON_JS
            )
            target.default_js = []  # served by the map's own offline links
            target.default_css = []
            target.add_to(group)
        folium.GeoJson(
            _collection(points),
            marker=folium.CircleMarker(radius=8, className=CLUSTER_CLASS),
            on_each_feature=_TOOLTIP_JS,
        ).add_to(target)
    return group


def build_map(
    clusters: Iterable[Cluster],
    lang: str = i18n.DEFAULT_LANG,
    basemap: Basemap = OSM,
    reference_layers: Sequence[ReferenceLayer] = (),
) -> folium.Map:
    """A complete standalone map (base map plus clusters), for files and benchmarks."""
    m = base_map(basemap, reference_layers, lang)
    cluster_layer(cluster_features(clusters, lang)).add_to(m)
    return m


def clicked_cluster_id(value: Mapping[str, Any] | None) -> int | None:
    """The cluster a map click designates, from the value ``st_folium`` returns."""
    if not value:
        return None
    feature = value.get("last_active_drawing")
    if not isinstance(feature, Mapping):
        return None
    properties = feature.get("properties")
    if not isinstance(properties, Mapping):
        return None
    cluster_id = properties.get("cluster_id")
    if isinstance(cluster_id, bool) or not isinstance(cluster_id, int | float | str):
        return None
    try:
        return int(cluster_id)
    except ValueError:
        return None


Bounds = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat


def bounds_of(clusters: Iterable[Cluster]) -> Bounds | None:
    boxes = [c.geometry.bounds for c in clusters if c.geometry is not None]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _mercator_y(lat: float) -> float:
    rad = math.radians(max(min(lat, 85.0), -85.0))
    return math.log(math.tan(math.pi / 4 + rad / 2)) / (2 * math.pi)


def fit_view(
    bounds: Bounds,
    width_px: int = GUESSED_WIDTH_PX,
    height_px: int = 600,
    padding_px: int = 40,
) -> tuple[tuple[float, float], int]:
    """Centre (lat, lon) and the largest zoom at which ``bounds`` fit a map of that size.

    Pass the map's real size (``map_size``) whenever it is known: a guessed width fits a
    desktop window and cuts off the edges on a phone.
    """
    min_lon, min_lat, max_lon, max_lat = bounds
    center = ((min_lat + max_lat) / 2, (min_lon + max_lon) / 2)
    dx = (max_lon - min_lon) / 360.0
    dy = _mercator_y(max_lat) - _mercator_y(min_lat)
    usable_w = max(width_px - 2 * padding_px, 1)
    usable_h = max(height_px - 2 * padding_px, 1)
    zooms = [FIT_MAX_ZOOM]
    if dx > 0:
        zooms.append(math.floor(math.log2(usable_w / (256 * dx))))
    if dy > 0:
        zooms.append(math.floor(math.log2(usable_h / (256 * dy))))
    return center, max(1, min(zooms))


def map_size(value: Mapping[str, Any] | None) -> tuple[int, int] | None:
    """The map's (width, height) in pixels, from the view ``st_folium`` returns.

    At zoom z the world is 256·2^z pixels wide: the bounds' longitude span gives the width,
    their Web Mercator latitude span the height. None until the map has reported its view.
    """
    if not value:
        return None
    try:
        south_west = value["bounds"]["_southWest"]
        north_east = value["bounds"]["_northEast"]
        west, south = float(south_west["lng"]), float(south_west["lat"])
        east, north = float(north_east["lng"]), float(north_east["lat"])
        world_px = 256 * 2 ** float(value["zoom"])
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    width = (east - west) / 360 * world_px
    height = (_mercator_y(north) - _mercator_y(south)) * world_px
    if not (1 <= width < 100_000 and 1 <= height < 100_000):
        return None
    return round(width), round(height)

"""The folium map of the clusters: the one module outside the UI that imports folium.

The map comes in two parts so the app can update it without remounting (no flicker): a base
map that stays identical across reruns (basemap tiles, reference layers) and a layer of
clusters passed to ``st_folium(feature_group_to_add=...)``. Everything the browser loads comes
from the app's own static files; every user string goes through ``escaping.escape``.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
import shapely.geometry
from branca.element import MacroElement
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
CLUSTER_CLASS = "cluster-feature"  # CSS class of every drawn cluster (polygon or marker)
REFERENCE_CLASS = "reference-feature"
POINT_RADIUS = 8  # pixels, a cluster drawn as a point
CANVAS_ABOVE = 1_000  # clusters; beyond, the map draws on a canvas (``use_canvas``)
PREVIEW_MAX = 5_000  # clusters the import's preview map draws at most (carried inside it)
# Beyond this many clusters the map loads them by tile (``use_tiles``, ``ClusterTiles``).
TILED_ABOVE = 20_000
# The zoom of those tiles, and from which the map shows the clusters themselves; below it,
# how many clusters each part of the view holds.
DETAIL_ZOOM = 14
COUNT_CELL_PX = 80  # the side of the square of the view one count stands for
TILES_KEPT = 4_096  # tiles a revision's ``ClusterTiles`` keeps made, the last asked for
# The map event that reruns the app: a click on a cluster. Moving the map reruns nothing (the
# browser fits the view itself, at the map's real size: ``filter_layer(fit=...)``).
RETURNED_OBJECTS = ["last_active_drawing"]
FIT_PADDING_PX = 40

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"

_REFERENCE_TOOLTIP_JS = JsCode(
    "function(feature, layer) {"
    " if (feature.properties.label) { layer.bindTooltip(feature.properties.label); } }"
)
# Groups of markers (clusters/ui/cluster_layer.js) drawn in a neutral colour, so they are
# not read as a stage.
_GROUP_CSS = (
    "<style>"
    ".cluster-group { background: rgba(55, 71, 79, 0.3); border-radius: 50%; }"
    ".cluster-group span { display: block; margin: 4px; width: 26px; height: 26px;"
    " border-radius: 50%; background: #37474f; color: #fff;"
    " font: bold 12px/26px sans-serif; text-align: center; }"
    ".cluster-count { position: absolute; left: 0; top: 0; width: 34px; height: 34px;"
    " cursor: pointer; }"
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
    # The legs of a spread-out group end on each marker: they must not take its click.
    "spiderLegPolylineOptions": {
        "weight": 1.5,
        "color": "#222",
        "opacity": 0.5,
        "interactive": False,
    },
}


Bounds = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat


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


def _style(stage_code: str, *, approximate: bool, point: bool) -> dict[str, Any]:
    colour = stages.stage(stage_code).colour
    style: dict[str, Any] = {
        "color": colour,
        "fillColor": colour,
        "fill": True,
        "weight": 2,
        "opacity": 1.0,
    }
    if approximate:
        style.update(fillOpacity=0.15, dashArray="4 3", weight=2.5)
    elif point:
        style.update(color="#222222", fillOpacity=0.9, weight=1.5)
    else:
        style.update(fillOpacity=0.35)
    return style


def _is_point(c: Cluster) -> bool:
    return c.geometry is None or c.geometry.geom_type == "Point"


def cluster_style(c: Cluster) -> dict[str, Any]:
    """Colour from the stage table; approximate locations hollow with a dashed outline."""
    return _style(c.stage, approximate=c.is_approximate, point=_is_point(c))


def _style_key(stage_code: str, *, approximate: bool, point: bool) -> str:
    return f"{stage_code}:{'approximate' if approximate else 'point' if point else 'area'}"


def style_key(c: Cluster) -> str:
    """The key of ``c``'s style in ``style_table()``."""
    return _style_key(c.stage, approximate=c.is_approximate, point=_is_point(c))


def style_table() -> dict[str, dict[str, Any]]:
    """Every style a cluster can be drawn in, by the key its feature names (``style``)."""
    return {
        _style_key(s.code, approximate=a, point=p): _style(s.code, approximate=a, point=p)
        for s in stages.STAGES
        for a, p in ((True, True), (False, True), (False, False))
    }


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


@dataclass(frozen=True)
class ClusterData:
    """The clusters as the map's script loads them, and ``key``, which names the registry
    revision and language they were made for. ``ids`` holds the cluster at each position (a
    filter's mask refers to positions; clusters are in id order).

    ``body`` (UTF-8, and ``gzipped``) is one compact GeoJSON of every cluster; or, for a big
    registry (``tiles`` set), the overview: where each cluster is and how it is styled, as
    ``overview`` writes it, the clusters themselves coming by tile from ``tiles``.
    """

    key: str
    ids: tuple[int, ...]
    body: bytes
    gzipped: bytes
    tiles: ClusterTiles | None = field(default=None, compare=False, repr=False)

    @cached_property
    def positions(self) -> dict[int, int]:
        """The position of each cluster id, made once."""
        return {cluster_id: i for i, cluster_id in enumerate(self.ids)}

    def mask(self, chosen: Iterable[int]) -> str | None:
        """Which features ``chosen`` (cluster ids) keeps, as the script reads it: a bitset over
        the positions, lowest bit first, base64; None when it keeps them all."""
        where = self.positions
        bits = bytearray((len(self.ids) + 7) // 8)
        count = 0
        for cluster_id in chosen:
            i = where.get(cluster_id)
            if i is not None and not bits[i >> 3] & (1 << (i & 7)):
                bits[i >> 3] |= 1 << (i & 7)
                count += 1
        if count == len(self.ids):
            return None
        return base64.b64encode(bytes(bits)).decode("ascii")


def _features(located: Sequence[Cluster], lang: str, positions: Sequence[int] | None) -> list[str]:
    """Each cluster as one GeoJSON feature: its display geometry (simplified and rounded to
    about a metre, all at once), its id, its style key, its escaped tooltip and, for a tile,
    its position (``p``), which the filter's mask refers to."""
    geometries = geo.display_geometries([c.geometry for c in located])
    texts = shapely.to_geojson(geometries) if located else []
    parts = []
    for n, (c, geometry) in enumerate(zip(located, texts, strict=True)):
        properties: dict[str, Any] = {
            "cluster_id": c.id,
            "style": style_key(c),
            "tooltip": tooltip_html(c, lang),
        }
        if positions is not None:
            properties["p"] = int(positions[n])
        parts.append(
            f'{{"type":"Feature","id":{c.id},"geometry":{geometry},"properties":'
            f"{json.dumps(properties, ensure_ascii=False, separators=(',', ':'))}}}"
        )
    return parts


def _collection(parts: Sequence[str]) -> bytes:
    return ('{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}").encode()


def tile_bounds(x: int, y: int, zoom: int = DETAIL_ZOOM) -> Bounds:
    """(west, south, east, north) of the web-map tile ``x``, ``y`` at ``zoom``."""
    n = 2**zoom

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return (x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y))


class ClusterTiles:
    """A big registry's clusters by web-map tile at ``DETAIL_ZOOM``: the clusters whose
    geometry meets the tile, as features with their positions, found through one spatial
    index (an STRtree over the revision's clusters) and made when first asked for; the last
    ``TILES_KEPT`` are kept, as GeoJSON and its gzip."""

    def __init__(self, located: Sequence[Cluster], lang: str) -> None:
        self._located = tuple(located)
        self._lang = lang
        self._tree = shapely.STRtree([c.geometry for c in self._located])
        self._lock = threading.Lock()
        self._made: OrderedDict[tuple[int, int], tuple[bytes, bytes]] = OrderedDict()

    def tile(self, x: int, y: int) -> tuple[bytes, bytes] | None:
        """(GeoJSON, gzipped) of tile ``x``, ``y``; None if there is no such tile."""
        if not (0 <= x < 2**DETAIL_ZOOM and 0 <= y < 2**DETAIL_ZOOM):
            return None
        with self._lock:
            made = self._made.get((x, y))
            if made is not None:
                self._made.move_to_end((x, y))
                return made
        box = shapely.box(*tile_bounds(x, y))
        hits = sorted(int(i) for i in self._tree.query(box, predicate="intersects"))
        body = _collection(_features([self._located[i] for i in hits], self._lang, hits))
        made = (body, gzip.compress(body, 6))
        with self._lock:
            self._made[(x, y)] = made
            while len(self._made) > TILES_KEPT:
                self._made.popitem(last=False)
        return made


def overview(located: Sequence[Cluster]) -> bytes:
    """Where each cluster is and how it is drawn, in position order, for the counts a big
    registry's map shows below ``DETAIL_ZOOM``: little-endian int32 longitudes × 10⁵, then
    int32 latitudes × 10⁵ (a point on the cluster: its point, or one inside its area), then
    one byte each, the index of its style in ``style_table()``."""
    geometries = np.array([c.geometry for c in located], dtype=object)
    points = shapely.get_type_id(geometries) == shapely.GeometryType.POINT
    places = geometries.copy()
    if (~points).any():
        places[~points] = shapely.point_on_surface(geometries[~points])
    xy = shapely.get_coordinates(places) if len(located) else np.zeros((0, 2))
    order = {k: i for i, k in enumerate(style_table())}
    styles = np.array([order[style_key(c)] for c in located], dtype=np.uint8)
    scaled = np.rint(xy * 1e5).astype("<i4")
    return scaled[:, 0].tobytes() + scaled[:, 1].tobytes() + styles.tobytes()


def cluster_data(
    clusters: Iterable[Cluster],
    lang: str = i18n.DEFAULT_LANG,
    key: str = "",
    *,
    tiled: bool = False,
) -> ClusterData:
    """Every located cluster, in id order: all of them as features in one GeoJSON, or, when
    ``tiled``, the overview and the tiles."""
    located = sorted(
        (c for c in clusters if c.id is not None and c.geometry is not None),
        key=lambda c: c.id or 0,
    )
    located = [c for c in located if not c.geometry.is_empty]  # type: ignore[union-attr]
    ids = tuple(c.id for c in located if c.id is not None)
    if tiled:
        body = overview(located)
        return ClusterData(key, ids, body, gzip.compress(body, 6), ClusterTiles(located, lang))
    body = _collection(_features(located, lang, None))
    return ClusterData(key, ids, body, gzip.compress(body, 6))


def _above(name: str, default: int, count: int, environ: Mapping[str, str] | None) -> bool:
    env = os.environ if environ is None else environ
    try:
        above = int(env.get(name, "") or default)
    except ValueError:
        above = default
    return count > above


def use_tiles(count: int, environ: Mapping[str, str] | None = None) -> bool:
    """Load the clusters by tile beyond ``CLUSTERS_MAP_TILED_ABOVE`` clusters (default
    20,000): below ``DETAIL_ZOOM`` the map shows counts, from there the clusters of the
    tiles in view; one file of them all would be too big to send and to draw."""
    return _above("CLUSTERS_MAP_TILED_ABOVE", TILED_ABOVE, count, environ)


def use_canvas(count: int, environ: Mapping[str, str] | None = None) -> bool:
    """Draw on one canvas rather than an SVG path each beyond ``CLUSTERS_MAP_CANVAS_ABOVE``
    clusters (default 1,000): thousands of SVG paths are slow to draw and to pan."""
    return _above("CLUSTERS_MAP_CANVAS_ABOVE", CANVAS_ABOVE, count, environ)


def _script_json(value: Any) -> str:
    """JSON to place inside a <script>: no "</" can end the script early."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


class _ClusterLayer(MacroElement):
    """``ClusterLayer.attach`` (clusters/ui/cluster_layer.js) for the map: the clusters from
    ``url``, or the ``data`` itself when there is no URL to load them from."""

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this.script(this._parent.get_name()) }}{% endmacro %}"
    )

    def __init__(self, config: dict[str, Any], data: bytes | None) -> None:
        super().__init__()
        self.config = config
        self.data = data

    def script(self, map_name: str) -> str:
        config = _script_json(self.config)
        if self.data is not None:
            inline = self.data.decode().replace("</", "<\\/")
            config = config[:-1] + ',"data":' + inline + "}"
        return f"ClusterLayer.attach({map_name}, {config});"


def add_clusters(
    m: folium.Map,
    data: ClusterData,
    lang: str = i18n.DEFAULT_LANG,
    *,
    url: str | None = None,
    tile_url: str | None = None,
    canvas: bool = False,
    group_markers: bool = True,
) -> folium.Map:
    """Put the clusters on the base map: loaded from ``url`` (the app's data route) or, with
    no URL, written into the map itself. Markers sharing a place (many seed clusters share a
    commune's label point) are grouped by Leaflet.markercluster and spread out
    ("spiderfied") on click, so each stays reachable.

    Tiled data (``data.tiles``) needs both addresses: ``url`` for its overview and
    ``tile_url`` for its tiles, with ``{x}`` and ``{y}`` where the tile's numbers go."""
    config: dict[str, Any] = {
        "key": data.key,
        "url": url,
        "styles": style_table(),
        "className": CLUSTER_CLASS,
        "pointRadius": POINT_RADIUS,
        "canvas": canvas,
        "groupPoints": group_markers,
        "groupOptions": _MARKER_CLUSTER_OPTIONS,
        "noticeClass": NOTICE_CLASS,
        "fitPadding": FIT_PADDING_PX,
        "fitMaxZoom": FIT_MAX_ZOOM,
        "failed": i18n.t("map.clusters_failed", lang),
        "loading": i18n.t("map.loading", lang),
    }
    if data.tiles is not None:
        if not url or not tile_url:
            raise ValueError("tiled map data is loaded from the data route: give both URLs")
        config["tiled"] = {
            "tileUrl": tile_url,
            "zoom": DETAIL_ZOOM,
            "count": len(data.ids),
            "cell": COUNT_CELL_PX,
            "styleKeys": list(style_table()),
            "countTitle": i18n.t("map.count_title", lang, n="{n}"),
        }
    _ClusterLayer(config, None if url else data.body).add_to(m)
    return m


@dataclass(frozen=True)
class Fit:
    """A request to frame ``bounds``; ``request`` numbers it, so the browser fits once per
    request however many reruns send it again."""

    bounds: Bounds
    request: int


class _Show(MacroElement):
    _template = Template("{% macro script(this, kwargs) %}{{ this.script() }}{% endmacro %}")

    def __init__(self, key: str, mask: str | None, fit: Fit | None) -> None:
        super().__init__()
        self.key = key
        self.mask = mask
        self.fit = fit

    def script(self) -> str:
        script = f"ClusterLayer.show({_script_json(self.key)}, {_script_json(self.mask)});"
        if self.fit is not None:
            west, south, east, north = self.fit.bounds
            box = [[south, west], [north, east]]
            script += f" ClusterLayer.fit({_script_json(box)}, {int(self.fit.request)});"
        return script


def filter_layer(
    data: ClusterData, mask: str | None, fit: Fit | None = None
) -> folium.FeatureGroup:
    """What each rerun sends the map (``st_folium(feature_group_to_add=...)``): which clusters
    the filter keeps, a few bytes, and the last request to fit the view; the map redraws and
    fits in the browser."""
    group = folium.FeatureGroup(name="clusters", control=False)
    _Show(data.key, mask, fit).add_to(group)
    return group


def build_map(
    clusters: Iterable[Cluster],
    lang: str = i18n.DEFAULT_LANG,
    basemap: Basemap = OSM,
    reference_layers: Sequence[ReferenceLayer] = (),
) -> folium.Map:
    """A complete standalone map (base map plus clusters), for files and benchmarks."""
    data = cluster_data(clusters, lang)
    m = base_map(basemap, reference_layers, lang)
    return add_clusters(m, data, lang, canvas=use_canvas(len(data.ids)))


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

"""The map builder: one feature per cluster, stage colours, escaping, nothing from a CDN."""

import gzip
import json
import re

import folium
import pytest

from clusters import mapping, seed, stages
from clusters.errors import ClusterError
from tests.builders import cluster, square
from tests.map_view import attach_config, decode_mask, fit_call, show_call

HOSTILE_NAMES = ["<img src=x onerror=alert(1)>", "${alert(1)}", "`${1+1}`\\"]
_SRC = re.compile(r"""<script[^>]*\bsrc=["']([^"']+)["']""", re.I)
_HREF = re.compile(r"""<link[^>]*\bhref=["']([^"']+)["']""", re.I)
_UNICODE = re.compile(r"\\u([0-9a-fA-F]{4})")


def seed_clusters():
    return [c.replace(id=i) for i, (c, _) in enumerate(seed.read_seed(), start=1)]


def render(m: folium.Map) -> str:
    return m.get_root().render()


def decoded(text: str) -> str:
    """The page as the browser's JavaScript sees string literals (JSON escapes undone)."""
    return _UNICODE.sub(lambda m: chr(int(m.group(1), 16)), text)


def elements(node):
    yield node
    for child in node._children.values():
        yield from elements(child)


def features_of(data: mapping.ClusterData) -> list[dict]:
    return json.loads(data.body)["features"]


def test_one_feature_per_cluster_polygons_and_points():
    clusters = [*seed_clusters(), cluster(id=500, geometry=square(), location_precision="surveyed")]
    data = mapping.cluster_data(clusters)
    features = features_of(data)
    assert len(features) == len(clusters) == len(data.ids)
    assert [f["properties"]["cluster_id"] for f in features] == sorted(c.id for c in clusters)
    assert list(data.ids) == sorted(c.id for c in clusters)
    assert [f["geometry"]["type"] for f in features].count("Polygon") == 1
    assert json.loads(gzip.decompress(data.gzipped)) == json.loads(data.body)
    html = render(mapping.build_map(clusters, basemap=mapping.NO_BASEMAP))
    assert attach_config(html)["data"]["features"] == features


def test_cluster_without_location_is_not_drawn():
    assert mapping.cluster_data([cluster(id=1, geometry=None)]).ids == ()


def test_every_feature_names_a_style_of_the_table():
    table = mapping.style_table()
    for f in features_of(mapping.cluster_data(seed_clusters())):
        c = next(c for c in seed_clusters() if c.id == f["properties"]["cluster_id"])
        assert table[f["properties"]["style"]] == mapping.cluster_style(c)


def test_a_mask_keeps_exactly_the_chosen_clusters():
    clusters = seed_clusters()
    data = mapping.cluster_data(clusters)
    assert data.mask(c.id for c in clusters) is None  # all of them: nothing to send
    chosen = {c.id for c in clusters if c.stage == "operating"}
    kept = decode_mask(data.mask(chosen), len(data.ids))
    assert {i for i, keep in zip(data.ids, kept, strict=True) if keep} == chosen
    assert not any(decode_mask(data.mask([]), len(data.ids)))
    assert data.mask([99999, *chosen]) == data.mask(chosen)  # an id not drawn is ignored


def test_the_filter_layer_carries_only_the_mask():
    data = mapping.cluster_data(seed_clusters())
    m = mapping.base_map(mapping.NO_BASEMAP)
    group = mapping.filter_layer(data, data.mask([1, 2]))
    page = render(m.add_child(group))
    key, mask = show_call(page)
    assert key == data.key and decode_mask(mask, len(data.ids))[:3] == [True, True, False]
    assert "cluster_id" not in page


def test_canvas_beyond_a_thousand_clusters_or_as_configured():
    assert not mapping.use_canvas(1000, {})
    assert mapping.use_canvas(1001, {})
    assert mapping.use_canvas(1, {"CLUSTERS_MAP_CANVAS_ABOVE": "0"})
    assert not mapping.use_canvas(5000, {"CLUSTERS_MAP_CANVAS_ABOVE": "10000"})
    assert mapping.use_canvas(1001, {"CLUSTERS_MAP_CANVAS_ABOVE": "many"})


def test_the_map_loads_its_clusters_from_the_url_when_given():
    data = mapping.cluster_data(seed_clusters(), key="7-vi")
    m = mapping.base_map(mapping.NO_BASEMAP)
    mapping.add_clusters(m, data, url="../../_clusters/map/7-vi.json", canvas=True)
    config = attach_config(render(m))
    assert config["url"] == "../../_clusters/map/7-vi.json" and config["key"] == "7-vi"
    assert "data" not in config and config["canvas"] is True


@pytest.mark.parametrize("code", stages.STAGE_CODES)
def test_colour_comes_from_the_stage_table(code):
    for precision in ("surveyed", "commune"):
        style = mapping.cluster_style(cluster(stage=code, location_precision=precision))
        assert style["fillColor"] == stages.stage(code).colour
    polygon = mapping.cluster_style(
        cluster(stage=code, geometry=square(), location_precision="surveyed")
    )
    assert polygon["color"] == stages.stage(code).colour


def test_approximate_location_looks_and_reads_approximate():
    approx = cluster(id=1, location_precision="district")
    exact = cluster(id=2, location_precision="surveyed")
    assert "dashArray" in mapping.cluster_style(approx)
    assert mapping.cluster_style(approx)["fillOpacity"] < 0.5
    assert "dashArray" not in mapping.cluster_style(exact)
    assert mapping.cluster_style(exact)["fillOpacity"] > 0.5
    assert "Approximate location" in mapping.tooltip_html(approx, "en")
    assert "gần đúng" in mapping.tooltip_html(approx, "vi")
    assert "Approximate" not in mapping.tooltip_html(exact, "en")


def test_tooltip_in_each_language():
    c = cluster(name="CCN Liên Phương", stage="operating", area_ha=18.8)
    assert "Đang hoạt động · 18,8 ha" in mapping.tooltip_html(c, "vi")
    assert "Operating · 18.8 ha" in mapping.tooltip_html(c, "en")


@pytest.mark.parametrize("name", [*HOSTILE_NAMES, "</script><script>alert(1)</script>"])
def test_hostile_names_reach_the_page_as_text(name):
    c = cluster(id=9, name=name, investor=name, district_2019=name)
    (feature,) = features_of(mapping.cluster_data([c]))
    tooltip = feature["properties"]["tooltip"]
    assert "<img" not in tooltip and "${" not in tooltip and "`" not in tooltip
    assert "<script" not in tooltip and "\\" not in tooltip
    page = decoded(render(mapping.build_map([c], basemap=mapping.NO_BASEMAP)))
    assert name not in page
    assert "<img src=x" not in page
    assert "${alert" not in page
    assert "</script><script>alert" not in page


def test_no_script_or_stylesheet_from_the_internet():
    m = mapping.base_map(mapping.OSM)
    mapping.add_clusters(m, mapping.cluster_data(seed_clusters()))
    page = render(m)
    links = _SRC.findall(page) + _HREF.findall(page)
    assert links, "the page links no asset: the check is looking at the wrong thing"
    assert [u for u in links if "://" in u or u.startswith("//")] == []
    # streamlit-folium gathers every element's default_js/default_css into the iframe.
    gathered = [
        url
        for element in elements(m)
        for _, url in [*getattr(element, "default_js", []), *getattr(element, "default_css", [])]
    ]
    assert any(u.endswith("leaflet.js") for u in gathered)
    assert any(u.endswith("leaflet.markercluster.js") for u in gathered)
    assert any("/clusters/cluster_layer.js?v=" in u for u in gathered)
    assert [u for u in gathered if "://" in u or u.startswith("//")] == []
    assert all(u.startswith("../../app/static/vendor/") for u in gathered)


def test_default_folium_maps_are_left_alone():
    mapping.base_map(mapping.NO_BASEMAP)
    assert any("://" in url for _, url in folium.Map.default_js)


def test_basemap_from_environment():
    assert mapping.basemap_from_env({}) == mapping.OSM
    assert mapping.basemap_from_env({"CLUSTERS_TILES": "none"}).is_none
    custom = mapping.basemap_from_env(
        {
            "CLUSTERS_TILES": "http://tiles.intranet.local/{z}/{x}/{y}.png",
            "CLUSTERS_TILES_ATTRIBUTION": "Sở TN&MT",
        }
    )
    assert custom.url == "http://tiles.intranet.local/{z}/{x}/{y}.png"
    assert custom.attribution == "Sở TN&MT"
    assert custom.name == "tiles.intranet.local"


def test_tile_url_is_in_the_map_only_when_configured():
    assert "tile.openstreetmap.org" in render(mapping.base_map(mapping.OSM))
    assert "L.tileLayer" not in render(mapping.base_map(mapping.NO_BASEMAP))


def test_base_map_does_not_change_with_the_clusters():
    """The component key hashes the base map: it must not depend on the filter."""
    first = render(mapping.base_map(mapping.NO_BASEMAP))
    second = render(mapping.base_map(mapping.NO_BASEMAP))
    assert re.sub(r"_[0-9a-f]{32}", "", first) == re.sub(r"_[0-9a-f]{32}", "", second)


def test_markers_are_grouped_and_spread_out_where_dense():
    data = mapping.cluster_data(seed_clusters())
    grouped = attach_config(render(mapping.add_clusters(mapping.base_map(), data)))
    assert grouped["groupPoints"] is True
    assert grouped["groupOptions"]["spiderfyOnMaxZoom"] is True
    alone = mapping.add_clusters(mapping.base_map(), data, group_markers=False)
    assert attach_config(render(alone))["groupPoints"] is False


def test_click_designates_the_cluster_of_the_returned_feature():
    value = {
        "last_active_drawing": {
            "type": "Feature",
            "properties": {"cluster_id": 42, "stage": "operating", "tooltip": "x"},
            "geometry": {"type": "Point", "coordinates": [105.8, 21.0]},
        }
    }
    assert mapping.clicked_cluster_id(value) == 42


@pytest.mark.parametrize(
    "value",
    [
        None,
        {},
        {"last_active_drawing": None},
        {"last_active_drawing": {"type": "Feature", "properties": {}}},
        {"last_active_drawing": {"type": "Feature", "properties": {"label": "Xã Ngọc Hồi"}}},
        {"last_active_drawing": {"type": "Feature", "properties": {"cluster_id": True}}},
        {"last_active_drawing": {"type": "Feature", "properties": {"cluster_id": "abc"}}},
        {"last_active_drawing": {"type": "Point", "coordinates": [105.8, 21.0]}},
    ],
)
def test_click_on_anything_else_designates_no_cluster(value):
    assert mapping.clicked_cluster_id(value) is None


def test_bounds_cover_every_located_cluster():
    clusters = seed_clusters()
    bounds = mapping.bounds_of(clusters)
    assert bounds is not None
    west, south, east, north = bounds
    for c in clusters:
        if c.geometry is not None:
            x0, y0, x1, y1 = c.geometry.bounds
            assert west <= x0 and south <= y0 and x1 <= east and y1 <= north
    assert mapping.bounds_of([]) is None


def test_a_fit_request_reaches_the_browser_once_numbered():
    data = mapping.cluster_data(seed_clusters())
    bounds = mapping.bounds_of(seed_clusters())
    assert bounds is not None
    page = render(mapping.base_map().add_child(mapping.filter_layer(data, None)))
    assert fit_call(page) is None  # no request: the browser keeps its view
    fit = mapping.Fit(bounds, 3)
    page = render(mapping.base_map().add_child(mapping.filter_layer(data, None, fit)))
    box, request = fit_call(page) or ([], 0)
    assert request == 3
    assert box == [[bounds[1], bounds[0]], [bounds[3], bounds[2]]]  # Leaflet's [[S, W], [N, E]]
    config = attach_config(render(mapping.add_clusters(mapping.base_map(), data)))
    assert config["fitMaxZoom"] == mapping.FIT_MAX_ZOOM and config["fitPadding"] == 40


def test_moving_the_map_reruns_nothing_a_click_does():
    assert mapping.RETURNED_OBJECTS == ["last_active_drawing"]


def test_the_map_takes_the_focus_without_scrolling_the_page():
    """Else the page scrolls under the pointer on the first click and the click is lost."""
    script = render(mapping.base_map(mapping.NO_BASEMAP))
    assert "focus({preventScroll: true})" in script
    assert "event.preventDefault()" in script


def test_reference_layer_from_a_file_is_simplified_labelled_and_escaped(tmp_path):
    ring = [[105.80 + 0.0001 * i, 21.0] for i in range(50)] + [[105.805, 21.01], [105.80, 21.0]]
    path = tmp_path / "communes_2025.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Xã <b>Ngọc</b> ${Hồi}"},
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    layer = mapping.load_reference_layer(path)
    assert layer.name == "communes 2025"
    (feature,) = layer.features
    assert feature["properties"]["label"] == "Xã &lt;b&gt;Ngọc&lt;/b&gt; &#x24;&#x7B;Hồi&#x7D;"
    assert len(feature["geometry"]["coordinates"][0]) < len(ring)
    page = render(mapping.base_map(mapping.NO_BASEMAP, [layer]))
    assert "L.control.layers" in page
    assert mapping.REFERENCE_CLASS in page


def test_reference_layer_errors_are_user_messages(tmp_path):
    with pytest.raises(ClusterError) as missing:
        mapping.load_reference_layer(tmp_path / "nothing.geojson")
    assert "nothing.geojson" in missing.value.vi
    broken = tmp_path / "broken.geojson"
    broken.write_text("not json", encoding="utf-8")
    with pytest.raises(ClusterError):
        mapping.load_reference_layer(broken)


def test_reference_layer_paths_from_environment(tmp_path):
    env = {"CLUSTERS_REFERENCE_LAYERS": f"{tmp_path}/a.geojson; {tmp_path}/b.gpkg;"}
    assert mapping.reference_layer_paths(env) == [tmp_path / "a.geojson", tmp_path / "b.gpkg"]
    assert mapping.reference_layer_paths({}) == []

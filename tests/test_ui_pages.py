"""The app through Streamlit's AppTest: every page runs, the filters drive the map and list.

AppTest does not render the map component; its arguments (the script of the feature group
``st_folium`` sends to the browser) show what would be drawn.
"""

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import UnknownElement

from clusters import attention, seed
from clusters.filters import ClusterFilter
from clusters.store import open_store
from clusters.ui.main import PAGES, PAGES_DIR
from tests.builders import cluster
from tests.map_view import fit_call, shown_features, shown_ids

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
HOSTILE = "<img src=x onerror=alert(1)> ${alert(1)}"


def page_path(module: str) -> str:
    return str((PAGES_DIR / module).relative_to(ROOT))


@pytest.fixture
def registry(db_url, monkeypatch):
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    monkeypatch.setenv("CLUSTERS_TILES", "none")
    monkeypatch.delenv("CLUSTERS_REFERENCE_LAYERS", raising=False)
    store = open_store(db_url)
    seed.seed(store)
    yield store
    store.close()


@pytest.fixture
def app(registry) -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=60)


def walk(node):
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from walk(child)


def map_args(at: AppTest) -> dict:
    (component,) = [
        n
        for n in walk(at._tree)
        if isinstance(n, UnknownElement)
        and getattr(n.proto, "component_name", None) == "streamlit_folium.st_folium"
    ]
    return json.loads(component.proto.json_args)


def drawn(at: AppTest) -> int:
    return len(shown_ids(map_args(at)))


def expected(store, **query: str) -> int:
    return len(ClusterFilter.from_query(query).apply(store.list_clusters()))


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in at.get(kind)]


@pytest.mark.parametrize("spec", PAGES, ids=[s.url_path for s in PAGES])
def test_every_page_runs_without_exception(app, spec):
    app.run()
    assert not app.exception
    app.switch_page(page_path(spec.module)).run()
    assert not app.exception, app.exception


def test_map_draws_every_cluster_and_the_stage_filter_changes_it(app, registry):
    app.run()
    assert drawn(app) == expected(registry) == 101
    assert any("**101**" in t for t in texts(app, "markdown"))
    app.multiselect(key="filter_stages").set_value(["operating"]).run()
    assert drawn(app) == expected(registry, stages="operating") == 33
    assert any("**33**" in t for t in texts(app, "markdown"))
    assert app.query_params["stages"] == "operating"


def test_search_ignores_diacritics_and_case(app, registry):
    app.run()
    app.text_input(key="filter_text").input("ngoc HOI").run()
    assert drawn(app) == 1
    (shown,) = shown_features(map_args(app))
    assert "CCN Ngọc Hồi" in shown["properties"]["tooltip"]


def test_every_filter_narrows_the_map(app, registry):
    app.run()
    app.multiselect(key="filter_batches").set_value(["2018_2020"])
    app.multiselect(key="filter_districts").set_value(["Thường Tín", "Gia Lâm"])
    app.multiselect(key="filter_types").set_value(["general"])
    app.checkbox(key="filter_verified_only").check()
    app.number_input(key="filter_area_min").set_value(10.0)
    app.number_input(key="filter_area_max").set_value(60.0)
    app.run()
    query = {
        "batches": "2018_2020",
        "districts": "Thường Tín,Gia Lâm",
        "types": "general",
        "verified_only": "1",
        "area_min": "10",
        "area_max": "60",
    }
    assert drawn(app) == expected(registry, **query)
    assert drawn(app) < 101
    app.button(key="filter_reset").click().run()
    assert drawn(app) == 101


def test_a_link_opens_the_same_filtered_view(app, registry):
    app.query_params["stages"] = "under_construction,completing"
    app.query_params["batches"] = "2018_2020"
    app.run()
    want = expected(registry, stages="under_construction,completing", batches="2018_2020")
    assert drawn(app) == want
    assert app.multiselect(key="filter_stages").value == ["under_construction", "completing"]
    assert app.multiselect(key="filter_batches").value == ["2018_2020"]


def test_a_link_with_unknown_values_still_opens(app):
    app.query_params["districts"] = "Nowhere,Thường Tín"
    app.query_params["area_min"] = "abc"
    app.run()
    assert not app.exception
    assert app.multiselect(key="filter_districts").value == ["Thường Tín"]


def test_list_shares_the_filter_with_the_map(app):
    app.run()
    app.multiselect(key="filter_stages").set_value(["operating"]).run()
    app.switch_page(page_path("list_page.py")).run()
    assert not app.exception
    (table,) = app.dataframe
    assert len(table.value) == 33
    assert set(table.value["stage"]) == {"Đang hoạt động"}


def test_map_assets_are_local_and_no_basemap_means_no_tiles(app):
    app.run()
    args = map_args(app)
    links = args["js_links"] + args["css_links"]
    assert any(u.endswith("leaflet.js") for u in links)
    assert all(u.startswith("../../app/static/vendor/") for u in links)
    assert "tileLayer" not in args["script"]
    assert args["returned_objects"] == ["last_active_drawing"]  # a click reruns, a move not


def test_basemap_comes_from_the_environment_and_can_be_switched_off(app, monkeypatch):
    monkeypatch.setenv("CLUSTERS_TILES", "http://tiles.intranet.local/{z}/{x}/{y}.png")
    app.run()
    assert "tiles.intranet.local" in map_args(app)["script"]
    app.selectbox(key="map_basemap").set_value("none").run()
    assert "tileLayer" not in map_args(app)["script"]


def test_filter_change_keeps_the_base_map(app):
    """The component key hashes the base map: unchanged, the browser keeps the map."""
    app.run()
    first = map_args(app)
    app.multiselect(key="filter_stages").set_value(["planned"]).run()
    second = map_args(app)
    assert first["key"] == second["key"]
    assert first["feature_group"] != second["feature_group"]


def test_fit_to_results_moves_the_view(app):
    app.run()
    assert map_args(app)["zoom"] is None  # the page never sets the view: the browser fits
    app.multiselect(key="filter_districts").set_value(["Thanh Trì"]).run()
    fit = next(b for b in app.button if b.label == "Thu phóng vừa kết quả")
    fit.click().run()
    ((south, west), (north, east)), request = fit_call(map_args(app)["feature_group"]) or (
        [[0, 0], [0, 0]],
        0,
    )
    assert request == 2
    assert 20.8 < south <= north < 21.1 and 105.7 < west <= east < 106.0


def test_selected_cluster_summary_links_to_its_page(app):
    app.run()
    app.session_state["map_selected_cluster"] = 3
    app.run()
    assert "CCN Duyên Thái" in texts(app, "subheader")
    (link,) = [e for e in app.get("page_link") if e.proto.query_string == "id=3"]
    assert link.proto.page == "cluster"
    assert any("18,3 ha" in t for t in texts(app, "markdown"))


def test_switching_to_english_changes_labels_and_is_remembered(app):
    app.run()
    assert texts(app, "title") == ["Bản đồ cụm công nghiệp"]
    app.button_group(key="lang").set_value("en").run()
    assert texts(app, "title") == ["Map of industrial clusters"]
    assert any("Operating ·" in f["properties"]["tooltip"] for f in shown_features(map_args(app)))
    assert app.multiselect(key="filter_stages").label == "Stage"
    app.switch_page(page_path("overview_page.py")).run()
    assert texts(app, "title") == ["Registry overview"]


def test_overview_puts_the_registry_beside_the_reported_figures(app, registry):
    app.run()
    app.switch_page(page_path("overview_page.py")).run()
    lines = " ".join(texts(app, "markdown"))
    assert "sổ đăng ký: 33 · báo cáo: 70 \\(09/01/2025\\)" in lines
    assert "ít hơn báo cáo 37 cụm" in lines
    assert any("Sở Công Thương Hà Nội" in t for t in texts(app, "caption"))
    assert "Nhiệm vụ năm 2025" in texts(app, "subheader")
    troubles = attention.troubles(registry.list_clusters(), date.today())
    expected = [str(len(troubles[tr.code])) for tr in attention.TROUBLES]
    assert [m.value for m in app.metric] == [*expected, "53", "101", "24", "55"]
    assert "Cần chú ý" in texts(app, "subheader")


def open_cluster(app: AppTest, cluster_id: int) -> None:
    """As a link from the map or the list does: the cluster page with ``?id=``."""
    app.run()
    app.switch_page(page_path("cluster_page.py"))
    app.query_params.clear()
    app.query_params["id"] = str(cluster_id)
    app.run()


def test_cluster_page_shows_record_history_and_sources(app):
    open_cluster(app, 3)
    assert not app.exception
    assert "CCN Duyên Thái" in texts(app, "header")
    record = " ".join(texts(app, "markdown"))
    assert "Diện tích quyết định" in record and "18,3 ha" in record
    html = " ".join(texts(app, "html"))
    assert '<a href="https://cafeland.vn/' in html
    assert len(app.expander) >= 1
    assert "seed" in app.expander[0].label


def test_cluster_page_for_an_unknown_id_says_so(app):
    open_cluster(app, 99999)
    assert not app.exception
    assert app.selectbox[0].value is None
    assert any("99999" in w for w in texts(app, "warning"))


def test_hostile_names_show_as_text_on_every_page(app, registry):
    created = registry.create(
        cluster(name=HOSTILE, investor=HOSTILE, sources=["javascript:alert(1)", HOSTILE]),
        actor="test",
    )
    app.run()
    args = map_args(app)
    (drawn_hostile,) = [f for f in shown_features(args) if f["id"] == created.id]
    assert "&lt;img src=x" in drawn_hostile["properties"]["tooltip"]
    for script in (args["script"], args["feature_group"]):
        assert "<img" not in script and "${alert" not in script
    app.session_state["map_selected_cluster"] = created.id
    app.run()
    assert not app.exception
    open_cluster(app, created.id)
    assert not app.exception
    html = " ".join(texts(app, "html"))
    assert "<img" not in html and "${" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript' not in html
    assert "\\<img src=x onerror=alert\\(1\\)\\>" in texts(app, "header")[0]


def test_a_write_elsewhere_shows_on_the_next_run(app, registry):
    app.run()
    assert drawn(app) == 101
    first = registry.get(1)
    registry.change_stage(
        1, {"stage": "removed"}, based_on=first.version, actor="cli", reason="test"
    )
    app.run()
    assert drawn(app) == 100

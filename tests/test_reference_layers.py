"""Reference layers uploaded by admins: kept in the registry for every instance, drawn under
the clusters, and the basemap's notice when its tiles cannot be loaded.

The layers here are TEST DATA: small squares near Hanoi named as such, or (where a real file
is wanted) a boundary layer read from ``../shared/data``, which is never copied into the
project (its licence keeps it out of the product).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from streamlit.testing.v1 import AppTest

from clusters import mapping, registry
from clusters.clock import now_utc
from clusters.errors import AccessDenied, ClusterError, NotFoundError
from clusters.escaping import escape
from clusters.io.readers import read_vector
from clusters.model import ReferenceLayerRecord
from clusters.roles import Actor
from clusters.store import open_store
from clusters.store.accounts import Account, account_store
from clusters.ui import auth
from tests.builders import square
from tests.conftest import SHARED_DATA, skip_or_fail
from tests.test_ui_edit import password_hash

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ADMIN = Actor("test-admin", "admin")
EDITOR = Actor("test-editor", "editor")
HOSTILE = "<img src=x onerror=alert(1)> ${alert(1)}"
DISTRICTS = SHARED_DATA / "hanoi_districts_2019.geojson"


def squares(*labels: str) -> gpd.GeoDataFrame:
    """Test data: one small square per label, side by side near Hanoi (not real places)."""
    return gpd.GeoDataFrame(
        {"name": list(labels)},
        geometry=[square(105.80 + 0.01 * i, 20.95) for i in range(len(labels))],
        crs="EPSG:4326",
    )


def layer(name: str = "Lớp thử nghiệm", **kw) -> ReferenceLayerRecord:
    frame = squares("Ô thử 1", "Ô thử 2")
    values = {"source": "dữ liệu thử nghiệm", "features": mapping.labelled_features(frame)}
    return ReferenceLayerRecord(name=name, **{**values, **kw})


def shared_layer(path: Path = DISTRICTS) -> Path:
    if not path.exists():
        skip_or_fail(f"the shared reference layers are not beside the project ({path})")
    return path


# -- storage and the registry operation ----------------------------------------------------


def test_an_uploaded_layer_is_kept_with_who_when_and_its_features(store):
    before = store.revision()
    added = registry.add_reference_layer(store, layer(file_name="o-thu.geojson"), ADMIN)
    assert store.revision() == before + 1  # every instance sees it on its next rerun
    [kept] = store.reference_layers()
    assert (kept.id, kept.name, kept.source, kept.file_name) == (
        added.id,
        "Lớp thử nghiệm",
        "dữ liệu thử nghiệm",
        "o-thu.geojson",
    )
    assert kept.uploaded_by == "test-admin" and kept.uploaded_at is not None
    assert kept.uploaded_at.tzinfo is not None
    assert [f["properties"]["label"] for f in kept.features] == ["Ô thử 1", "Ô thử 2"]
    assert kept.features[0]["geometry"]["type"] == "Polygon"


def test_an_admin_removes_a_layer(store):
    added = registry.add_reference_layer(store, layer(), ADMIN)
    before = store.revision()
    removed = registry.remove_reference_layer(store, added.id, ADMIN)
    assert removed.name == "Lớp thử nghiệm" and store.reference_layers() == []
    assert store.revision() == before + 1
    with pytest.raises(NotFoundError):
        registry.remove_reference_layer(store, added.id, ADMIN)


@pytest.mark.parametrize("actor", [None, EDITOR, Actor("test-viewer", "viewer")])
def test_only_admins_add_or_remove_layers(store, actor, caplog):
    added = registry.add_reference_layer(store, layer(), ADMIN)
    before = store.revision()
    with pytest.raises(AccessDenied):
        registry.add_reference_layer(store, layer("Lớp khác"), actor)
    with pytest.raises(AccessDenied):
        registry.remove_reference_layer(store, added.id, actor)
    assert [x.name for x in store.reference_layers()] == ["Lớp thử nghiệm"]
    assert store.revision() == before
    assert "refused write" in caplog.text


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"name": "  "}, "name"), ({"source": ""}, "source"), ({"features": []}, "file")],
)
def test_a_layer_needs_a_name_a_source_and_features(store, changes, field):
    with pytest.raises(ClusterError) as err:
        registry.add_reference_layer(store, layer(**changes), ADMIN)
    assert err.value.field == field
    assert store.reference_layers() == []


def test_a_second_layer_of_the_same_name_is_refused_and_changes_nothing(store):
    registry.add_reference_layer(store, layer(), ADMIN)
    before = store.revision()
    with pytest.raises(ClusterError, match="exists") as err:
        registry.add_reference_layer(store, layer(source="khác"), ADMIN)
    assert "Đã có lớp tham chiếu tên «Lớp thử nghiệm»" in err.value.vi
    assert [x.source for x in store.reference_layers()] == ["dữ liệu thử nghiệm"]
    assert store.revision() == before


# -- reading a file into a layer ----------------------------------------------------------


def zipped_shapefile(frame: gpd.GeoDataFrame, folder: Path) -> bytes:
    frame.to_file(folder / "o_thu.shp", engine="pyogrio")
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        for part in folder.glob("o_thu.*"):
            z.write(part, part.name)
    return data.getvalue()


def test_a_zipped_shapefile_in_vn2000_is_reprojected_to_wgs84(tmp_path):
    frame = squares("Ô thử VN-2000").to_crs("EPSG:3405")  # VN-2000 / UTM 48N, metres
    features = mapping.labelled_features(read_vector(zipped_shapefile(frame, tmp_path), "o.zip"))
    [feature] = features
    lon, lat = feature["geometry"]["coordinates"][0][0]
    assert abs(lon - 105.80) < 1e-4 and abs(lat - 20.95) < 1e-4
    assert feature["properties"]["label"] == "Ô thử VN-2000"


def test_a_shared_boundary_layer_reads_with_its_names():
    path = shared_layer()
    features = mapping.labelled_features(read_vector(path.read_bytes(), path.name))
    assert len(features) == 30  # the 30 former districts
    assert all(f["properties"]["label"] for f in features)
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)


# -- drawing: under the clusters, escaped, and the basemap's notice ------------------------


def test_layers_are_drawn_in_a_pane_under_the_clusters_with_names_escaped():
    drawn = mapping.overlay("Lớp thử", layer().features, source=f"source {HOSTILE}")
    hostile = mapping.overlay(HOSTILE, mapping.labelled_features(squares(HOSTILE)))
    html = mapping.base_map(mapping.NO_BASEMAP, [drawn, hostile]).get_root().render()
    assert f'createPane(\n                "{mapping.REFERENCE_PANE}")' in html
    assert f".style.zIndex = {mapping.REFERENCE_PANE_Z_INDEX};" in html
    assert mapping.REFERENCE_PANE_Z_INDEX < 400  # Leaflet's overlay pane, the clusters'
    assert html.count(f'"pane": "{mapping.REFERENCE_PANE}"') == 2
    assert HOSTILE not in html and "${alert" not in html
    as_json = escape(HOSTILE).replace("&", "\\u0026")  # inside the script's JSON
    assert as_json in html
    assert "source " + as_json in html  # the source, credited while the layer shows


def test_the_map_says_when_its_tiles_cannot_be_loaded():
    html = mapping.base_map(mapping.OSM, lang="vi").get_root().render()
    assert "tileerror" in html and "removeAttribution" in html
    message = mapping.basemap_notice(mapping.OSM, "vi")
    assert message.startswith("Không tải được bản đồ nền (OpenStreetMap)")
    assert json.dumps(escape(message), ensure_ascii=False) in html
    english = mapping.base_map(mapping.OSM, lang="en").get_root().render()
    assert "The basemap (OpenStreetMap) cannot be loaded" in english


def test_with_no_basemap_the_map_says_so():
    html = mapping.base_map(mapping.NO_BASEMAP, lang="vi").get_root().render()
    notice = mapping.basemap_notice(mapping.NO_BASEMAP, "vi")
    assert json.dumps(escape(notice), ensure_ascii=False) in html
    assert "Không có bản đồ nền: bản đồ chỉ có các cụm" in html


def test_a_hostile_tile_server_name_is_escaped_in_the_notice():
    basemap = mapping.Basemap("https://tiles.example/{z}/{x}/{y}.png", HOSTILE, HOSTILE)
    html = mapping.base_map(basemap).get_root().render()
    assert HOSTILE not in html


# -- the admin page and the map page (AppTest) ---------------------------------------------


@pytest.fixture
def app_db(seeded_copy, monkeypatch) -> str:
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", seeded_copy.url)
    monkeypatch.setenv("CLUSTERS_TILES", "none")
    monkeypatch.delenv("CLUSTERS_REFERENCE_LAYERS", raising=False)
    monkeypatch.delenv("CLUSTERS_ANONYMOUS_READ", raising=False)
    accounts = account_store(seeded_copy)
    for role in ("admin", "editor"):
        hashed = password_hash(f"test-{role}-password")
        accounts.add(Account(f"test-{role}", role, password_hash=hashed), actor="cli", at=now_utc())
    return seeded_copy.url


def open_admin(role: str = "admin") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[auth.ACTOR_KEY] = Actor(f"test-{role}", role)
    at.run()
    at.switch_page("clusters/ui/pages/admin_page.py").run()
    assert not at.exception, at.exception
    return at


def in_script(text: str, script: str) -> bool:
    """Whether the map's script holds ``text`` as folium writes it (escaped, in JSON)."""
    return json.dumps(escape(text))[1:-1] in script


def map_script(at: AppTest) -> str:
    at.switch_page("clusters/ui/pages/map_page.py").run()
    assert not at.exception, at.exception
    from tests.test_ui_pages import map_args

    return map_args(at)["script"]


def upload_layer(at: AppTest, name: str, data: bytes, filename: str, source: str) -> AppTest:
    at.file_uploader(key="admin_layer_file_0").set_value((filename, data, "application/json"))
    at.text_input(key="admin_layer_name").input(name)
    at.text_input(key="admin_layer_source").input(source)
    at.button(key="admin_layer_save").click().run()
    assert not at.exception, at.exception
    return at


def test_an_admin_uploads_a_layer_which_the_map_then_draws(app_db, seeded_copy):
    path = shared_layer()
    at = open_admin()
    upload_layer(at, "Quận huyện 2019 (thử)", path.read_bytes(), path.name, "dvhcvn, GPL-3.0")
    assert "Quận huyện 2019" in " ".join(str(s.value) for s in at.success)
    [kept] = seeded_copy.reference_layers()
    assert (kept.name, kept.source, len(kept.features)) == (
        "Quận huyện 2019 (thử)",
        "dvhcvn, GPL-3.0",
        30,
    )
    assert kept.uploaded_by == "test-admin" and kept.file_name == path.name
    # The inputs are empty again, the uploader a new one.
    assert at.text_input(key="admin_layer_name").value == ""
    assert at.file_uploader(key="admin_layer_file_1").value in (None, [])
    script = map_script(at)
    assert in_script("Quận huyện 2019 (thử)", script) and mapping.REFERENCE_CLASS in script
    assert in_script("Hoàn Kiếm", script)  # the districts' names, for their tooltips
    assert "L.control.layers" in script  # each layer switchable


def test_a_file_that_is_not_a_layer_is_refused_with_a_message(app_db, seeded_copy):
    at = open_admin()
    upload_layer(at, "Lớp hỏng", b"{not json", "hong.geojson", "dữ liệu thử nghiệm")
    assert at.error and seeded_copy.reference_layers() == []


def test_an_admin_removes_a_layer_on_the_admin_page(app_db, seeded_copy):
    added = registry.add_reference_layer(seeded_copy, layer(), ADMIN)
    at = open_admin()
    at.selectbox(key="admin_remove_layer_id").set_value(added.id)
    at.button(key="admin_remove_layer_save").click().run()
    assert not at.exception and seeded_copy.reference_layers() == []
    assert not in_script("Lớp thử nghiệm", map_script(at))


def test_a_layer_written_elsewhere_shows_on_the_next_rerun(app_db, seeded_copy):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not in_script("Lớp thử nghiệm", map_script(at))
    registry.add_reference_layer(seeded_copy, layer(), ADMIN)  # another instance, say
    at.run()
    assert in_script("Lớp thử nghiệm", map_script(at))


def test_the_configured_layer_files_still_show(app_db, monkeypatch, tmp_path):
    path = tmp_path / "o_thu_cau_hinh.geojson"
    path.write_text(squares("Ô cấu hình").to_json(), encoding="utf-8")
    monkeypatch.setenv("CLUSTERS_REFERENCE_LAYERS", str(path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    script = map_script(at)
    assert in_script("o thu cau hinh", script) and in_script("Ô cấu hình", script)


def test_editors_see_no_layer_upload(app_db):
    at = open_admin("editor")
    assert not at.get("file_uploader")


def test_the_admin_page_shows_none_of_streamlits_english(app_db):
    from tests.test_ui_placeholders import streamlit_english

    at = open_admin()
    assert [
        f for f in streamlit_english(at, "vi") if not f.startswith("admin_change_account")
    ] == []
    at.button_group(key="lang").set_value("en").run()
    assert [
        f for f in streamlit_english(at, "en") if not f.startswith("admin_change_account")
    ] == []


@pytest.mark.postgis
def test_layers_are_kept_and_removed_on_postgis(postgis_url):
    store = open_store(postgis_url)
    try:
        added = registry.add_reference_layer(store, layer(), ADMIN)
        [kept] = store.reference_layers()
        assert kept.features == added.features and kept.uploaded_at is not None
        assert kept.uploaded_at.tzinfo is not None
        with pytest.raises(ClusterError, match="exists"):
            registry.add_reference_layer(store, layer(), ADMIN)
        registry.remove_reference_layer(store, added.id, ADMIN)
        assert store.reference_layers() == []
    finally:
        store.close()

"""The Import page and the download buttons, driven through Streamlit's AppTest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from clusters.roles import Actor
from clusters.store import open_store
from clusters.ui import auth

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
BAD = ROOT / "tests" / "bad_files"
LIST = "Tên CCN,Giai đoạn,Quận/huyện,Kinh độ,Vĩ độ\n"


@pytest.fixture
def db(seeded_file, tmp_path, monkeypatch) -> str:
    path = tmp_path / "registry.sqlite"
    shutil.copyfile(seeded_file, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", url)
    monkeypatch.setenv("CLUSTERS_TILES", "none")
    monkeypatch.setenv("CLUSTERS_MAPPINGS_FILE", str(tmp_path / "mappings.json"))
    monkeypatch.delenv("CLUSTERS_ANONYMOUS_READ", raising=False)
    return url


def import_page(role: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if role:
        at.session_state[auth.ACTOR_KEY] = Actor(f"nguoi-{role}", role)
    at.run()
    at.switch_page("clusters/ui/pages/import_page.py").run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="import_file").set_value((name, data, "application/octet-stream"))
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_only_administrators_see_the_import_form(db, monkeypatch):
    monkeypatch.setattr(auth, "current_actor", lambda: Actor("bien-tap", "editor"))
    at = import_page("editor")
    assert not at.get("file_uploader")
    assert any("Quản trị" in w.value for w in at.warning)


def test_dry_run_then_commit(db, monkeypatch):
    monkeypatch.setattr(auth, "current_actor", lambda: Actor("quan-tri", "admin"))
    at = import_page("admin")
    data = (LIST + "CCN Tân Lập,Đã thành lập,Đan Phượng,105.67,21.08\n").encode()
    upload(at, "dan_phuong.csv", data)
    assert metrics(at) == {"Cụm mới": "1", "Cập nhật": "0", "Không đổi": "0", "Dòng có lỗi": "0"}
    assert any("Không có vấn đề nào" in s.value for s in at.success)
    assert open_store(db).count() == 101  # the dry run wrote nothing
    at.button(key="import_commit").click().run()
    assert not at.exception, at.exception
    assert any("Đã nhập: 1 cụm mới" in s.value for s in at.success)
    store = open_store(db)
    assert store.count() == 102
    [event] = store.history(limit=1)
    assert (event.kind, event.source, event.actor) == ("import", "dan_phuong.csv", "quan-tri")


def test_problems_are_listed_by_row_and_nothing_can_be_committed(db, monkeypatch):
    monkeypatch.setattr(auth, "current_actor", lambda: Actor("quan-tri", "admin"))
    at = upload(import_page("admin"), "unknown_stage.csv", (BAD / "unknown_stage.csv").read_bytes())
    report = at.dataframe[0].value
    assert list(report["row"]) == ["Dòng 2"]
    assert report["message"][0].startswith("Giai đoạn «Sắp xong» không có trong danh mục")
    assert not at.get("button") or "import_commit" not in [b.key for b in at.button]
    assert any("Còn lỗi" in e.value for e in at.error)


def test_an_invalid_boundary_gets_an_explicit_make_valid_offer(db, monkeypatch):
    monkeypatch.setattr(auth, "current_actor", lambda: Actor("quan-tri", "admin"))
    at = upload(
        import_page("admin"), "no.geojson", (BAD / "self_intersecting.geojson").read_bytes()
    )
    offer = next(c for c in at.checkbox if c.key and c.key.startswith("import_fix_"))
    assert offer.label == "Sửa 1 ranh giới không hợp lệ bằng make_valid"
    assert metrics(at)["Dòng có lỗi"] == "1"
    offer.check().run()
    assert metrics(at)["Dòng có lỗi"] == "0" and metrics(at)["Cụm mới"] == "1"
    assert at.checkbox(key="import_accept").label == "Tôi đã xem các cảnh báo và vẫn nhập"


def test_a_bad_file_shows_its_message(db, monkeypatch):
    monkeypatch.setattr(auth, "current_actor", lambda: Actor("quan-tri", "admin"))
    at = upload(import_page("admin"), "tcvn3.csv", (BAD / "tcvn3.csv").read_bytes())
    [error] = at.error
    assert "bảng mã cũ TCVN3" in error.value


def test_download_buttons_name_files_with_the_date(db):
    def page() -> None:
        from clusters.filters import ClusterFilter
        from clusters.ui import state
        from clusters.ui.export_widget import export_buttons

        flt = ClusterFilter(stages=("operating",))
        export_buttons(flt.apply(state.clusters()), flt)

    at = AppTest.from_function(page, default_timeout=60).run()
    assert not at.exception, at.exception
    buttons = at.get("download_button")
    assert len(buttons) == 5
    assert any("Tải xuống" in e.label for e in at.expander)


def test_the_preview_map_shows_the_new_clusters_framed_by_the_browser(db, monkeypatch):
    """The preview carries the new and changed clusters and asks the browser to frame them
    at the map's real size; beyond ``mapping.PREVIEW_MAX`` it draws the first ones and says so."""
    from clusters import mapping
    from tests.map_view import fit_call, shown_features
    from tests.test_ui_pages import map_args

    monkeypatch.setattr(auth, "current_actor", lambda: Actor("quan-tri", "admin"))
    at = import_page("admin")
    rows = (
        "CCN Tân Lập,Đã thành lập,Đan Phượng,105.67,21.08\n"
        "CCN Phú Mỹ,Trong quy hoạch,Mê Linh,105.72,21.18\n"
    )
    upload(at, "hai_cum.csv", (LIST + rows).encode())
    args = map_args(at)
    features = shown_features(args)
    assert sorted(f["geometry"]["coordinates"] for f in features) == [
        [105.67, 21.08],
        [105.72, 21.18],
    ]
    box, request = fit_call(args["feature_group"]) or ([], 0)
    assert box == [[21.08, 105.67], [21.18, 105.72]] and request == 1
    assert not [c for c in at.caption if "chỉ vẽ" in c.value]

    monkeypatch.setattr(mapping, "PREVIEW_MAX", 1)
    at.run()
    assert len(shown_features(map_args(at))) == 1
    assert [c for c in at.caption if "chỉ vẽ 1 cụm đầu tiên trong 2" in c.value]

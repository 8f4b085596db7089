"""The map and list pages through AppTest: what they say beside the map, how they fit it,
what a search opens. The browser side (clicks, sizes, labels) is in ``tests/e2e``."""

from datetime import date

import pytest

from clusters import figures, mapping
from clusters.filters import ClusterFilter
from clusters.model import ReportedFigure
from clusters.store import database_url
from clusters.ui import asgi, map_data
from clusters.ui.pages import map_page
from tests.map_view import attach_config, decode_mask, fit_call, show_call
from tests.test_ui_pages import app, map_args, page_path, registry, texts

__all__ = ["app", "registry"]  # fixtures, shared with test_ui_pages


def captions(app) -> list[str]:
    """The captions as read (without the markdown escapes of ``widgets.md``)."""
    return [c.replace("\\", "") for c in texts(app, "caption")]


def comparison(store, code: str) -> figures.Comparison:
    (cmp,) = [
        c
        for c in figures.compare(store.list_clusters(), store.reported_figures())
        if c.category.code == code
    ]
    return cmp


def test_map_states_the_registry_against_the_latest_report(app, registry):
    app.run()
    operating = comparison(registry, "operating")
    assert operating.reported is not None and operating.gap
    (line,) = [c for c in captions(app) if c.startswith("Sổ đăng ký có")]
    assert f"{operating.registry}/{operating.reported.count} cụm đang hoạt động" in line
    assert "theo báo cáo 09/01/2025" in line
    assert line.endswith(": còn thiếu hồ sơ.")
    registry.add_reported_figure(
        ReportedFigure(date(2025, 7, 1), "operating", 75, "Sở Công Thương, 6 tháng 2025"),
        actor="test",
    )
    app.run()
    (line,) = [c for c in captions(app) if c.startswith("Sổ đăng ký có")]
    assert f"{operating.registry}/75 cụm đang hoạt động theo báo cáo 01/07/2025" in line


def test_legend_says_what_it_counts_beside_the_citys_batch_figures(app, registry):
    app.run()
    notes = [c for c in captions(app) if c.startswith("Số trong ngoặc")]
    assert notes == [notes[0]]
    assert "101 cụm đang hiển thị theo bộ lọc, mọi đợt thành lập" in notes[0]
    for code, words in (
        ("batch_2018_2020_completing", "đang hoàn thiện hạ tầng"),
        ("batch_2018_2020_under_construction", "đã khởi công"),
        ("batch_2018_2020_not_started", "chưa khởi công"),
    ):
        cmp = comparison(registry, code)
        assert cmp.reported is not None
        assert f"{cmp.reported.count} {words} (sổ đăng ký: {cmp.registry})" in notes[0]
    assert "chỉ tính đợt 2018–2020" in notes[0]
    app.multiselect(key="filter_batches").set_value(["2018_2020"]).run()
    (note,) = [c for c in captions(app) if c.startswith("Số trong ngoặc")]
    shown = len(ClusterFilter(batches=("2018_2020",)).apply(registry.list_clusters()))
    assert f"{shown} cụm đang hiển thị theo bộ lọc, đợt 2018–2020" in note


def test_a_search_with_one_result_opens_it_and_zooms_to_it(app, registry):
    app.run()
    app.text_input(key="filter_text").input("ngochoi").run()
    assert "CCN Ngọc Hồi" in texts(app, "subheader")
    ((south, west), (north, east)), _ = fit_call(map_args(app)["feature_group"]) or ([[]], 0)
    # one point: the browser zooms in as far as a fit goes (FIT_MAX_ZOOM)
    assert (south, west) == (north, east)
    assert abs(south - 20.912) < 0.01 and abs(west - 105.834) < 0.01


def test_a_search_opens_its_result_once(app):
    """A later rerun (a click) must not pull the view back to the result."""
    app.run()
    app.text_input(key="filter_text").input("ngochoi").run()
    view = app.session_state[map_page.VIEW_KEY]
    app.session_state[map_page.SELECTED_KEY] = 3
    app.run()
    assert app.session_state[map_page.VIEW_KEY] == view
    assert "CCN Duyên Thái" in texts(app, "subheader")


def test_the_first_view_and_the_fit_button_ask_the_browser_to_frame_the_results(app, registry):
    app.run()  # the first view fits the results, at whatever size the map has
    bounds = mapping.bounds_of(ClusterFilter().apply(registry.list_clusters()))
    assert bounds is not None
    box = [[bounds[1], bounds[0]], [bounds[3], bounds[2]]]
    assert fit_call(map_args(app)["feature_group"]) == (box, 1)
    app.run()  # a rerun repeats the request; the browser fits once per number
    assert fit_call(map_args(app)["feature_group"]) == (box, 1)
    fit = next(b for b in app.button if b.label == "Thu phóng vừa kết quả")
    fit.click().run()
    assert fit_call(map_args(app)["feature_group"]) == (box, 2)


def test_list_shows_name_and_area_first_and_a_dash_where_nothing_is_known(app):
    app.run()
    app.switch_page(page_path("list_page.py")).run()
    assert not app.exception
    (table,) = app.dataframe
    assert list(table.value.columns[:2]) == ["name", "area_ha"]
    assert table.proto.placeholder == "—"
    assert table.value["area_ha"].isna().any()  # the seed has clusters without an area


@pytest.mark.parametrize("query", ["dong anh", "thuong tin"])
def test_list_puts_the_best_matches_first(app, registry, query):
    app.run()
    app.switch_page(page_path("list_page.py")).run()
    app.text_input(key="filter_text").input(query).run()
    (table,) = app.dataframe
    flt = ClusterFilter(text=query)
    scores = [flt.text_score(registry.get(int(i))) for i in table.value["id"]]
    assert scores == sorted(scores, reverse=True)


def test_served_by_clusters_serve_the_map_loads_its_clusters_once_and_reruns_send_a_mask(
    app, registry, monkeypatch
):
    """With the data route (``clusters serve``), the base map names the revision's file and
    carries no cluster; a filter change sends only the mask over the same file's order."""
    monkeypatch.setattr(asgi, "_served", [True])
    monkeypatch.delenv("CLUSTERS_ANONYMOUS_READ", raising=False)
    app.run()
    args = map_args(app)
    config = attach_config(args["script"])
    revision = registry.revision()
    assert config["url"] == map_data.url(revision, "vi") and "data" not in config
    assert "cluster_id" not in args["script"] and "cluster_id" not in args["feature_group"]
    data = map_data.cached(database_url(), revision, "vi", False)
    assert data is not None and config["key"] == data.key
    app.multiselect(key="filter_stages").set_value(["operating"]).run()
    args = map_args(app)
    assert attach_config(args["script"]) == config  # the base map did not change
    key, mask = show_call(args["feature_group"])
    kept = {i for i, keep in zip(data.ids, decode_mask(mask, len(data.ids)), strict=True) if keep}
    assert key == data.key
    assert kept == {c.id for c in registry.list_clusters() if c.stage == "operating"}
    assert len(args["feature_group"]) < 2_000


def test_the_summary_beside_the_map_counts_the_clusters_tenant_projects(app, registry):
    from clusters import registry as registry_ops
    from clusters.model import TenantProject
    from clusters.roles import Actor

    project = TenantProject(
        3, "Dự án thử nghiệm (dữ liệu kiểm thử)", land_leased_ha=1.5, status="operating"
    )
    registry_ops.add_project(registry, project, Actor("lan", "editor"))
    app.session_state[map_page.SELECTED_KEY] = 3
    app.run()
    assert "CCN Duyên Thái" in texts(app, "subheader")
    summary = " ".join(texts(app, "markdown")).replace("\\", "")
    assert "**1** dự án, trong đó **1** đang hoạt động" in summary
    assert "1,5 ha" in summary

"""The Overview as of a report cut-off (AppTest): the counts shown are those of the registry
rebuilt from history at the end of that day in Hanoi, and the page says so."""

from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from clusters import clock, figures, i18n, seed, snapshot
from clusters.store import open_store
from tests.builders import cluster, move_stage, written_at
from tests.test_ui_pages import APP, page_path, texts

TODAY = clock.today()
# The second newest cut-off: writes just after it are still in the past, whatever today is.
CUTOFF = snapshot.report_cutoffs(TODAY)[1]
MOMENT = snapshot.cutoff_moment(CUTOFF)


@pytest.fixture
def past_registry(db_url, monkeypatch):
    """Seeded 200 days before the cut-off; one cluster completed before it; three 2018–2020
    clusters moved, one investor filled in and one cluster added an hour after it."""
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    monkeypatch.setenv("CLUSTERS_TILES", "none")
    monkeypatch.delenv("CLUSTERS_REFERENCE_LAYERS", raising=False)
    store = open_store(db_url)
    with written_at(MOMENT - timedelta(days=200)):
        seed.seed(store)
    move_stage(store, 6, "operating", MOMENT - timedelta(days=10))
    after = MOMENT + timedelta(hours=1)
    for cluster_id in (33, 34, 35):
        move_stage(store, cluster_id, "completing", after)
    no_investor = next(c for c in store.list_clusters() if not c.investor)
    with written_at(after):
        store.update(
            no_investor.id,
            {"investor": "Công ty CP Hạ tầng"},
            based_on=no_investor.version,
            actor="planner",
        )
        store.create(cluster(id=500, name="CCN Mới Sau Kỳ"), actor="planner")
    yield store
    store.close()


@pytest.fixture
def overview(past_registry) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(page_path("overview_page.py")).run()
    assert not at.exception
    return at


def registry_counts(at: AppTest) -> dict[str, str]:
    """Each reported category's registry count as the page shows it."""
    lines = texts(at, "markdown")
    out = {}
    for cat in figures.CATEGORIES:
        [line] = [m for m in lines if m.startswith(f"**{cat.title.vi}")]
        out[cat.code] = line.split("sổ đăng ký: ", 1)[1].split(" ", 1)[0].rstrip(".")
    return out


def completeness_shown(at: AppTest) -> dict[str, str]:
    labels = {i18n.t(f"completeness.{code}"): code for code, _ in figures.COMPLETENESS_CHECKS}
    return {labels[m.label]: m.value for m in at.metric if m.label in labels}


def expected_counts(clusters, reported) -> dict[str, str]:
    return {c.category.code: str(c.registry) for c in figures.compare(clusters, reported)}


def test_overview_offers_now_the_recent_cutoffs_and_another_day(overview):
    box = overview.selectbox(key="overview_as_of")
    assert box.label == "Số liệu tại ngày"
    assert box.value == "now"
    cutoffs = [o for o in box.options if o[0].isdigit()]
    assert box.options[0] == "Hiện tại" and box.options[-1] == "Ngày khác…"
    shown = [d.strftime("%d/%m/%Y") for d in snapshot.report_cutoffs(TODAY)[:3]]
    assert [o.split(" ")[0] for o in cutoffs[:3]] == shown
    assert any("kỳ báo cáo 6 tháng" in o for o in cutoffs)
    assert any("kỳ báo cáo năm" in o for o in cutoffs)
    assert not overview.info  # the registry now: no as-of notice


def test_choosing_a_past_cutoff_shows_the_registry_as_it_stood(overview, past_registry):
    now_counts = registry_counts(overview)
    now_gaps = completeness_shown(overview)
    overview.selectbox(key="overview_as_of").set_value(CUTOFF.isoformat()).run()
    assert not overview.exception

    then = snapshot.registry_at(past_registry, MOMENT)
    reported = snapshot.figures_at(past_registry.reported_figures(), MOMENT)
    assert len(then) == 101 and len(past_registry.list_clusters()) == 102
    assert registry_counts(overview) == expected_counts(then, reported)
    assert registry_counts(overview) != now_counts
    gaps = {code: str(len(found)) for code, found in figures.completeness(then).items()}
    assert completeness_shown(overview) == gaps
    assert gaps != now_gaps
    [notice] = overview.info
    assert f"tại cuối ngày {CUTOFF:%d/%m/%Y}" in notice.value and "101 cụm" in notice.value


def test_another_day_and_english(overview, past_registry):
    overview.button_group(key="lang").set_value("en").run()
    overview.selectbox(key="overview_as_of").set_value("other").run()
    day = CUTOFF - timedelta(days=5)
    overview.date_input(key="overview_as_of_day").set_value(day).run()
    assert not overview.exception
    then = snapshot.registry_at(past_registry, snapshot.cutoff_moment(day))
    [notice] = overview.info
    assert f"as of the end of {day.isoformat()}" in notice.value
    assert f"{i18n.number(len(then), 'en')} clusters" in notice.value
    operating = sum(c.stage == "operating" for c in then)
    lines = " ".join(texts(overview, "markdown"))
    assert f"registry: {operating} ·" in lines


def test_a_link_opens_the_overview_as_of_its_day_and_follows_the_choice(past_registry):
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(page_path("overview_page.py"))
    at.query_params["as_of"] = CUTOFF.isoformat()
    at.run()
    assert not at.exception and not at.error
    assert at.selectbox(key="overview_as_of").value == CUTOFF.isoformat()
    [notice] = at.info
    assert f"tại cuối ngày {CUTOFF:%d/%m/%Y}" in notice.value
    day = CUTOFF - timedelta(days=5)  # not a cut-off: the "another day" box holds it
    at.query_params["as_of"] = day.isoformat()
    at.run()
    assert at.selectbox(key="overview_as_of").value == "other"
    assert at.date_input(key="overview_as_of_day").value == day
    at.selectbox(key="overview_as_of").set_value("now").run()
    assert "as_of" not in at.query_params  # the address says what the page shows
    assert not at.info
    at.selectbox(key="overview_as_of").set_value(CUTOFF.isoformat()).run()
    assert at.query_params["as_of"] == CUTOFF.isoformat()

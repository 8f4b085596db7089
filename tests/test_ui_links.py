"""Links with bad query parameters, on every page: a plain message in the session's language,
never a traceback; what can be read is still used."""

from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from clusters import accounts, clock, seed
from clusters.errors import BadLink, ClusterError
from clusters.filters import DEFAULT_STAGES, ClusterFilter, FilterOptions
from clusters.roles import CLI_ACTOR, Actor
from clusters.store import open_store
from clusters.store.accounts import account_store
from clusters.ui import auth
from clusters.ui.main import PAGES
from clusters.ui.routes import CLUSTER_ID_MAX, cluster_id_from, day_from, read_query
from tests.test_ui_pages import APP, page_path

# Each link's every parameter is bad in its own way: one message each.
BAD_LINKS: dict[str, dict[str, str]] = {
    "huge-id": {
        "id": "99999999999999999999",
        "stages": "bogus,operating",
        "as_of": "2025-13-45",
    },
    "negative-id": {"id": "-3", "area_min": "-5", "area_max": "1e400", "as_of": "yesterday"},
    "text-id": {
        "id": "abc",
        "batches": "1999",
        "types": "<b>x</b>",
        "wwtp": "nan",
        "verified_only": "maybe",
        "as_of": "2999-01-01",
    },
    "fraction-id": {
        "id": "1.5",
        "districts": "Nowhere",
        "communes": "00000",
        "area_min": "nan",
        "text": "x" * 300,
        "as_of": "1900-01-01",
    },
}
ADMIN_PASSWORD = "quan-tri-mat-khau-25"


@pytest.fixture
def registry(db_url, monkeypatch):
    """The seed and an admin account, so that every page shows all it can."""
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    monkeypatch.setenv("CLUSTERS_TILES", "none")
    monkeypatch.delenv("CLUSTERS_REFERENCE_LAYERS", raising=False)
    monkeypatch.delenv("CLUSTERS_ANONYMOUS_READ", raising=False)
    store = open_store(db_url)
    seed.seed(store)
    accounts.add_account(account_store(store), CLI_ACTOR, "root", "admin", password=ADMIN_PASSWORD)
    yield store
    store.close()


def open_link(module: str, query: dict[str, str], lang: str = "vi") -> AppTest:
    """The page opened by a link, by an admin, in ``lang``."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state[auth.ACTOR_KEY] = Actor("root", "admin")
    at.run()
    if lang != "vi":
        at.button_group(key="lang").set_value(lang).run()
    at.switch_page(page_path(module))
    at.query_params.clear()
    at.query_params.update(query)
    at.run()
    return at


@pytest.mark.parametrize("link", BAD_LINKS, ids=list(BAD_LINKS))
@pytest.mark.parametrize("spec", PAGES, ids=[s.url_path for s in PAGES])
def test_every_page_says_what_is_wrong_with_a_bad_link(registry, spec, link):
    query = BAD_LINKS[link]
    at = open_link(spec.module, query)
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.title) == 1  # the page itself still opens
    messages = [e.value for e in at.error]
    assert len(messages) == len(query), messages
    assert all(m.startswith("Lỗi: ") for m in messages)
    assert "Traceback" not in " ".join(messages)


@pytest.mark.parametrize("spec", PAGES, ids=[s.url_path for s in PAGES])
def test_a_bad_link_is_explained_in_english_when_the_page_is(registry, spec):
    at = open_link(spec.module, {"id": "-3", "stages": "bogus"}, lang="en")
    assert not at.exception
    assert [e.value.split(":", 1)[0] for e in at.error] == ["Error", "Error"]
    text = " ".join(e.value for e in at.error)
    assert "The link's cluster id '\\-3' is not valid" in text
    assert "The link gives 'bogus' for 'Stage'" in text


def test_a_huge_cluster_id_opens_the_chooser_with_a_message(registry):
    at = open_link("cluster_page.py", {"id": "99999999999999999999"})
    assert not at.exception
    [message] = at.error
    assert "mã cụm «99999999999999999999» không hợp lệ" in message.value
    assert at.selectbox[0].value is None  # nothing chosen: the planner picks a cluster


def test_a_valid_link_shows_no_message(registry):
    at = open_link("cluster_page.py", {"id": "3"})
    assert not at.exception and not at.error
    assert [h.value for h in at.header] == ["CCN Duyên Thái"]


def test_the_good_parts_of_a_filter_link_are_kept(registry):
    at = AppTest.from_file(str(APP), default_timeout=60)  # a new session, as a link opens
    at.query_params.update({"stages": "bogus,operating", "area_min": "abc"})
    at.run()
    assert not at.exception
    assert len(at.error) == 2
    assert at.multiselect(key="filter_stages").value == ["operating"]
    assert at.number_input(key="filter_area_min").value is None
    assert at.query_params["stages"] == "operating"  # the address now says what is shown
    at.run()
    assert not at.error  # said once: the address no longer holds the bad values


# -- the one place every parameter is read ----------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["99999999999999999999", str(CLUSTER_ID_MAX + 1), "-3", "0", "abc", "1.5", "1e3", "", "١٢"],
)
def test_a_cluster_id_that_cannot_be_one_is_refused_with_a_message(raw):
    with pytest.raises(BadLink) as exc:
        cluster_id_from(raw)
    assert f"«{raw}»" in exc.value.vi and f"'{raw}'" in exc.value.en


def test_a_cluster_id_is_a_whole_number_in_range():
    assert cluster_id_from("12") == 12
    assert cluster_id_from(" 7 ") == 7
    assert cluster_id_from(str(CLUSTER_ID_MAX)) == CLUSTER_ID_MAX


@pytest.mark.parametrize("raw", ["2025-13-45", "2025-02-30", "14/06/2025", "20250614", "x" * 99])
def test_a_day_that_cannot_be_read_is_refused_with_a_message(raw):
    with pytest.raises(BadLink) as exc:
        day_from(raw)
    assert "NNNN-TT-NN" in exc.value.vi and "YYYY-MM-DD" in exc.value.en
    assert len(exc.value.en) < 200  # a long value is cut short in the message


def test_read_query_gives_each_value_or_a_message_for_it():
    def not_after_today(day: date) -> None:
        if day > clock.today():
            raise ClusterError("chưa tới", "in the future")

    good = read_query({"id": "12", "as_of": "2025-06-14", "stages": "operating"})
    assert (good.cluster_id, good.as_of, good.problems) == (12, date(2025, 6, 14), ())
    assert good.filter == ClusterFilter(stages=("operating",))
    future = (clock.today() + timedelta(days=1)).isoformat()
    bad = read_query({"id": "-1", "as_of": future, "x": "ignored"}, check_day=not_after_today)
    assert (bad.cluster_id, bad.as_of) == (None, None)
    assert [p.en for p in bad.problems][1] == "in the future"
    assert len(bad.problems) == 2  # an unknown parameter is no problem


def test_filter_values_are_checked_against_the_registry_when_it_is_known():
    known = FilterOptions(districts=("Thường Tín",), communes=(("10210", "Xã Thường Tín"),))
    query = {"districts": "Nowhere,Thường Tín", "communes": "10210,99999"}
    flt, problems = ClusterFilter.parse_query(query, known)
    assert (flt.districts, flt.communes) == (("Thường Tín",), ("10210",))
    assert [p.field for p in problems] == ["districts", "communes"]
    assert ClusterFilter.parse_query(query)[1] == []  # without the registry: not checked


def test_a_link_of_only_unknown_stages_keeps_the_default_stages():
    flt, problems = ClusterFilter.parse_query({"stages": "bogus"})
    assert flt.stages == DEFAULT_STAGES and len(problems) == 1
    assert ClusterFilter.parse_query({"stages": "-"})[0].stages == ()  # "-": any stage


def test_every_filter_the_app_writes_reads_back_without_a_message():
    flt = ClusterFilter(
        stages=("planned", "operating"),
        batches=("2018_2020", "unknown"),
        types=("craft_village",),
        wwtp=("none",),
        verified_only=True,
        area_min=0.5,
        area_max=1_000_000 / 10,
        text="ngọc hồi",
    )
    assert ClusterFilter.parse_query(flt.to_query()) == (flt, [])

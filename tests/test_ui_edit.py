"""The editing pages driven through Streamlit's AppTest: as editor, viewer and anonymous.

Each test runs the real app (``app.py``) on its own temporary SQLite registry.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from clusters import accounts, registry
from clusters.errors import AccessDenied
from clusters.model import ReportedFigure
from clusters.roles import CLI_ACTOR, Actor
from clusters.store import ClusterStore, open_store
from clusters.store.accounts import Account, AccountStore, account_store
from clusters.ui import auth
from tests import builders

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PASSWORDS = {"lan": "lan-mat-khau-2025", "hoa": "hoa-mat-khau-2025", "minh": "minh-mat-khau-25"}
ROLES = {"lan": "editor", "hoa": "editor", "minh": "viewer", "root": "admin"}
TODAY = date.today()
FORM_BUTTONS = ("_save",)


@pytest.fixture
def registry_db(db_url, monkeypatch) -> ClusterStore:
    """Two clusters and four accounts; the app opens the same database."""
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    monkeypatch.delenv("CLUSTERS_ANONYMOUS_READ", raising=False)
    store = open_store(db_url)
    store.create(builders.cluster(id=1, name="CCN Ngọc Hồi"), actor="seed")
    store.create(
        builders.cluster(
            id=2,
            name="CCN Hữu Bằng",
            stage="under_construction",
            geometry=builders.square(),
            area_ha=10.0,
            industrial_land_ha=7.0,
            leased_land_ha=2.0,
        ),
        actor="seed",
    )
    acc = account_store(store)
    for name, role in ROLES.items():
        hashed = password_hash(PASSWORDS.get(name, "root-mat-khau-25"))
        acc.add(Account(name, role, password_hash=hashed), actor="cli", at=datetime.now(UTC))
    return store


@functools.cache
def password_hash(password: str) -> str:
    """argon2id hashes take a quarter of a second: make each once per test run."""
    return accounts.hash_password(password)


@pytest.fixture
def acc(registry_db) -> AccountStore:
    return account_store(registry_db)


def app(who: str | None = None, *, sign_in: bool = False) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if who and not sign_in:
        at.session_state[auth.ACTOR_KEY] = Actor(who, ROLES[who])
    at.run()
    assert not at.exception
    if who and sign_in:
        at.sidebar.text_input(key="auth_name").input(who)
        at.sidebar.text_input(key="auth_password").input(PASSWORDS[who])
        at.sidebar.button(key="auth_submit").click().run()
    return at


def open_page(at: AppTest, page: str, **query: str) -> AppTest:
    at.switch_page(f"clusters/ui/pages/{page}.py")
    at.query_params.clear()
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def save_buttons(at: AppTest) -> list[str]:
    return [b.key for b in at.button if b.key and b.key.endswith("_save")]


def fill_stage(at: AppTest, cid: int, stage: str, **evidence: object) -> None:
    p = f"stage_{cid}"
    at.selectbox(key=f"{p}_new").set_value(stage)
    if evidence.get("effective", True):
        at.date_input(key=f"{p}_date").set_value(date(2025, 3, 14))
    if "kind" in evidence:
        at.radio(key=f"{p}_ev_kind").set_value(evidence["kind"])
    if "number" in evidence:
        at.text_input(key=f"{p}_number").input(str(evidence["number"]))
    if "doc_date" in evidence:
        at.date_input(key=f"{p}_doc_date").set_value(evidence["doc_date"])
    if "issuer" in evidence:
        at.text_input(key=f"{p}_issuer").input(str(evidence["issuer"]))
    if "reason" in evidence:
        at.text_area(key=f"{p}_reason").input(str(evidence["reason"]))


# -- editors save, and the change shows everywhere ---------------------------------------


def test_editor_signs_in_changes_the_stage_and_history_and_list_show_it(registry_db):
    at = open_page(app("lan", sign_in=True), "edit_page", id="1")
    assert "lan" in texts(at.sidebar.markdown)
    fill_stage(
        at,
        1,
        "under_construction",
        number="2803/QĐ-UBND",
        doc_date=date(2025, 3, 10),
        issuer="UBND TP Hà Nội",
    )
    at.selectbox(key="stage_1_doc_type").set_value("groundbreaking")
    at.button(key="stage_1_save").click().run()
    assert not at.exception
    assert "Đã lưu" in texts(at.success)
    assert at.selectbox(key="stage_1_new").value is None  # the form is ready for the next
    assert at.text_input(key="stage_1_number").value == ""

    c = registry_db.get(1)
    assert (c.stage, c.version, c.stage_effective_date) == (
        "under_construction",
        2,
        date(2025, 3, 14),
    )
    event = registry_db.history(1)[0]
    assert (event.actor, event.kind) == ("lan", "stage")
    [d] = [d for d in registry_db.decisions(1) if d.event_id == event.id]
    assert (d.doc_type, d.number, d.issuer) == ("groundbreaking", "2803/QĐ-UBND", "UBND TP Hà Nội")

    open_page(at, "history_page")
    table = at.dataframe[0].value
    assert table.iloc[0].tolist()[1:4] == [
        table.iloc[0, 1],
        "lan",
        "CCN Ngọc Hồi (#1)",
    ]
    assert "Đã khởi công, đang xây dựng hạ tầng" in table.iloc[0, 5]

    open_page(at, "list_page")
    row = at.dataframe[0].value.set_index("id").loc[1]
    assert row["stage"] == "Đã khởi công, đang xây dựng hạ tầng"


def test_history_page_filters_by_user_and_cluster(registry_db):
    registry.update_cluster(
        registry_db, 2, {"investor": "HTX A"}, Actor("hoa", "editor"), based_on=1
    )
    registry.update_cluster(
        registry_db, 1, {"investor": "Cty B"}, Actor("lan", "editor"), based_on=1
    )
    at = open_page(app("minh"), "history_page")
    assert len(at.dataframe[0].value) == 4  # two creations, two edits
    at.selectbox(key="history_user").set_value("hoa").run()
    table = at.dataframe[0].value
    assert table.iloc[:, 2].tolist() == ["hoa"] and "HTX A" in table.iloc[0, 5]
    at.selectbox(key="history_user").set_value(None)
    at.selectbox(key="history_cluster").set_value(1).run()
    assert set(at.dataframe[0].value.iloc[:, 3]) == {"CCN Ngọc Hồi (#1)"}
    at.date_input(key="history_since").set_value(date(2000, 1, 1))
    at.date_input(key="history_until").set_value(date(2000, 1, 2)).run()
    assert "Không có thay đổi nào" in texts(at.info)


def test_invalid_stage_input_names_the_fields_and_writes_nothing(registry_db):
    at = open_page(app("lan"), "edit_page", id="1")
    fill_stage(at, 1, "operating", effective=False)  # a document without number, no date
    at.button(key="stage_1_save").click().run()
    errors = texts(at.error).lower()  # each under its input
    assert "ngày hiệu lực" in errors and "số văn bản" in errors
    assert registry_db.get(1).version == 1
    assert len(registry_db.history(1)) == 1


def test_a_backward_move_is_a_correction_that_needs_a_reason(registry_db):
    at = open_page(app("lan"), "edit_page", id="2")
    options = at.selectbox(key="stage_2_new").options
    assert "↩ Đính chính: Trong quy hoạch" in options
    assert "Đang hoạt động" in options and "Đã khởi công, đang xây dựng hạ tầng" not in options
    fill_stage(at, 2, "established", kind="none")
    at.button(key="stage_2_save").click().run()
    assert "lý do" in texts(at.error)
    assert registry_db.get(2).stage == "under_construction"

    at.text_area(key="stage_2_reason").input("Nhập nhầm giai đoạn từ nguồn cũ")
    at.button(key="stage_2_save").click().run()
    c = registry_db.get(2)
    assert c.stage == "established"
    event = registry_db.history(2)[0]
    assert (event.kind, event.reason) == ("correction", "Nhập nhầm giai đoạn từ nguồn cũ")


def test_attribute_errors_block_with_the_field_named(registry_db):
    at = open_page(app("lan"), "edit_page", id="2")
    at.text_input(key="attr_2_leased_land_ha").input("9")  # more than industrial land
    at.button(key="attr_2_save").click().run()
    assert "Đất đã cho thuê lớn hơn đất công nghiệp" in texts(at.error)
    assert registry_db.get(2).leased_land_ha == 2.0
    assert at.text_input(key="attr_2_leased_land_ha").value == "9"  # the input is kept


def test_warnings_are_shown_and_need_an_explicit_accept(registry_db):
    at = open_page(app("lan"), "edit_page", id="1")
    at.text_input(key="attr_1_area_ha").input("120")  # outside 10–75 ha: a warning
    at.text_input(key="attr_1_investor").input("Công ty CP Hạ tầng Ngọc Hồi")
    at.button(key="attr_1_save").click().run()
    assert "120" in texts(at.warning)
    assert registry_db.get(1).area_ha == 20.0  # nothing written yet

    at.checkbox(key="attr_1_accept").check()
    at.button(key="attr_1_save").click().run()
    c = registry_db.get(1)
    assert (c.area_ha, c.investor, c.version) == (120.0, "Công ty CP Hạ tầng Ngọc Hồi", 2)
    changed = {ch.field for ch in registry_db.history(1)[0].changes}
    assert changed == {"area_ha", "investor"}
    assert "Đã lưu" in texts(at.success)


def test_the_attribute_form_cannot_set_the_stage_evidence_or_verification(registry_db):
    at = open_page(app("lan"), "edit_page", id="1")
    attribute_keys = {
        w.key
        for kind in ("checkbox", "text_input", "text_area", "date_input", "selectbox")
        for w in at.get(kind)
        if w.key and w.key.startswith("attr_1_")
    }
    assert "attr_1_investor" in attribute_keys  # the form is there
    for name in ("stage", "stage_effective_date", "stage_evidence", "stage_verified"):
        assert f"attr_1_{name}" not in attribute_keys
    # The stage's own form still sets them, with its evidence.
    fill_stage(at, 1, "under_construction", number="2803/QĐ-UBND", doc_date=date(2025, 3, 10))
    at.button(key="stage_1_save").click().run()
    c = registry_db.get(1)
    assert (c.stage_evidence, c.stage_verified) == ("2803/QĐ-UBND ngày 10/03/2025", True)


def test_occupancy_is_derived_not_typed(registry_db):
    at = open_page(app("lan"), "edit_page", id="2")
    assert "occupancy_pct" not in " ".join(w.key or "" for w in at.number_input)
    assert "28,6%" in texts(at.caption)  # 2 of 7 ha


def test_location_replaced_by_a_typed_point(registry_db):
    at = open_page(app("lan"), "edit_page", id="1")
    at.text_input(key="loc_1_lat").input("21,0012")
    at.text_input(key="loc_1_lon").input("105,8123")
    at.button(key="loc_1_check_point").click().run()
    assert not texts(at.error)
    at.button(key="loc_1_save").click().run()
    c = registry_db.get(1)
    assert c.geometry.equals(Point(105.8123, 21.0012))
    assert registry_db.history(1)[0].kind == "location"


def test_location_from_markers_shows_the_computed_area_beside_the_decided_one(registry_db):
    at = open_page(app("lan"), "edit_page", id="1")
    at.radio(key="loc_1_method").set_value("markers").run()
    at.text_area(key="loc_1_markers").input(
        "Mốc\tX\tY\nM1\t2313000,0\t587000,0\nM2\t2313000,0\t587300,0\n"
        "M3\t2312700,0\t587300,0\nM4\t2312700,0\t587000,0\n"
    )
    at.button(key="loc_1_check_markers").click().run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Diện tích quyết định"] == "20 ha"
    assert metrics["Diện tích trên mặt phẳng VN-2000"] == "9 ha"
    assert "lệch hơn 10%" in texts(at.warning)
    at.button(key="loc_1_save").click().run()
    assert "lệch hơn 10%" in texts(at.warning)  # the same warning must be accepted
    assert registry_db.get(1).geometry.geom_type == "Point"
    at.checkbox(key="loc_1_accept").check()
    at.button(key="loc_1_save").click().run()
    assert registry_db.get(1).geometry.geom_type == "Polygon"


def test_new_cluster_from_a_typed_point_with_its_establishment_decision(registry_db):
    at = open_page(app("lan"), "new_cluster_page")
    at.text_input(key="new_name").input("CCN Thanh Oai mới")
    at.button(key="new_save").click().run()
    assert "Vị trí" in texts(at.error)  # no location yet: nothing written
    assert registry_db.count() == 2

    at.text_input(key="new_loc_lat").input("20.86")
    at.text_input(key="new_loc_lon").input("105.77")
    at.button(key="new_loc_check_point").click().run()
    at.text_input(key="new_area_ha").input("30")
    at.text_input(key="new_district_2019").input("Thanh Oai")
    at.selectbox(key="new_stage").set_value("established")
    at.date_input(key="new_stage_effective_date").set_value(date(2024, 12, 20))
    at.text_input(key="new_number").input("6120/QĐ-UBND")
    at.date_input(key="new_doc_date").set_value(date(2024, 12, 20))
    at.button(key="new_save").click().run()
    assert not texts(at.error), texts(at.error)
    assert registry_db.count() == 3
    new = registry_db.list_clusters()[-1]
    assert (new.name, new.stage, new.created_by) == ("CCN Thanh Oai mới", "established", "lan")
    assert (new.area_ha, new.district_2019) == (30.0, "Thanh Oai")
    assert [d.number for d in registry_db.decisions(new.id)] == ["6120/QĐ-UBND"]
    assert registry_db.history(new.id)[0].kind == "create"


def test_new_cluster_past_the_plan_needs_evidence(registry_db):
    at = open_page(app("lan"), "new_cluster_page")
    at.text_input(key="new_loc_lat").input("20.86")
    at.text_input(key="new_loc_lon").input("105.77")
    at.button(key="new_loc_check_point").click().run()
    at.text_input(key="new_name").input("CCN X")
    at.selectbox(key="new_stage").set_value("operating")
    at.radio(key="new_ev_kind").set_value("none")
    at.button(key="new_save").click().run()
    assert "cần căn cứ" in texts(at.error)
    assert registry_db.count() == 2


# -- viewers and anonymous users ------------------------------------------------------------


@pytest.mark.parametrize("who", [None, "minh"])
@pytest.mark.parametrize(
    ("page", "query"),
    [("edit_page", {"id": "1"}), ("new_cluster_page", {}), ("admin_page", {})],
)
def test_viewers_and_anonymous_users_see_no_form(registry_db, who, page, query):
    at = open_page(app(who), page, **query)
    assert save_buttons(at) == []
    assert not at.text_area and not at.number_input
    assert texts(at.info) or texts(at.warning)


def test_editors_see_no_administration(registry_db):
    at = open_page(app("lan"), "admin_page")
    assert save_buttons(at) == []
    assert "Quản trị" in texts(at.warning)


@pytest.mark.parametrize("actor", [None, Actor("minh", "viewer"), Actor("ghost", None)])
def test_crafted_writes_by_viewers_and_anonymous_are_refused_and_logged(registry_db, actor, caplog):
    caplog.set_level(logging.WARNING)
    writes = [
        lambda: registry.change_stage(
            registry_db,
            1,
            "operating",
            actor,
            based_on=1,
            effective_date=date(2025, 1, 1),
            evidence=builders.decision(),
        ),
        lambda: registry.update_cluster(registry_db, 1, {"name": "X"}, actor, based_on=1),
        lambda: registry.create_cluster(registry_db, builders.cluster(name="Y"), actor),
        lambda: registry.add_reported_figure(
            registry_db, ReportedFigure(date(2025, 1, 1), "operating", 1, "x"), actor
        ),
    ]
    for write in writes:
        with pytest.raises(AccessDenied):
            write()
    assert registry_db.get(1).version == 1 and registry_db.count() == 2
    assert registry_db.reported_figures() == []
    assert caplog.text.count("refused write by") == len(writes)


def test_a_session_demoted_while_open_is_refused_at_the_moment_of_writing(registry_db, acc, caplog):
    at = open_page(app("lan", sign_in=True), "edit_page", id="1")
    fill_stage(at, 1, "under_construction", number="12/QĐ-UBND", doc_date=date(2025, 3, 1))
    accounts.set_role(acc, CLI_ACTOR, "lan", "viewer")  # meanwhile, an admin demotes lan
    at.button(key="stage_1_save").click().run()
    assert registry_db.get(1).stage == "established"
    # A role change ends the session everywhere: the write is refused and logged, and the
    # page asks to sign in again instead of showing forms.
    assert "refused write by" in caplog.text
    assert auth.ACTOR_KEY not in at.session_state
    assert at.sidebar.text_input(key="auth_name") is not None


def test_anonymous_reading_can_be_switched_off(registry_db, monkeypatch):
    monkeypatch.setenv("CLUSTERS_ANONYMOUS_READ", "no")
    at = open_page(app(), "list_page")
    assert "chỉ dành cho người đã đăng nhập" in texts(at.info)
    assert not at.dataframe
    at = open_page(app("minh"), "list_page")
    assert at.dataframe


# -- sign-in in the app ---------------------------------------------------------------------


def test_wrong_password_signs_nobody_in(registry_db, caplog):
    caplog.set_level(logging.DEBUG)
    at = app()
    at.sidebar.text_input(key="auth_name").input("lan")
    at.sidebar.text_input(key="auth_password").input("not-the-password")
    at.sidebar.button(key="auth_submit").click().run()
    assert "Sai tên tài khoản hoặc mật khẩu" in texts(at.sidebar.error)
    assert auth.ACTOR_KEY not in at.session_state
    assert "not-the-password" not in caplog.text


def test_the_password_does_not_stay_in_the_session(registry_db):
    at = app("lan", sign_in=True)
    assert at.session_state[auth.ACTOR_KEY] == Actor("lan", "editor")
    assert PASSWORDS["lan"] not in repr(at.session_state.to_dict())


def test_sign_out_and_idle_expiry(registry_db, monkeypatch):
    at = app("lan", sign_in=True)
    at.sidebar.button(key="auth_sign_out").click().run()
    assert auth.ACTOR_KEY not in at.session_state
    assert "Đã đăng xuất" in texts(at.sidebar.info)

    at = app("lan", sign_in=True)
    monkeypatch.setenv("CLUSTERS_SESSION_IDLE_MINUTES", "0.0001")  # about 6 ms
    at.session_state[auth.LAST_SEEN_KEY] = at.session_state[auth.LAST_SEEN_KEY].replace(year=2000)
    at.run()
    assert auth.ACTOR_KEY not in at.session_state
    assert "hết hạn" in texts(at.sidebar.info)


def test_oidc_email_maps_to_the_account_role(registry_db, acc):
    accounts.set_email(acc, CLI_ACTOR, "hoa", "hoa@so.gov.vn")
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback"}
    at.user = {"is_logged_in": True, "email": "hoa@so.gov.vn", "email_verified": True}
    at.run()
    open_page(at, "edit_page", id="1")
    assert "hoa" in texts(at.sidebar.markdown)
    assert "stage_1_save" in save_buttons(at)

    at.user = {"is_logged_in": True, "email": "stranger@example.org"}
    open_page(at, "edit_page", id="1")
    assert save_buttons(at) == []
    assert "stranger@example.org" in texts(at.sidebar.warning).replace("\\", "")


# -- administration -------------------------------------------------------------------------


def test_admin_adds_an_account_and_a_reported_figure(registry_db, acc):
    at = open_page(app("root"), "admin_page")
    at.text_input(key="admin_add_name").input("thu")
    at.selectbox(key="admin_add_role").set_value("editor")
    at.text_input(key="admin_add_password").input("thu-mat-khau-2025")
    at.text_input(key="admin_add_password2").input("thu-mat-khau-2025")
    at.button(key="admin_add_save").click().run()
    assert "thu" in texts(at.success)
    added = acc.get("thu")
    assert added.role == "editor" and added.password_hash.startswith("$argon2id$")
    assert "thu-mat-khau-2025" not in repr(at.session_state.to_dict())

    at.selectbox(key="admin_figure_category").set_value("operating")
    at.date_input(key="admin_figure_as_of").set_value(date(2025, 6, 14))
    at.number_input(key="admin_figure_count").set_value(72)
    at.text_input(key="admin_figure_source").input("Báo cáo 6 tháng 2025")
    at.button(key="admin_figure_save").click().run()
    [fig] = registry_db.reported_figures()
    assert (fig.count, fig.as_of, fig.source) == (72, date(2025, 6, 14), "Báo cáo 6 tháng 2025")


def test_admin_disables_an_account_which_then_cannot_sign_in(registry_db, acc):
    at = open_page(app("root"), "admin_page")
    at.selectbox(key="admin_change_account").set_value("lan").run()
    at.checkbox(key="admin_change_enabled").uncheck()
    at.button(key="admin_change_save").click().run()
    assert acc.get("lan").disabled
    other = app("lan", sign_in=True)
    assert "vô hiệu hóa" in texts(other.sidebar.error)


# -- conflicts ------------------------------------------------------------------------------


def test_two_sessions_the_second_save_is_refused_and_names_the_first_change(registry_db):
    first = open_page(app("lan"), "edit_page", id="1")
    second = open_page(app("hoa"), "edit_page", id="1")

    fill_stage(first, 1, "under_construction", number="2803/QĐ-UBND", doc_date=date(2025, 3, 10))
    first.button(key="stage_1_save").click().run()
    assert registry_db.get(1).version == 2

    second.text_input(key="attr_1_investor").input("HTX Ngọc Hồi")
    second.button(key="attr_1_save").click().run()
    message = texts(second.error)
    assert "lan" in message and "Giai đoạn" in message and "phiên bản 1" in message
    assert "Không có gì được ghi" in message
    c = registry_db.get(1)
    assert (c.investor, c.version, len(registry_db.history(1))) == (None, 2, 2)
    # What the other person changed, and the planner's own input, kept to re-apply.
    changes = second.dataframe[0].value
    assert set(changes.iloc[:, 1]) == {"lan"}
    assert "Giai đoạn" in set(changes.iloc[:, 3])
    assert second.text_input(key="attr_1_investor").value == "HTX Ngọc Hồi"

    second.button(key="edit_1_reapply").click().run()
    assert "phiên bản 2" in texts(second.info)
    second.button(key="attr_1_save").click().run()
    c = registry_db.get(1)
    assert (c.investor, c.stage, c.version) == ("HTX Ngọc Hồi", "under_construction", 3)
    assert [ch.field for ch in registry_db.history(1)[0].changes] == ["investor"]


def test_a_stale_form_says_so_before_saving(registry_db):
    at = open_page(app("lan"), "edit_page", id="1")
    registry.update_cluster(registry_db, 1, {"notes": "x"}, Actor("hoa", "editor"), based_on=1)
    at.run()
    assert "hoa" in texts(at.warning) and "phiên bản 1" in texts(at.warning)


def test_a_click_on_the_picking_map_gives_latitude_and_longitude():
    from clusters.ui.editing import clicked_point

    assert clicked_point({"last_clicked": {"lat": 21.0012, "lng": 105.8123}}) == (21.0012, 105.8123)
    assert clicked_point({"last_clicked": None}) is None
    assert clicked_point(None) is None

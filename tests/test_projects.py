"""Tenant projects: the registry's operations (role, rules, one transaction with history and
the revision), migrated and fresh registries alike, and the page driven through AppTest.

Every project here is test data (invented names), never in the seed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from clusters import registry
from clusters.errors import AccessDenied, NotFoundError, StorageError, ValidationError
from clusters.model import TenantProject
from clusters.roles import Actor
from clusters.store import ClusterStore, open_store
from tests import builders
from tests.test_ui_edit import app, open_page, registry_db, texts

__all__ = ["registry_db"]
EDITOR = Actor("lan", "editor")
VIEWER = Actor("minh", "viewer")
NAME = "Nhà máy thử nghiệm (dữ liệu thử)"


def plain(elements) -> str:
    """The elements' text with the markdown escapes taken out."""
    return texts(elements).replace("\\", "")


def _add(store: ClusterStore, **kw) -> TenantProject:
    project = TenantProject(kw.pop("cluster_id", 2), kw.pop("name", NAME), **kw)
    return registry.add_project(store, project, EDITOR).project


def test_an_editor_adds_and_edits_a_project_with_history_and_revision(registry_db):
    before = registry_db.revision()
    p = _add(registry_db, investor="  Công ty Thử ", land_leased_ha=1.5, source="Biểu 01 thử")
    assert (p.version, p.investor, p.status, p.created_by) == (
        1,
        "Công ty Thử",
        "registered",
        "lan",
    )
    assert registry_db.revision() == before + 1
    saved = registry.update_project(
        registry_db,
        p.id,
        {"status": "operating", "land_leased_ha": 2.0},
        EDITOR,
        based_on=1,
        reason="báo cáo thử",
    )
    assert saved.project.version == 2 and saved.warnings == []
    assert registry_db.revision() == before + 2
    newest, first = registry_db.project_history(cluster_id=2)
    assert (newest.kind, newest.actor, newest.reason, newest.version) == (
        "update",
        "lan",
        "báo cáo thử",
        2,
    )
    assert {(c.field, c.old, c.new) for c in newest.changes} == {
        ("status", "registered", "operating"),
        ("land_leased_ha", 1.5, 2.0),
    }
    assert first.kind == "create" and ("name", None, NAME) in {
        (c.field, c.old, c.new) for c in first.changes
    }
    assert [q.id for q in registry_db.projects(2)] == [p.id] and registry_db.projects(1) == []


def test_a_stale_edit_is_refused_and_nothing_changes(registry_db):
    p = _add(registry_db)
    registry.update_project(registry_db, p.id, {"investor": "A"}, EDITOR, based_on=1)
    rev = registry_db.revision()
    with pytest.raises(StorageError, match="version 2, you edited version 1"):
        registry.update_project(registry_db, p.id, {"investor": "B"}, EDITOR, based_on=1)
    assert registry_db.project(p.id).investor == "A" and registry_db.revision() == rev


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"land_leased_ha": -0.5}, "land_leased_ha"),
        ({"status": "closed"}, "status"),
    ],
)
def test_the_rules_refuse_a_bad_project(registry_db, changes, field):
    rev = registry_db.revision()
    with pytest.raises(ValidationError) as caught:
        registry.add_project(registry_db, TenantProject(2, NAME).replace(**changes), EDITOR)
    assert [p.field for p in caught.value.problems] == [field]
    assert registry_db.projects() == [] and registry_db.revision() == rev


def test_a_project_only_in_a_cluster_that_exists(registry_db):
    with pytest.raises(NotFoundError):
        registry.add_project(registry_db, TenantProject(99, NAME), EDITOR)
    assert registry_db.projects() == []


def test_operating_before_under_construction_is_a_warning(registry_db):
    draft = TenantProject(1, NAME, status="operating")  # cluster 1 is only established
    with pytest.raises(registry.WarningsNotAccepted) as caught:
        registry.add_project(registry_db, draft, EDITOR)
    assert [p.code for p in caught.value.problems] == ["operating_too_early"]
    assert registry_db.projects() == []
    saved = registry.add_project(registry_db, draft, EDITOR, accept_warnings=True)
    assert saved.warnings and saved.project.status == "operating"
    # Cluster 2 is under construction: no warning.
    assert registry.add_project(registry_db, TenantProject(2, NAME, status="operating"), EDITOR)


def test_a_viewer_cannot_add_or_edit(registry_db):
    p = _add(registry_db)
    with pytest.raises(AccessDenied):
        registry.add_project(registry_db, TenantProject(2, NAME), VIEWER)
    with pytest.raises(AccessDenied):
        registry.update_project(registry_db, p.id, {"name": "X"}, VIEWER, based_on=1)
    assert [(q.name, q.version) for q in registry_db.projects()] == [(NAME, 1)]


def test_project_history_is_append_only(registry_db):
    _add(registry_db)
    with registry_db.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError):  # type: ignore[attr-defined]
        conn.execute(sa.text("DELETE FROM tenant_project_events"))


# -- the page -------------------------------------------------------------------------------


def test_an_editor_adds_a_project_on_the_page_and_the_record_counts_it(registry_db):
    at = open_page(app("lan"), "projects_page", id="2")
    assert "Cụm chưa có dự án nào." in texts(at.caption)
    assert at.text_input(key="proj_new_name").placeholder
    at.text_input(key="proj_new_name").input(NAME)
    at.text_input(key="proj_new_land_leased_ha").input("1,25")
    at.selectbox(key="proj_new_status").set_value("operating")
    at.button(key="proj_new_save").click().run()
    assert not at.exception and not at.error, texts(at.error)
    assert f"Đã thêm dự án «{NAME}»." in plain(at.success)
    [p] = registry_db.projects(2)
    assert (p.land_leased_ha, p.status, p.created_by) == (1.25, "operating", "lan")
    assert at.text_input(key="proj_new_name").value == ""  # emptied for the next one
    record = open_page(app("lan"), "cluster_page", id="2")
    shown = texts(record.markdown)
    assert "**1** dự án, trong đó **1** đang hoạt động" in shown and "1,25 ha" in shown
    assert "lấp đầy **17,9%** đất công nghiệp" in shown  # 1.25 of the cluster's 7 ha


def test_a_refused_save_keeps_what_was_typed(registry_db):
    at = open_page(app("lan"), "projects_page", id="2")
    at.text_input(key="proj_new_name").input(NAME)
    at.text_input(key="proj_new_land_leased_ha").input("nhiều")
    at.button(key="proj_new_save").click().run()
    assert "«nhiều» không phải là số ha." in plain(at.error)
    assert at.text_input(key="proj_new_name").value == NAME
    assert at.text_input(key="proj_new_land_leased_ha").value == "nhiều"
    assert registry_db.projects() == []


def test_an_editor_edits_a_project_and_sees_its_history(registry_db):
    p = _add(registry_db, investor="Công ty Thử")
    at = open_page(app("lan"), "projects_page", id="2")
    at.selectbox(key="proj_edit_id").set_value(p.id).run()
    assert at.text_input(key="proj_edit_investor").value == "Công ty Thử"
    at.text_input(key="proj_edit_investor").input("Công ty Thử Hai")
    at.text_input(key="proj_edit_reason").input("đổi tên nhà đầu tư (thử)")
    at.button(key="proj_edit_save").click().run()
    assert not at.exception and not at.error, texts(at.error)
    assert registry_db.project(p.id).investor == "Công ty Thử Hai"
    history = at.dataframe[-1].value
    assert list(history.columns) == [
        "Thời điểm ghi", "Người ghi", "Tên dự án", "Loại thay đổi", "Nội dung", "Lý do, căn cứ"
    ]  # fmt: skip
    assert list(history.iloc[:, 3]) == ["Sửa", "Thêm mới"]  # newest first
    assert "Nhà đầu tư: Công ty Thử → Công ty Thử Hai" in set(history.iloc[:, 4])
    assert list(history.iloc[:, 5]) == ["đổi tên nhà đầu tư (thử)", ""]


def test_a_cluster_without_projects_says_it_has_no_history(registry_db):
    at = open_page(app("minh"), "projects_page", id="2")
    assert "Lịch sử các dự án" in [h.value for h in at.subheader]
    assert "Chưa có thay đổi nào." in texts(at.caption)
    assert not at.dataframe


def test_a_viewer_sees_the_projects_but_no_form(registry_db):
    _add(registry_db)
    at = open_page(app("minh"), "projects_page", id="2")
    assert NAME in set(at.dataframe[0].value.iloc[:, 0])
    assert not [b for b in at.button if b.key and b.key.startswith("proj_")]


def test_the_page_in_english(registry_db):
    _add(registry_db, status="operating")
    at = app("lan")
    at.button_group(key="lang").set_value("en").run()
    at = open_page(at, "projects_page", id="2")
    assert "Tenant projects" in [t.value for t in at.title]
    assert "Operating" in set(at.dataframe[0].value.iloc[:, 4])
    history = at.dataframe[-1].value
    assert list(history.columns) == [
        "Recorded", "By", "Project", "Change", "What changed", "Reason, evidence"
    ]  # fmt: skip
    assert list(history.iloc[:, 3]) == ["Added"]
    assert any("Status: — → Operating" in v for v in history.iloc[:, 4])


@pytest.mark.postgis
def test_projects_on_postgis_with_append_only_history(postgis_url):
    store = open_store(postgis_url)
    try:
        store.create(builders.cluster(id=1, name="CCN thử (dữ liệu thử)"), actor="seed")
        p = _add(store, cluster_id=1, land_leased_ha=0.75)
        registry.update_project(store, p.id, {"foreign_invested": True}, EDITOR, based_on=1)
        assert store.project(p.id).foreign_invested and store.project(p.id).version == 2
        assert [e.kind for e in store.project_history(project_id=p.id)] == ["update", "create"]
        with store.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError):  # type: ignore[attr-defined]
            conn.execute(sa.text("UPDATE tenant_project_events SET actor = 'x'"))
    finally:
        store.close()

"""The forms never lose input: what does not read is an error at its input, a cleared value
is a change that says why, and a refused save keeps everything typed and says why."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from clusters import accounts, registry
from clusters.errors import RegistryBusy
from clusters.model import FIELD_BY_NAME, FORM_FIELDS, Kind
from clusters.roles import CLI_ACTOR, Actor
from tests import test_ui_edit as edit_tests
from tests.test_ui_edit import app, fill_stage, open_page, texts

# The edit page's fixtures: two clusters, four accounts, the app on the same database.
registry_db = edit_tests.registry_db
acc = edit_tests.acc

# A value for every input of the attribute form of cluster 1, as a planner would type it.
TYPED: dict[str, Any] = {
    "name": "CCN Ngọc Hồi mở rộng",
    "aliases": "Ngọc Hồi 2\nNgọc Hồi B",
    "cluster_type": "craft_village",
    "as_of": "2025-06",
    "batch": "2021_2025",
    "district_2019": "Thanh Trì ",
    "commune_2019": "Xã Ngọc Hồi",
    "commune_2025_code": "10210",
    "commune_2025_name": "Xã Ngọc Hồi",
    "area_ha": "18,8",
    "industrial_land_ha": "12,5",
    "leased_land_ha": "3",
    "occupancy_note": "khoảng 25%",
    "investor": "Công ty CP Hạ tầng Ngọc Hồi",
    "investor_type": "enterprise",
    "wwtp_status": "planned",
    "wwtp_note": "đang thiết kế",
    "confidence": "medium",
    "sources": "https://example.org/a\nQĐ 123/QĐ-UBND",
    "notes": "số liệu báo cáo quý II",
    "plan_area_ha": "20",
    "detailed_plan_approved_on": date(2024, 3, 15),
    "infra_project_approved_on": date(2024, 9, 2),
    "infra_investment_bn": "240,859",
    "capital_paid_bn": "120,5",
    "serviced_land_ha": "10",
    "committed_land_ha": "4",
    "specialised": True,
}


def type_everything(at: AppTest, cid: int = 1) -> None:
    assert set(TYPED) == set(FORM_FIELDS), "a new form field needs a typed value here"
    for name, value in TYPED.items():
        key = f"attr_{cid}_{name}"
        kind = FIELD_BY_NAME[name].kind
        if kind is Kind.CHOICE:
            at.selectbox(key=key).set_value(value)
        elif kind is Kind.DATE:
            at.date_input(key=key).set_value(value)
        elif kind is Kind.BOOL:
            at.checkbox(key=key).set_value(bool(value))
        elif kind in (Kind.LIST, Kind.LONG_TEXT):
            at.text_area(key=key).input(value)
        else:
            at.text_input(key=key).input(value)
    at.text_input(key=f"attr_{cid}_why").input("Theo báo cáo quý II")


def typed_values(at: AppTest, cid: int = 1) -> dict[str, Any]:
    out = {}
    for name in TYPED:
        key = f"attr_{cid}_{name}"
        kind = FIELD_BY_NAME[name].kind
        if kind is Kind.CHOICE:
            out[name] = at.selectbox(key=key).value
        elif kind is Kind.DATE:
            out[name] = at.date_input(key=key).value
        elif kind is Kind.BOOL:
            out[name] = at.checkbox(key=key).value
        elif kind in (Kind.LIST, Kind.LONG_TEXT):
            out[name] = at.text_area(key=key).value
        else:
            out[name] = at.text_input(key=key).value
    return out


def next_element(at: AppTest, key: str) -> Any:
    """The element drawn right after the input ``key``, in the same container."""

    def walk(node: Any) -> Any:
        children = getattr(node, "children", None)
        if not isinstance(children, dict):
            return None
        items = list(children.values())
        for i, child in enumerate(items):
            if getattr(child, "key", None) == key:
                return items[i + 1] if i + 1 < len(items) else None
            found = walk(child)
            if found is not None:
                return found
        return None

    return walk(at._tree)


def history_length(store, cid: int = 1) -> int:
    return len(store.history(cid))


# -- what does not read is an error at its input ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "typed", "message"),
    [
        ("area_ha", "abc", "«abc» không phải một số"),
        ("industrial_land_ha", "12 ha 5", "không phải một số"),
        ("as_of", "2025-13", "không phải một năm, tháng hay ngày có thật"),
        ("as_of", "30/02/2025", "không phải một năm, tháng hay ngày có thật"),
    ],
)
def test_text_that_does_not_read_is_an_error_at_its_input_and_nothing_is_saved(
    registry_db, name, typed, message
):
    at = open_page(app("lan"), "edit_page", id="1")
    at.text_input(key=f"attr_1_{name}").input(typed).run()
    shown = next_element(at, f"attr_1_{name}")  # as soon as the planner leaves the input
    assert type(shown).__name__ == "Error" and message in shown.value
    at.button(key="attr_1_save").click().run()
    assert message in next_element(at, f"attr_1_{name}").value
    assert "Đã lưu" not in texts(at.success)
    record = registry_db.get(1)
    assert (record.version, record.area_ha, record.as_of) == (1, 20.0, None)
    assert history_length(registry_db) == 1
    assert at.text_input(key=f"attr_1_{name}").value == typed  # the input is kept


def test_a_number_typed_the_vietnamese_way_is_read_as_the_import_reads_it(registry_db):
    at = open_page(app("lan"), "edit_page", id="1")
    assert at.text_input(key="attr_1_area_ha").label == "Diện tích quyết định (ha)"
    at.text_input(key="attr_1_area_ha").input("18,75")
    at.button(key="attr_1_save").click().run()
    assert registry_db.get(1).area_ha == 18.75
    assert at.text_input(key="attr_1_area_ha").value == "18,75"


# -- clearing a value is a change, with its reason -----------------------------------------


def test_clearing_the_area_is_shown_before_saving_and_needs_its_reason(registry_db):
    at = open_page(app("lan"), "edit_page", id="1")
    assert at.text_input(key="attr_1_area_ha").value == "20"
    at.text_input(key="attr_1_area_ha").input("").run()
    summary = texts(at.info)
    assert "Trước khi lưu" in summary
    assert "Diện tích quyết định" in summary and "20 ha → —" in summary
    assert "cần nêu lý do" in summary

    at.button(key="attr_1_save").click().run()
    refused = next_element(at, "attr_1_why")
    assert type(refused).__name__ == "Error" and "cần nêu lý do" in refused.value
    assert registry_db.get(1).area_ha == 20.0 and history_length(registry_db) == 1
    assert at.text_input(key="attr_1_area_ha").value == ""  # still cleared, not refilled

    at.text_input(key="attr_1_why").input("Quyết định 20 ha đã bị thay thế")
    at.button(key="attr_1_save").click().run()
    assert "Đã lưu" in texts(at.success)
    record = registry_db.get(1)
    assert (record.area_ha, record.version) == (None, 2)
    event = registry_db.history(1)[0]
    assert event.reason == "Quyết định 20 ha đã bị thay thế"
    assert [(ch.field, ch.old, ch.new) for ch in event.changes] == [("area_ha", 20.0, None)]


def test_a_save_with_nothing_changed_says_so_and_writes_nothing(registry_db):
    at = open_page(app("lan"), "edit_page", id="1")
    assert "Chưa có thay đổi nào" in texts(at.caption)
    at.button(key="attr_1_save").click().run()
    assert "Chưa có gì thay đổi" in texts(at.error)
    assert history_length(registry_db) == 1


# -- a refused save keeps every typed value and says why ------------------------------------


def test_a_save_refused_because_the_account_was_disabled_keeps_every_typed_value(
    registry_db,
    acc,
):
    at = open_page(app("lan"), "edit_page", id="1")
    type_everything(at)
    accounts.set_disabled(acc, CLI_ACTOR, "lan")  # meanwhile, an administrator disables lan
    at.button(key="attr_1_save").click().run()
    assert not at.exception
    assert "không có quyền" in texts(at.error)  # says why …
    assert "nội dung bạn đã nhập vẫn được giữ" in texts(at.info)
    assert typed_values(at) == TYPED  # … and keeps everything, read only
    assert at.text_input(key="attr_1_why").value == "Theo báo cáo quý II"
    assert at.button(key="attr_1_save").disabled
    assert registry_db.get(1).version == 1 and history_length(registry_db) == 1


def test_a_stage_change_refused_because_the_sign_in_ended_keeps_the_form(
    registry_db,
    acc,
):
    at = open_page(app("lan"), "edit_page", id="1")
    fill_stage(at, 1, "under_construction", number="12/QĐ-UBND", issuer="UBND TP Hà Nội")
    at.text_area(key="stage_1_reason").input("Theo biên bản khởi công")
    accounts.set_disabled(acc, CLI_ACTOR, "lan")
    at.button(key="stage_1_save").click().run()
    assert "không có quyền" in texts(at.error)
    assert at.selectbox(key="stage_1_new").value == "under_construction"
    assert at.text_input(key="stage_1_number").value == "12/QĐ-UBND"
    assert at.text_input(key="stage_1_issuer").value == "UBND TP Hà Nội"
    assert at.text_area(key="stage_1_reason").value == "Theo biên bản khởi công"
    assert registry_db.get(1).stage == "established"


def test_a_save_refused_by_a_conflict_keeps_every_typed_value(registry_db):
    at = open_page(app("lan"), "edit_page", id="1")
    registry.update_cluster(registry_db, 1, {"notes": "x"}, Actor("hoa", "editor"), based_on=1)
    type_everything(at)
    at.button(key="attr_1_save").click().run()
    assert "hoa" in texts(at.error) and "Không có gì được ghi" in texts(at.error)
    assert typed_values(at) == TYPED
    assert registry_db.get(1).version == 2  # hoa's edit only


def test_a_save_refused_by_a_busy_registry_keeps_every_typed_value(registry_db, monkeypatch):
    at = open_page(app("lan"), "edit_page", id="1")
    type_everything(at)

    real, calls = registry.update_cluster, []

    def busy_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:  # another writer holds the registry, the first time only
            raise RegistryBusy()
        return real(*args, **kwargs)

    monkeypatch.setattr(registry, "update_cluster", busy_once)
    at.button(key="attr_1_save").click().run()
    assert "đang bận" in texts(at.error)
    assert typed_values(at) == TYPED
    at.button(key="attr_1_save").click().run()  # the same save, once the registry is free
    record = registry_db.get(1)
    assert (record.name, record.area_ha, record.sources) == (
        "CCN Ngọc Hồi mở rộng",
        18.8,
        ["https://example.org/a", "QĐ 123/QĐ-UBND"],
    )


def test_the_new_cluster_form_keeps_what_does_not_read_and_names_it(registry_db):
    at = open_page(app("lan"), "new_cluster_page")
    at.text_input(key="new_name").input("CCN Thử")
    at.text_input(key="new_area_ha").input("ba mươi")
    at.button(key="new_save").click().run()
    shown = next_element(at, "new_area_ha")
    assert type(shown).__name__ == "Error" and "«ba mươi» không phải một số" in shown.value
    assert registry_db.count() == 2
    assert at.text_input(key="new_area_ha").value == "ba mươi"
    assert at.text_input(key="new_name").value == "CCN Thử"


# -- Streamlit's own English stays out of the Vietnamese pages -------------------------------


@pytest.mark.parametrize(("page", "query"), [("edit_page", {"id": "1"}), ("new_cluster_page", {})])
def test_the_forms_use_vietnamese_placeholders_and_do_not_submit_on_enter(registry_db, page, query):
    at = open_page(app("lan"), page, **query)
    assert at.selectbox
    for box in at.selectbox:
        assert box.placeholder and box.placeholder != "Choose an option", box.key
    forms = at.get("form")
    assert forms
    assert not any(f.proto.form.enter_to_submit for f in forms)

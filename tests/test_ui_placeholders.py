"""Streamlit's own English stays out of the sign-in form, the import page and the history
page: every choice box has a placeholder in the page's language (Streamlit would else show
"Choose an option"), and no form says "Press Enter to submit form"."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests import test_ui_edit as edit_tests
from tests.test_ui_edit import app, open_page
from tests.test_ui_pages import walk

registry_db = edit_tests.registry_db
CHOOSE = {"vi": "Chọn…", "en": "Choose…"}
STREAMLIT_ENGLISH = ("Choose an option", "Choose options", "Press Enter")
CSV = (
    "Tên CCN,Giai đoạn,Quận/huyện,Kinh độ,Vĩ độ\n"
    "CCN Thử nghiệm,Đã thành lập,Đan Phượng,105.67,21.08\n"  # test data, not a real cluster
)


def choice_boxes(at: AppTest) -> list:
    return [*at.selectbox, *at.multiselect]


def streamlit_english(at: AppTest, lang: str) -> list[str]:
    """What would show Streamlit's English: a choice box without our placeholder, a form
    submitted by Enter, or the words themselves anywhere in the page."""
    found = [
        f"{box.key}: {box.placeholder!r}"
        for box in choice_boxes(at)
        if box.placeholder != CHOOSE[lang]
    ]
    found += [
        f"form {f.proto.form.form_id}" for f in at.get("form") if f.proto.form.enter_to_submit
    ]
    for node in walk(at._tree):
        proto = str(getattr(node, "proto", ""))
        found += [words for words in STREAMLIT_ENGLISH if words in proto]
    return found


def in_english(at: AppTest) -> AppTest:
    at.button_group(key="lang").set_value("en").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_sign_in_form_is_not_submitted_by_enter(registry_db, lang):
    at = open_page(app(), "history_page")  # nobody signed in: the sign-in form
    if lang == "en":
        in_english(at)
    [form] = [f for f in at.get("form") if f.proto.form.form_id == "auth_form"]
    assert form.proto.form.enter_to_submit is False
    assert at.sidebar.text_input(key="auth_name").label == (
        "Account name" if lang == "en" else "Tên tài khoản"
    )
    assert streamlit_english(at, lang) == []


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_import_page_speaks_the_page_language(registry_db, monkeypatch, lang):
    monkeypatch.setenv("CLUSTERS_TILES", "none")
    at = open_page(app("root"), "import_page")
    if lang == "en":
        in_english(at)
    at.file_uploader(key="import_file").set_value(("thu.csv", CSV.encode(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    boxes = choice_boxes(at)
    assert len(boxes) > 10  # the coordinate system and one box per field of the mapping
    assert {box.placeholder for box in boxes} == {CHOOSE[lang]}
    assert streamlit_english(at, lang) == []


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_history_page_speaks_the_page_language(registry_db, lang):
    at = open_page(app("lan"), "history_page")
    if lang == "en":
        in_english(at)
    assert {box.key for box in choice_boxes(at)} == {"history_user", "history_cluster"}
    assert [d.label for d in at.date_input] == (
        ["From", "To"] if lang == "en" else ["Từ ngày", "Đến ngày"]
    )
    assert streamlit_english(at, lang) == []

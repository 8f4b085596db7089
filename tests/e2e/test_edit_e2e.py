"""Editing in headless Chromium against the real app: an editor made with the CLI signs in,
changes a cluster's stage with a decision, and sees the map colour and the history change."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
from playwright.sync_api import expect

from clusters import stages
from clusters.mapping import CLUSTER_CLASS
from tests.builders import cluster, square
from tests.e2e.conftest import MAP_FRAME

pytestmark = pytest.mark.browser

PASSWORD = "lan-mat-khau-2025"
UNDER_CONSTRUCTION = stages.stage("under_construction")


def add_editor(db_url: str) -> None:
    """``clusters users add lan --role editor`` with the password on stdin, as an admin would."""
    entry = "import sys; from clusters.cli import main; sys.exit(main())"
    proc = subprocess.run(
        [sys.executable, "-c", entry, "users", "add", "lan", "--role", "editor"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env={"CLUSTERS_DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def type_date(page, label: str, day: date) -> None:
    page.get_by_role("spinbutton", name=f"day, {label}").click()
    page.keyboard.type(day.strftime("%d%m%Y"))
    page.keyboard.press("Tab")


def choose(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_editor_changes_a_stage_and_sees_the_map_and_the_history(app_server, browser_page):
    server = app_server(
        clusters=[
            cluster(
                id=1,
                name="CCN Thử nghiệm",
                geometry=square(),
                location_precision="surveyed",
                area_ha=10.3,
            )
        ]
    )
    add_editor(server.db_url)
    page = browser_page.page
    page.goto(f"{server.url}/edit?id=1")

    # Anonymous: no form, an invitation to sign in.
    page.get_by_text("Cần đăng nhập với vai trò Biên tập viên").wait_for()
    assert page.get_by_role("button", name="Lưu giai đoạn").count() == 0

    page.get_by_label("Tên tài khoản").fill("lan")
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_text("Giai đoạn mới").wait_for()

    choose(page, "Giai đoạn mới", UNDER_CONSTRUCTION.label_vi)
    type_date(page, "Ngày hiệu lực", date(2025, 3, 14))
    choose(page, "Loại văn bản", "Khởi công")
    page.get_by_label("Số văn bản").fill("2803/QĐ-UBND")
    type_date(page, "Ngày văn bản / kiểm tra", date(2025, 3, 10))
    page.get_by_label("Cơ quan ban hành").fill("UBND TP Hà Nội")
    page.get_by_role("button", name="Lưu giai đoạn").click()
    page.get_by_text("Đã lưu: giai đoạn").wait_for()

    store = server.store()
    try:
        c = store.get(1)
        assert (c.stage, c.stage_effective_date, c.updated_by) == (
            "under_construction",
            date(2025, 3, 14),
            "lan",
        )
        assert [d.number for d in store.decisions(1)] == ["2803/QĐ-UBND"]
    finally:
        store.close()

    # The cluster page's history names the editor and the change.
    page.get_by_role("link", name="Về trang chi tiết").click()
    page.get_by_text("Lịch sử thay đổi").wait_for()
    entry = page.get_by_text("lan · Đổi giai đoạn · phiên bản 2")
    entry.wait_for()
    expect(entry).to_be_visible()

    # The map draws the cluster in the new stage's colour, right away.
    page.get_by_role("link", name="Bản đồ").click()
    frame = page.frame_locator(MAP_FRAME)
    shape = frame.locator(f"path.{CLUSTER_CLASS}").first
    shape.wait_for()
    assert shape.get_attribute("fill") == UNDER_CONSTRUCTION.colour
    assert shape.get_attribute("stroke") == UNDER_CONSTRUCTION.colour
    # Still signed in after moving between pages.
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def sign_in(page) -> None:
    page.get_by_label("Tên tài khoản").fill("lan")
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_text("Giai đoạn mới").wait_for()


def test_an_area_that_does_not_read_is_refused_at_its_input_and_clearing_needs_a_reason(
    app_server, browser_page
):
    server = app_server(clusters=[cluster(id=1, name="CCN Thử nghiệm", area_ha=20.0)])
    add_editor(server.db_url)
    page = browser_page.page
    page.goto(f"{server.url}/edit?id=1")
    sign_in(page)
    page.get_by_role("tab", name="Thông tin").click()
    area = page.get_by_role("textbox", name="Diện tích quyết định (ha)")
    area.fill("abc")
    area.press("Tab")  # leaving the input is enough for the error to show under it
    page.get_by_text("«abc» không phải một số").wait_for()
    page.get_by_role("button", name="Lưu thông tin").click()
    page.get_by_text("«abc» không phải một số").wait_for()
    assert area.input_value() == "abc"

    area.fill("")
    area.press("Tab")
    page.get_by_text("20 ha → —").wait_for()  # the summary before saving
    page.get_by_role("button", name="Lưu thông tin").click()
    page.get_by_text("cần nêu lý do").first.wait_for()
    store = server.store()
    try:
        assert store.get(1).area_ha == 20.0 and len(store.history(1)) == 1
    finally:
        store.close()

    why = page.get_by_role("textbox", name="Lý do sửa")
    why.fill("Quyết định đã bị thay thế")
    why.press("Tab")
    page.get_by_role("button", name="Lưu thông tin").click()
    page.get_by_text("Đã lưu: Diện tích quyết định").wait_for()
    store = server.store()
    try:
        c = store.get(1)
        assert (c.area_ha, c.version) == (None, 2)
        assert store.history(1)[0].reason == "Quyết định đã bị thay thế"
    finally:
        store.close()

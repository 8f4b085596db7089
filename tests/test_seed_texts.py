"""The seed's research notes in Vietnamese for the Vietnamese UI, in English for the English UI.

The research file's free-text columns are English; the project's seed adds a Vietnamese
translation beside each (``<column>_vi``). Records hold the Vietnamese, and the English
stays in the seed file, shown when the UI is in English.
"""

import csv

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from clusters import seed
from clusters.model import Cluster
from tests import test_ui_pages as ui_pages
from tests.test_ui_pages import open_cluster

app = ui_pages.app  # the seeded registry and the app on it
registry = ui_pages.registry

TEXT_FIELDS = tuple(seed.TRANSLATED.values())


def seed_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(seed.SEED_FILE.open(encoding="utf-8")))


def english_notes(rows: list[dict[str, str]]) -> set[str]:
    """Every research text the seed translates (its English original)."""
    return {
        r[column].strip()
        for r in rows
        for column in (*seed.TRANSLATED, "decision_no", "decision_date")
        if r.get(f"{column}_vi", "").strip()
    }


def test_every_translated_column_has_its_vietnamese_beside_it():
    rows = seed_rows()
    for column in (*seed.TRANSLATED, "decision_no", "decision_date"):
        assert f"{column}_vi" in rows[0], column
        for r in rows:
            assert not (r[f"{column}_vi"].strip() and not r[column].strip()), (r["id"], column)
    # One research text, one translation: the same English reads the same in every row.
    seen: dict[tuple[str, str], str] = {}
    for r in rows:
        for column in seed.TRANSLATED:
            if r[f"{column}_vi"]:
                assert seen.setdefault((column, r[column]), r[f"{column}_vi"]) == r[f"{column}_vi"]


def test_the_issues_examples_are_translated_faithfully():
    rows = {int(r["id"]): r for r in seed_rows()}
    assert rows[80]["stage_evidence_vi"] == "đang xây dựng (khởi công ngày 30/3/2023)"
    assert rows[25]["wwtp_status_text_vi"] == "chưa được báo cáo"
    assert rows[25]["decision_no_vi"] == "4754/QĐ-UBND (theo thứ tự liệt kê; chưa xác minh)"


def test_seeded_records_hold_the_vietnamese_text(seeded_copy):
    rows = {int(r["id"]): r for r in seed_rows()}
    english = english_notes(list(rows.values()))
    for c in seeded_copy.list_clusters():
        for column, name in seed.TRANSLATED.items():
            value = getattr(c, name)
            row = rows[c.id]
            assert value == ((row[f"{column}_vi"] or row[column]).strip() or None), (c.id, name)
            assert value not in english, (c.id, name, value)
    decision = next(d for d in seeded_copy.decisions() if d.cluster_id == 25)
    assert decision.number == "4754/QĐ-UBND (theo thứ tự liệt kê; chưa xác minh)"
    assert decision.note == (
        "ngày theo nguồn: 20/7 (đoạn trích không nêu năm; dãy số quyết định cho thấy là năm 2017)"
    )


def test_every_seeded_text_reads_vietnamese_in_vi_and_english_in_en(seeded_copy):
    """What the pages show of each seeded text field and decision, for all 101 records."""
    rows = {int(r["id"]): r for r in seed_rows()}
    english = english_notes(list(rows.values()))
    for c in seeded_copy.list_clusters():
        for column, name in seed.TRANSLATED.items():
            value = getattr(c, name)
            if value is None:
                continue
            assert seed.in_language(name, value, "vi") not in english, (c.id, name)
            assert seed.in_language(name, value, "en") == rows[c.id][column].strip(), (c.id, name)
    for d in seeded_copy.decisions():
        row = rows[d.cluster_id]
        if d.number:
            assert seed.in_language(seed.DECISION_NUMBER, d.number, "vi") not in english
            assert seed.in_language(seed.DECISION_NUMBER, d.number, "en") == row["decision_no"]
        if d.note:
            vi = seed.in_language(seed.DECISION_NOTE, d.note, "vi")
            assert vi == f"ngày theo nguồn: {row['decision_date_vi'] or row['decision_date']}"
            assert seed.in_language(seed.DECISION_NOTE, d.note, "en") == (
                f"date as reported: {row['decision_date']}"
            )


def test_in_language_gives_either_language_and_leaves_a_planners_text_alone():
    vi = "đang xây dựng (khởi công ngày 30/3/2023)"
    en = "under construction (groundbreaking 30 Mar 2023)"
    assert seed.in_language("stage_evidence", vi, "en") == en
    assert seed.in_language("stage_evidence", vi, "vi") == vi
    # A registry seeded before the translations holds the English: Vietnamese in the vi UI.
    assert seed.in_language("stage_evidence", en, "vi") == vi
    assert seed.in_language("wwtp_note", "not reported", "vi") == "chưa được báo cáo"
    old_note = "ngày theo nguồn: c. Jul 2017 (inferred)"
    assert seed.in_language(seed.DECISION_NOTE, old_note, "vi") == (
        "ngày theo nguồn: khoảng tháng 7/2017 (suy luận)"
    )
    assert seed.in_language(seed.DECISION_NOTE, old_note, "en") == (
        "date as reported: c. Jul 2017 (inferred)"
    )
    typed = "Kiểm tra thực địa ngày 02/03/2026"
    assert seed.in_language("stage_evidence", typed, "en") == typed


def page_text(at: AppTest) -> str:
    """Everything the page shows as text: markdown, captions and every table cell."""
    parts = [str(e.value) for kind in ("markdown", "caption") for e in at.get(kind)]
    for frame in at.dataframe:
        value = frame.value
        data = value.data if hasattr(value, "data") else value  # a Styler or a DataFrame
        assert isinstance(data, pd.DataFrame)
        parts += [str(v) for v in data.to_numpy().ravel()]
    return "\n".join(parts)


@pytest.mark.parametrize("cluster_id", [2, 25, 80])
def test_the_vietnamese_record_page_shows_no_english_research_note(app, cluster_id):
    open_cluster(app, cluster_id)
    assert not app.exception
    shown = page_text(app)
    row = next(r for r in seed_rows() if int(r["id"]) == cluster_id)
    for english in english_notes([row]):
        assert english not in shown
    for column in (*seed.TRANSLATED, "decision_no"):
        if row[f"{column}_vi"]:
            assert row[f"{column}_vi"] in shown.replace("\\", ""), column


def test_the_english_record_page_shows_the_english_research_notes(app):
    app.run()
    app.button_group(key="lang").set_value("en").run()
    open_cluster(app, 80)
    assert not app.exception
    shown = page_text(app).replace("\\", "")
    assert "under construction (groundbreaking 30 Mar 2023)" in shown
    assert "not reported" in shown
    assert "đang xây dựng (khởi công" not in shown


def test_a_planners_own_note_shows_as_written_in_both_languages(app, registry):
    c: Cluster = registry.get(80)
    registry.update(80, {"notes": "Ghi chú của cán bộ"}, based_on=c.version, actor="test")
    app.run()
    app.button_group(key="lang").set_value("en").run()
    open_cluster(app, 80)
    assert "Ghi chú của cán bộ" in page_text(app)

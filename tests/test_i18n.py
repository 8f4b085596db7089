"""The catalogue has every key in both languages; numbers and dates read per language."""

import re
import string
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from clusters import i18n
from clusters.model import CHOICE_FIELDS, DECISION_TYPES

UI = Path(__file__).resolve().parents[1] / "clusters" / "ui"


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(i18n.CATALOGUE))
def test_every_key_has_both_languages_with_the_same_placeholders(key):
    vi, en = i18n.CATALOGUE[key]
    assert vi.strip(), f"{key}: Vietnamese missing"
    assert en.strip(), f"{key}: English missing"
    assert placeholders(vi) == placeholders(en), key


def test_every_key_the_ui_asks_for_is_in_the_catalogue():
    pattern = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")
    used = {
        key
        for path in UI.rglob("*.py")
        for key in pattern.findall(path.read_text(encoding="utf-8"))
    }
    assert used, "the scan found no keys: the pattern is wrong"
    assert sorted(used - set(i18n.CATALOGUE)) == []


@pytest.mark.parametrize("spec", CHOICE_FIELDS, ids=lambda f: f.name)
def test_every_code_of_a_choice_field_has_a_label_in_both_languages(spec):
    assert spec.choices
    for choice in spec.choices:
        assert choice.title.vi.strip() and choice.title.en.strip(), f"{spec.name}.{choice.code}"
        assert i18n.value_label(spec.name, choice.code, "en") == choice.title.en


@pytest.mark.parametrize(
    ("kind", "codes"),
    [
        ("batch", ("unknown",)),
        ("wwtp", ("unknown",)),
        ("doc_type", DECISION_TYPES),
        ("event", ("create", "update", "stage", "seed", "import", "correction", "location")),
    ],
)
def test_every_other_coded_value_has_a_label(kind, codes):
    for code in codes:
        assert f"{kind}.{code}" in i18n.CATALOGUE, f"{kind}.{code}"


def test_the_older_kind_names_of_two_fields_still_label_their_codes():
    assert i18n.value_label("wwtp", "built_not_operating", "vi") == "Đã xây, chưa vận hành"
    assert i18n.value_label("precision", "district", "en") == "a point in the former district"


@pytest.mark.parametrize(
    ("key", "values", "english"),
    [
        ("common.clusters", {"count": 1}, "1 cluster"),
        ("common.clusters", {"count": 2}, "2 clusters"),
        ("common.clusters", {"count": 0}, "0 clusters"),
        ("import.commit", {"count": 1}, "Import 1 change"),
        ("import.make_valid", {"count": 1}, "Repair 1 invalid boundary with make_valid"),
        ("history.count", {"count": 1, "limit": 200}, "1 change (at most the 200 newest)."),
        ("overview.gap_more", {"gap": 1}, "The registry holds 1 cluster more than reported"),
        ("export.title", {"count": "1"}, "Download the 1 cluster shown"),
    ],
)
def test_english_counts_agree_with_their_number(key, values, english):
    assert i18n.t(key, "en", **values).startswith(english)


def test_vietnamese_counts_do_not_change_the_noun():
    assert i18n.t("common.clusters", "vi", count=1) == "1 cụm"
    assert i18n.t("common.clusters", "vi", count=5) == "5 cụm"


def test_english_messages_with_a_count_say_it_in_the_singular_too():
    """No English text of the catalogue puts a counted placeholder before a plural noun."""
    counted = re.compile(r"\{(count|n|gap|remaining|total)\}\*{0,2} (clusters|rows|changes)\b")
    offending = [k for k, (_, en) in i18n.CATALOGUE.items() if counted.search(en)]
    assert offending == []


def test_unknown_code_shows_as_itself():
    assert i18n.value_label("batch", "2031_2035", "vi") == "2031_2035"
    assert i18n.value_label("batch", None, "en") == "—"


def test_text_in_each_language_with_values():
    assert i18n.t("nav.map") == "Bản đồ"
    assert i18n.t("nav.map", "en") == "Map"
    assert i18n.t("cluster.not_found", "en", id=7) == "There is no cluster #7."


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (18.8, "18,8", "18.8"),
        (1686, "1.686", "1,686"),
        (1496.68, "1.496,68", "1,496.68"),
        (20.0, "20", "20"),
        (0.5, "0,5", "0.5"),
        (3204, "3.204", "3,204"),
    ],
)
def test_numbers_use_each_languages_separators(value, vi, en):
    assert i18n.number(value, "vi") == vi
    assert i18n.number(value, "en") == en


def test_area_reads_like_the_planners_write_it():
    assert i18n.area(18.8, "vi") == "18,8 ha"
    assert i18n.area(18.8, "en") == "18.8 ha"
    assert i18n.area(None, "vi") == "—"
    assert i18n.percent(52.48, "vi") == "52,5%"


def test_dates_per_language():
    assert i18n.format_date(date(2025, 1, 9), "vi") == "09/01/2025"
    assert i18n.format_date(date(2025, 1, 9), "en") == "2025-01-09"
    assert i18n.format_partial_date("2024-05", "vi") == "05/2024"
    assert i18n.format_partial_date("2024-05-02", "vi") == "02/05/2024"
    assert i18n.format_partial_date("2017", "vi") == "2017"
    assert i18n.format_partial_date("2024-05-02", "en") == "2024-05-02"


def test_stored_utc_times_show_in_hanoi_time():
    at = datetime(2025, 1, 8, 20, 30, tzinfo=UTC)
    assert i18n.format_datetime(at, "vi") == "09/01/2025 03:30"
    assert i18n.format_datetime(at, "en") == "2025-01-09 03:30"

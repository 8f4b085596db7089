"""The one field schema (``model.FIELDS``), the ``Cluster`` dataclass and the database's
columns and CHECK constraints stay identical, on SQLite and on PostGIS; and what derives
from the schema (history codec, import parsing, messages) follows it."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from builders import cluster
from shapely.geometry.base import BaseGeometry

from clusters import registry, rules
from clusters.codec import from_history, to_history
from clusters.errors import StorageError, ValidationError
from clusters.io.columns import FIELD_TARGETS, match
from clusters.io.values import CellError, parse_field, parse_typed
from clusters.model import (
    CHOICE_FIELDS,
    FIELD_BY_NAME,
    FIELDS,
    STORED_FIELDS,
    Cluster,
    Kind,
    read_partial_date,
)
from clusters.roles import Actor
from clusters.store import open_store
from clusters.store import schema as s
from clusters.store.postgis import GEOMETRY_COLUMN
from clusters.texts import Text, counted

EDITOR = Actor("lan", "editor")
PYTHON_TYPES: dict[Kind, object] = {
    Kind.ID: int,
    Kind.REFERENCE: int,
    Kind.COUNT: int,
    Kind.TEXT: str,
    Kind.LONG_TEXT: str,
    Kind.CHOICE: str,
    Kind.PARTIAL_DATE: str,
    Kind.HECTARES: float,
    Kind.MONEY: float,
    Kind.LIST: list[str],
    Kind.DATE: date,
    Kind.BOOL: bool,
    Kind.GEOMETRY: BaseGeometry,
    Kind.TIMESTAMP: datetime,
}
# The constraints every registry database has on its clusters, by name: the migration that
# brings older databases here creates exactly these.
EXPECTED_CHECKS = {
    "ck_cluster_type": "cluster_type IN ('general', 'craft_village')",
    "ck_stage": "stage IN ('planned', 'established', 'site_clearance', 'under_construction', "
    "'completing', 'operating', 'removed')",
    "ck_batch": "batch IS NULL OR batch IN ('before_2018', '2018_2020', '2021_2025', '2026_2030')",
    "ck_location_precision": "location_precision IN ('surveyed', 'commune', "
    "'commune_from_name', 'district')",
    "ck_investor_type": "investor_type IS NULL OR investor_type IN ('enterprise', "
    "'cooperative', 'district_board', 'state_agency', 'other')",
    "ck_wwtp_status": "wwtp_status IS NULL OR wwtp_status IN ('none', 'planned', "
    "'under_construction', 'built_not_operating', 'operating', 'operating_compliant')",
    "ck_confidence": "confidence IS NULL OR confidence IN ('high', 'medium', 'low')",
    "ck_version": "version >= 1",
}


def _hint(tp: object) -> tuple[object, bool]:
    """A type hint without its ``| None``, and whether it had one."""
    args = typing.get_args(tp)
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        kept = [a for a in args if a is not type(None)]
        assert len(kept) == 1, tp
        return kept[0], True
    return tp, False


# -- the schema and the dataclass ----------------------------------------------------------


def test_every_stored_field_is_an_attribute_of_cluster_of_its_kinds_type():
    hints = typing.get_type_hints(Cluster)
    attributes = {f.name for f in dataclasses.fields(Cluster)}
    assert attributes == {f.name for f in STORED_FIELDS}
    for f in STORED_FIELDS:
        tp, optional = _hint(hints[f.name])
        assert tp == PYTHON_TYPES[f.kind], f.name
        # Only the store's stamps and a draft's missing location may be None on a record
        # whose column is NOT NULL.
        if f.required and f.kind not in (Kind.LIST, Kind.BOOL):
            assert not optional or f.stamped or f.kind is Kind.GEOMETRY, f.name
        else:
            assert optional or f.kind in (Kind.LIST, Kind.BOOL), f.name


def test_every_derived_field_is_read_from_the_record():
    c = cluster(id=1, leased_land_ha=2.0, industrial_land_ha=8.0)
    for f in FIELDS:
        if not f.stored and f.kind is not Kind.LABEL:
            assert hasattr(Cluster, f.attribute or f.name), f.name
    assert c.occupancy_pct == 25.0


def test_fields_are_declared_once_with_labels_and_descriptions_in_both_languages():
    assert len(FIELD_BY_NAME) == len(FIELDS)
    for f in FIELDS:
        for text in (f.title, f.description):
            assert text.vi.strip() and text.en.strip(), f.name
        assert (f.kind is Kind.CHOICE) == bool(f.choices), f.name
        if f.derived_from is not None:
            assert not f.stored and f.derived_from in FIELD_BY_NAME


# -- the schema and the database -----------------------------------------------------------


def _columns(f) -> set[str]:
    if f.kind is Kind.GEOMETRY:
        return {name for name, _ in s.GEOMETRY_COLUMNS}
    return {f.name, s.SEARCH_COLUMN} if f.name == "name" else {f.name}


def test_the_clusters_table_is_derived_from_the_schema():
    derived = set().union(*(_columns(f) for f in STORED_FIELDS))
    assert {c.name for c in s.clusters.columns} == derived
    checks = {
        c.name: str(c.sqltext) for c in s.clusters.constraints if isinstance(c, sa.CheckConstraint)
    }
    assert checks == EXPECTED_CHECKS
    assert {f"ck_{f.name}" for f in CHOICE_FIELDS} <= set(checks)


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def database(request: pytest.FixtureRequest, tmp_path: Path):
    url = (
        f"sqlite:///{tmp_path / 'registry.sqlite'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgis_url")
    )
    store = open_store(url)
    yield store
    store.close()


@pytest.mark.filterwarnings("ignore:Did not recognize type 'geometry'")
def test_the_database_has_exactly_the_schemas_columns_types_and_checks(database):
    inspector = sa.inspect(database.engine)
    found = {c["name"]: c for c in inspector.get_columns("clusters")}
    extra = {GEOMETRY_COLUMN} if database.engine.dialect.name == "postgresql" else set()
    assert set(found) - extra == {c.name for c in s.clusters.columns}
    for column in s.clusters.columns:
        reflected = found[column.name]
        assert reflected["nullable"] == column.nullable, column.name
        length = getattr(column.type, "length", None)
        assert getattr(reflected["type"], "length", None) == length, column.name
    checks = {c["name"] for c in inspector.get_check_constraints("clusters")}
    assert set(EXPECTED_CHECKS) <= checks


@pytest.mark.parametrize("name", [f.name for f in CHOICE_FIELDS])
def test_the_database_refuses_a_code_outside_every_choice_field(database, name):
    saved = database.create(cluster(), actor="seed")
    with pytest.raises(sa.exc.IntegrityError), database.engine.begin() as conn:
        conn.execute(sa.update(s.clusters).where(s.clusters.c.id == saved.id).values({name: "x"}))
    assert getattr(database.get(saved.id), name) == getattr(saved, name)


# -- what derives from the schema -----------------------------------------------------------


@pytest.mark.parametrize("f", [f for f in FIELDS if f.editable], ids=lambda f: f.name)
def test_the_history_codec_gives_back_what_it_was_given(f):
    samples = {
        Kind.REFERENCE: 7,
        Kind.TEXT: "Thanh Trì",
        Kind.LONG_TEXT: "hai\ndòng",
        Kind.CHOICE: f.codes[-1] if f.choices else None,
        Kind.PARTIAL_DATE: "2025-06",
        Kind.HECTARES: 18.8,
        Kind.MONEY: 250.5,
        Kind.LIST: ["a", "b"],
        Kind.DATE: date(2025, 3, 14),
        Kind.BOOL: True,
    }
    if f.kind is Kind.GEOMETRY:
        return  # rounded to 7 decimals: tests/test_snapshot.py
    value = samples[f.kind]
    assert from_history(f.name, to_history(f.name, value)) == value
    assert from_history(f.name, None) == ([] if f.kind is Kind.LIST else None)


def test_history_of_a_field_no_write_changes_is_refused():
    with pytest.raises(StorageError):
        from_history("version", 3)


def test_every_importable_field_is_matched_by_its_name_and_labels():
    for name in FIELD_TARGETS:
        f = FIELD_BY_NAME[name]
        assert match(name) == name
        assert match(f.title.vi) == name, f.title.vi
        assert match(f"{f.title.en} (ha)") == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2025", "2025"), ("2025-6", "2025-06"), ("2025-06-14", "2025-06-14")],
)
def test_a_partial_date_reads_as_a_year_a_month_or_a_day(text, expected):
    assert read_partial_date(text) == expected
    assert parse_field("as_of", text) == expected


@pytest.mark.parametrize("text", ["2025-13", "2025-02-30", "25", "giữa năm", "2025/06/14/1"])
def test_a_partial_date_that_does_not_exist_is_refused_by_the_form_and_the_import(text):
    with pytest.raises(CellError):
        parse_typed("as_of", text)
    with pytest.raises(CellError):
        parse_field("as_of", text)


def test_the_form_reads_a_number_as_the_import_does_and_empty_as_no_value():
    assert parse_typed("area_ha", "18,8") == parse_field("area_ha", "18,8") == 18.8
    assert parse_typed("area_ha", "  ") is None
    assert parse_typed("sources", "a\n\n b ") == ["a", "b"]
    with pytest.raises(CellError) as caught:
        parse_typed("area_ha", "abc")
    assert caught.value.problem.field == "area_ha"


# -- bilingual messages ----------------------------------------------------------------------


def test_counted_words_agree_with_their_number_in_english():
    assert counted(1, "dòng", "row") == Text("1 dòng", "1 row")
    assert counted(3, "dòng", "row") == Text("3 dòng", "3 rows")
    assert counted(2, "ranh giới", "boundary", "boundaries").en == "2 boundaries"


@pytest.mark.parametrize("f", CHOICE_FIELDS, ids=lambda f: f.name)
def test_english_messages_name_a_field_by_its_label_not_its_code(f):
    problems = rules.check_identity(cluster(**{f.name: "nonsense"}))
    [found] = [p for p in problems if p.field == f.name]
    assert found.en.startswith(f"{f.title.en} 'nonsense' is not valid")
    assert f.name not in found.en.split("'nonsense'")[0]


def test_clearing_a_recorded_value_needs_a_reason_at_every_door(store):
    saved = store.create(cluster(), actor="seed")
    with pytest.raises(ValidationError) as caught:
        registry.update_cluster(store, saved.id, {"area_ha": None}, EDITOR, based_on=1)
    assert [p.field for p in caught.value.problems] == ["reason"]
    assert "Decided area" in caught.value.en
    done = registry.update_cluster(
        store, saved.id, {"area_ha": None}, EDITOR, based_on=1, reason="quyết định bị thay"
    )
    assert done.cluster.area_ha is None
    assert store.history(saved.id)[0].reason == "quyết định bị thay"

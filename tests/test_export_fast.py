"""The column-wise read of many clusters and the GeoJSON export written in batches give what
reading and writing one cluster at a time gave. Every cluster here is test data (made up in
``_drafts``), never in the seed."""

from __future__ import annotations

import gc
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import shapely
from builders import cluster, square
from shapely.geometry import Point

from clusters import clock
from clusters.io import geojson
from clusters.io.export import ALL_CLUSTERS, ExportSet, export_bytes, write_export
from clusters.model import Cluster
from clusters.snapshot import collect
from clusters.store import ClusterStore, open_store
from clusters.store import sql as store_sql
from clusters.store.base import NewRecord, RecordEdit, Step

WHEN = datetime(2025, 6, 14, 3, 4, 5, tzinfo=UTC)
# More than two of the store's read chunks and more than one GeoJSON batch, a multiple of neither.
MANY = max(2 * store_sql._READ_CHUNK, geojson.BATCH) + 37


def _drafts(n: int) -> list[Cluster]:
    """Test clusters whose fields vary from one to the next: lists empty or not, booleans
    either way, dates and numbers present or missing, points and polygons."""
    out = []
    for i in range(n):
        out.append(
            cluster(
                name=f"[THỬ] CCN kiểm thử {i:05d}",
                geometry=square(105.5 + i * 1e-4, 20.9) if i % 3 else Point(105.6, 21.0 + i * 1e-5),
                aliases=[f"Cụm thử {i}", "CCN thử"] if i % 4 == 0 else [],
                sources=[] if i % 5 == 0 else [f"test data {i}"],
                stage_verified=i % 2 == 0,
                specialised=i % 7 == 0,
                stage_effective_date=date(2024, 1 + i % 12, 1) if i % 6 else None,
                area_ha=None if i % 8 == 0 else 10.0 + i / 100,
                leased_land_ha=None if i % 9 else 2.5,
                industrial_land_ha=None if i % 9 else 5.0,
                notes=None if i % 10 else "dữ liệu kiểm thử, «không» phải cụm thật",
            )
        )
    return out


@pytest.fixture(scope="module")
def many_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry of ``MANY`` test clusters made once; each test reads or edits a copy."""
    path = tmp_path_factory.mktemp("many") / "registry.sqlite"
    store = open_store(f"sqlite:///{path}")
    with clock.frozen(WHEN):
        store.write_batch(
            [NewRecord(c, Step("create")) for c in _drafts(MANY)], [], actor="kiem-thu"
        )
    store.close()  # the last connection closing folds the WAL into the file
    return path


@pytest.fixture
def many(many_file: Path, db_url: str) -> Iterator[ClusterStore]:
    shutil.copyfile(many_file, db_url.removeprefix("sqlite:///"))
    store = open_store(db_url)
    yield store
    store.close()


def _fields(c: Cluster) -> dict[str, object]:
    values = dict(vars(c))
    values["geometry"] = shapely.to_wkb(c.geometry) if c.geometry is not None else None
    return values


def test_reading_every_cluster_gives_what_reading_each_one_gives(many: ClusterStore) -> None:
    listed = many.list_clusters()

    assert len(listed) == MANY
    ids = [c.id for c in listed]
    assert ids == sorted(i or 0 for i in ids) and None not in ids
    for c in listed[:: store_sql._READ_CHUNK // 7] + listed[-3:]:
        assert c.id is not None
        assert _fields(c) == _fields(many.get(c.id))
    drafts = {d.name: d for d in _drafts(MANY)}
    for c in listed:
        d = drafts[c.name]
        assert c.geometry is not None and d.geometry is not None
        assert c.geometry.equals(d.geometry)
        for name in ("aliases", "sources", "stage_verified", "specialised", "area_ha", "notes"):
            assert getattr(c, name) == getattr(d, name), name
        assert type(c.stage_verified) is bool and type(c.specialised) is bool
        assert c.stage_effective_date == d.stage_effective_date
        assert c.created_at == WHEN == c.updated_at and c.created_at.utcoffset() is not None
        assert c.created_at == WHEN and c.created_at.tzinfo is not None
        assert c.version == 1 and c.created_by == "kiem-thu"
    # Each record has lists of its own: changing one changes no other.
    listed[0].aliases.append("đổi")
    assert listed[4].aliases == ["Cụm thử 4", "CCN thử"]


def test_an_edit_batch_reads_its_records_through_the_same_path(many: ClusterStore) -> None:
    """``write_batch`` reads the records it edits in chunks of ids (``_records``)."""
    ids = [c.id for c in many.list_clusters() if c.id is not None][::2]
    assert len(ids) > 2 * store_sql._CHUNK  # three chunks of ids
    edits = [RecordEdit(i, 1, [Step("update", {"notes": f"sửa {i}"})]) for i in ids]
    many.write_batch([], edits, actor="kiem-thu")
    edited = {c.id: c for c in many.list_clusters() if c.id in set(ids)}
    assert len(edited) == len(ids)
    assert all(c.notes == f"sửa {c.id}" and c.version == 2 for c in edited.values())


@pytest.mark.parametrize("enabled", [True, False])
def test_a_read_leaves_the_garbage_collector_as_it_found_it(
    many: ClusterStore, enabled: bool
) -> None:
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        assert len(many.list_clusters()) == MANY
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_a_failing_read_turns_the_garbage_collector_back_on(many: ClusterStore) -> None:
    assert isinstance(many, store_sql.SqlStore)
    with many.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE clusters SET geom_wkb = x'00' WHERE id = 2")
    assert gc.isenabled()
    with pytest.raises(shapely.errors.GEOSException):
        many.list_clusters()
    assert gc.isenabled()


def test_geojson_in_batches_is_the_file_written_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clusters = [c.replace(id=i + 1) for i, c in enumerate(_drafts(11))]
    clusters[4] = clusters[4].replace(geometry=None)  # no location yet: a null geometry
    whole = geojson.geojson_bytes(clusters, "test data", WHEN)

    monkeypatch.setattr(geojson, "BATCH", 3)
    batched = geojson.geojson_bytes(clusters, "test data", WHEN)

    assert batched == whole
    doc = json.loads(batched)
    assert [f["id"] for f in doc["features"]] == list(range(1, 12))
    assert doc["features"][4]["geometry"] is None
    assert batched.count(b'\n{"type": "Feature"') == 11  # one feature a line


def test_an_empty_geojson_keeps_its_layout() -> None:
    text = geojson.geojson_bytes([], "test data", WHEN).decode("utf-8")
    assert text.endswith('"features": [\n\n]\n}\n')
    assert json.loads(text)["features"] == []


def test_the_command_writes_what_export_bytes_makes(
    many: ClusterStore, db_url: str, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    out = tmp_path / "all.geojson"
    with clock.frozen(WHEN):
        code, said, _ = run_cli("export", "--format", "geojson", "--all", "-o", str(out))
        want = export_bytes("geojson", collect(many, ALL_CLUSTERS, records=False))
    assert code == 0 and f"{MANY} →" in said
    assert out.read_bytes() == want
    assert not (tmp_path / "all.geojson.part").exists()


def test_a_failed_export_leaves_the_previous_file_and_no_part(tmp_path: Path) -> None:
    target = tmp_path / "old.geojson"
    target.write_bytes(b"previous")
    data = ExportSet(clusters=[], filter_text="test data", when=WHEN)
    with pytest.raises(ValueError, match="unknown format"):
        write_export("shp", data, target)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["old.geojson"]


def test_the_raw_columns_read_as_sqlalchemy_reads_them(many: ClusterStore) -> None:
    """Lists, dates and times are read as the database gives them and converted a column at a
    time (``store_sql._RAW``); they come out as SQLAlchemy's own typed read gives them."""
    import sqlalchemy as sa

    from clusters.store import schema

    with many.engine.connect() as conn:
        typed = conn.execute(sa.select(schema.clusters).order_by(schema.clusters.c.id)).mappings()
        reference = {r["id"]: r for r in typed}
    assert store_sql._RAW  # the lists, dates and times
    for c in many.list_clusters():
        r = reference[c.id]
        for name in store_sql._RAW:
            want = r[name]
            if isinstance(want, datetime):
                want = want.replace(tzinfo=UTC)
            assert getattr(c, name) == want, name

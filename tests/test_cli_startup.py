"""``clusters --help`` imports no heavy library: each command imports what it needs itself."""

import subprocess
import sys

import pytest

from clusters.cli import main

HEAVY = (
    "geopandas",
    "pandas",
    "shapely",
    "sqlalchemy",
    "pyogrio",
    "streamlit",
    "folium",
    "openpyxl",
)


def test_building_the_parser_imports_no_heavy_library():
    code = (
        "import sys; from clusters.cli import build_parser; build_parser(); "
        "print('\\n'.join(sorted(m for m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = set(done.stdout.split())
    assert "clusters.cli.transfer" in loaded  # every command module was registered
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert heavy == []


def test_a_commands_deferred_arguments_are_in_its_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "{geojson,gpkg,csv,xlsx,kml}" in out  # choices from clusters.io.export
    assert "--wwtp" in out and "unknown" in out  # filter help from clusters.model


def test_a_deferred_argument_is_parsed(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--format", "shp"])
    assert exit_.value.code == 2
    assert "invalid choice: 'shp'" in capsys.readouterr().err


def test_only_the_geopackage_export_reads_the_history(seeded_store, tmp_path, monkeypatch):
    """A GeoJSON export does not read every decision and history event it would not write;
    a GeoPackage export still writes both."""
    import pyogrio

    from clusters.filters import ClusterFilter
    from clusters.snapshot import collect

    every = ClusterFilter(stages=())
    full = collect(seeded_store, every)
    bare = collect(seeded_store, every, records=False)
    assert full.history and full.decisions
    assert bare.history == [] and bare.decisions == []
    assert [c.id for c in bare.clusters] == [c.id for c in full.clusters]

    monkeypatch.setenv("CLUSTERS_DATABASE_URL", str(seeded_store.engine.url))
    out = tmp_path / "all.gpkg"
    assert main(["export", "--format", "gpkg", "--all", "-o", str(out)]) == 0
    layers = dict(pyogrio.list_layers(out))
    assert "history" in layers and "decisions" in layers
    history = pyogrio.read_dataframe(out, layer="history")  # a row per field change
    assert set(history["event_id"]) == {e.id for e in full.history}


def test_opening_an_up_to_date_registry_imports_no_alembic(tmp_path):
    """Alembic is for migrating: an up-to-date registry is checked with one query."""
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    code = (
        "import sys; from clusters.store import open_store; "
        f"open_store({url!r}).close(); "  # creates and stamps it (Alembic, once)
        "[sys.modules.pop(m) for m in list(sys.modules) if m.startswith('alembic')]; "
        f"open_store({url!r}).close(); "
        "print(any(m.startswith('alembic') for m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"


def test_the_schema_names_alembics_newest_revision():
    from clusters.store import migrations

    assert migrations.head() == migrations.HEAD

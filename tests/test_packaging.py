"""The installed package is the product: it carries its seed, entry script, settings and
assets, and writes nothing into the package or the current folder."""

import tomllib
from pathlib import Path

from clusters import paths, seed, serving
from clusters.store import database_url

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_folder_is_listed_for_the_wheel():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "clusters").rglob("__init__.py")
    }
    assert listed == on_disk | {"clusters.geodata"}
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"clusters.geodata": "geodata"}


def test_the_seed_comes_from_the_package_resources():
    assert seed.SEED_FILE.exists() and seed.FIGURES_FILE.exists()
    assert seed.GEODATA.resolve() == (ROOT / "geodata").resolve()  # editable: the same files


def test_the_checkout_streamlit_settings_are_the_served_ones():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config == serving.STREAMLIT_OPTIONS


def test_streamlit_flags_turn_off_usage_statistics_and_serve_static_files():
    flags = serving.streamlit_flags()
    pairs = dict(zip(flags[::2], flags[1::2], strict=True))
    assert pairs["--browser.gatherUsageStats"] == "false"
    assert pairs["--server.enableStaticServing"] == "true"


def test_streamlit_refuses_an_upload_over_the_import_limit(monkeypatch):
    """Streamlit keeps an upload in memory before the page checks it: its limit is ours."""
    flags = serving.streamlit_flags()
    assert flags[flags.index("--server.maxUploadSize") + 1] == "50"
    monkeypatch.setenv("CLUSTERS_IMPORT_MAX_MB", "120")
    flags = serving.streamlit_flags()
    assert flags[flags.index("--server.maxUploadSize") + 1] == "120"


def test_the_app_folder_holds_the_entry_script_and_the_assets(tmp_path):
    script = serving.prepare_app_folder(tmp_path / "app")
    assert script.read_bytes() == serving.packaged_entry_script().read_bytes()
    leaflet = tmp_path / "app" / "static" / "vendor" / "leaflet" / "leaflet.js"
    assert leaflet.exists() and leaflet.stat().st_size > 10_000
    serving.prepare_app_folder(tmp_path / "app")  # again: up to date, no error
    assert script.exists()


def test_the_default_app_folder_is_in_the_data_folder_not_the_package(monkeypatch, tmp_path):
    monkeypatch.setenv("CLUSTERS_DATA_DIR", str(tmp_path / "data"))
    script = serving.prepare_app_folder()
    assert script.parent == tmp_path / "data" / "app"
    package = Path(serving.__file__).resolve().parent
    assert not (package / "ui" / "static").exists()


def test_the_registry_lives_in_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("CLUSTERS_DATABASE_URL", raising=False)
    monkeypatch.setenv("CLUSTERS_DATA_DIR", str(tmp_path / "d"))
    assert database_url() == f"sqlite:///{tmp_path / 'd' / 'clusters.sqlite'}"
    assert paths.legacy_mappings_file() == tmp_path / "d" / "import_mappings.json"
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", "sqlite:////srv/x.sqlite")
    assert database_url() == "sqlite:////srv/x.sqlite"


def test_without_overrides_the_data_folder_is_the_per_user_one(monkeypatch):
    import platformdirs

    monkeypatch.delenv("CLUSTERS_DATA_DIR", raising=False)
    expected = Path(platformdirs.user_data_dir("hanoi-clusters", appauthor=False))
    assert paths.data_dir() == expected

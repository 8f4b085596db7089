"""Where the registry keeps its files: one per-user data folder, never the current folder.

``CLUSTERS_DATA_DIR`` moves the folder; ``CLUSTERS_DATABASE_URL`` points the registry at
another database (SQLite file or PostgreSQL/PostGIS). ``CLUSTERS_MAPPINGS_FILE`` names the
file in which an earlier release kept the confirmed import column mappings: they now live in
the registry's database, and such a file is taken in once (``registry.take_in_legacy_mappings``).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "hanoi-clusters"


def data_dir() -> Path:
    """The data folder: ``CLUSTERS_DATA_DIR``, else the platform's per-user data folder."""
    raw = os.environ.get("CLUSTERS_DATA_DIR")
    if raw:
        return Path(raw).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'clusters.sqlite'}"


def legacy_mappings_file() -> Path:
    """Where an earlier release kept the import's column mappings (taken into the database)."""
    raw = os.environ.get("CLUSTERS_MAPPINGS_FILE")
    return Path(raw) if raw else data_dir() / "import_mappings.json"


def app_folder() -> Path:
    """Where ``clusters serve`` lays out the Streamlit entry script and its static files.

    Outside the installed package, so a read-only installation still serves its assets.
    """
    return data_dir() / "app"

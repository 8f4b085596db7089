"""How ``clusters serve`` runs the web app from the installed package, in any folder.

The entry script, the launcher and the offline map assets are laid out in the data folder's
``app/`` (``paths.app_folder``), outside the package, so a read-only installation still serves
them; Streamlit serves the ``static/`` folder beside the script it runs. The launcher
(``ASGI_LAUNCHER``) makes the entry script an ASGI app (``st.App``) with the session routes
of ``clusters.ui.asgi``; ``streamlit run`` serves such a script with uvicorn and the same
options. The Streamlit settings are stated here once; ``.streamlit/config.toml`` (for
``streamlit run app.py`` in a checkout, which has no session routes) repeats them and
``tests/test_packaging.py`` keeps the two equal.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from clusters.io.limits import MB, Limits
from clusters.paths import app_folder
from clusters.static_assets import install_assets

ENTRY_SCRIPT = "streamlit_app.py"
ASGI_LAUNCHER = "clusters_asgi.py"

# Offline intranet defaults: assets from our own static folder, no usage statistics (the
# browser would call a Streamlit metrics host), no prompt on the terminal.
# Streamlit holds a whole upload in memory before the page sees it: it refuses a file over the
# import's own size limit (``CLUSTERS_IMPORT_MAX_MB``, default 50 MB) at the door.
STREAMLIT_OPTIONS: dict[str, dict[str, object]] = {
    "server": {
        "enableStaticServing": True,
        "headless": True,
        "maxUploadSize": Limits().max_bytes // MB,
    },
    "browser": {"gatherUsageStats": False},
    "client": {"toolbarMode": "minimal"},
    "theme": {"primaryColor": "#1f77b4"},
}


def _packaged(name: str) -> Path:
    return Path(str(resources.files("clusters.ui") / name))


def packaged_entry_script() -> Path:
    return _packaged(ENTRY_SCRIPT)


def _copy(source: Path, target: Path) -> None:
    if not target.exists() or target.read_bytes() != source.read_bytes():
        shutil.copyfile(source, target)


def prepare_app_folder(folder: Path | None = None) -> Path:
    """Copy the entry script, its ASGI launcher and the map's assets into ``folder``; return
    the entry script's path (the launcher is ``ASGI_LAUNCHER`` beside it)."""
    folder = folder or app_folder()
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / ENTRY_SCRIPT
    _copy(packaged_entry_script(), script)
    _copy(_packaged(ASGI_LAUNCHER), folder / ASGI_LAUNCHER)
    install_assets(folder / "static")
    return script


def streamlit_flags() -> list[str]:
    """``STREAMLIT_OPTIONS`` as ``streamlit run`` command-line flags, the upload limit
    following ``CLUSTERS_IMPORT_MAX_MB``."""
    upload_mb = -(-Limits.from_env().max_bytes // MB)
    flags: list[str] = []
    for section, options in STREAMLIT_OPTIONS.items():
        for name, value in options.items():
            if (section, name) == ("server", "maxUploadSize"):
                value = upload_mb
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags += [f"--{section}.{name}", text]
    return flags

"""How ``clusters serve`` runs the web app from the installed package, in any folder.

The entry script and the offline map assets are laid out in the data folder's ``app/``
(``paths.app_folder``), outside the package, so a read-only installation still serves them;
Streamlit serves the ``static/`` folder beside the script it runs. The Streamlit settings are
stated here once; ``.streamlit/config.toml`` (for ``streamlit run app.py`` in a checkout)
repeats them and ``tests/test_packaging.py`` keeps the two equal.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from clusters.paths import app_folder
from clusters.static_assets import install_assets

ENTRY_SCRIPT = "streamlit_app.py"

# Offline intranet defaults: assets from our own static folder, no usage statistics (the
# browser would call a Streamlit metrics host), no prompt on the terminal.
STREAMLIT_OPTIONS: dict[str, dict[str, object]] = {
    "server": {"enableStaticServing": True, "headless": True},
    "browser": {"gatherUsageStats": False},
    "client": {"toolbarMode": "minimal"},
    "theme": {"primaryColor": "#1f77b4"},
}


def packaged_entry_script() -> Path:
    return Path(str(resources.files("clusters.ui") / ENTRY_SCRIPT))


def prepare_app_folder(folder: Path | None = None) -> Path:
    """Copy the entry script and the map's assets into ``folder``; return the script's path."""
    folder = folder or app_folder()
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / ENTRY_SCRIPT
    source = packaged_entry_script()
    if not script.exists() or script.read_bytes() != source.read_bytes():
        shutil.copyfile(source, script)
    install_assets(folder / "static")
    return script


def streamlit_flags() -> list[str]:
    """``STREAMLIT_OPTIONS`` as ``streamlit run`` command-line flags."""
    flags: list[str] = []
    for section, options in STREAMLIT_OPTIONS.items():
        for name, value in options.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags += [f"--{section}.{name}", text]
    return flags

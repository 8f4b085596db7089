"""Front-end assets for the offline map, taken from XStatic packages installed by pip.

Nothing is fetched from the internet and nothing third-party is committed: ``install_assets``
copies the installed files into the app's ``static/vendor`` folder, which Streamlit serves.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

STATIC_URL = "../../app/static/vendor"  # relative: works under server.baseUrlPath too


@dataclass(frozen=True)
class Asset:
    folder: str
    package: str
    files: tuple[str, ...]
    scripts: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()


ASSETS: tuple[Asset, ...] = (
    Asset(
        "leaflet",
        "xstatic.pkg.leaflet",
        ("leaflet.js", "leaflet.css", "images"),
        scripts=("leaflet.js",),
        styles=("leaflet.css",),
    ),
    Asset("jquery", "xstatic.pkg.jquery", ("jquery.min.js",), scripts=("jquery.min.js",)),
    Asset(
        "markercluster",
        "xstatic.pkg.leaflet_markercluster",
        ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"),
        scripts=("leaflet.markercluster.js",),
        styles=("MarkerCluster.css", "MarkerCluster.Default.css"),
    ),
)


def _source(asset: Asset) -> tuple[Path, str]:
    mod = import_module(asset.package)
    return Path(mod.BASE_DIR), str(mod.VERSION)


def install_assets(static_dir: Path) -> Path:
    """Copy the packaged files into ``static_dir/vendor`` (again when a version changed)."""
    vendor = static_dir / "vendor"
    for asset in ASSETS:
        src, version = _source(asset)
        dest = vendor / asset.folder
        stamp = dest / ".version"
        if stamp.exists() and stamp.read_text() == version:
            continue
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        for name in asset.files:
            path = src / name
            if path.is_dir():
                shutil.copytree(path, dest / name)
            else:
                shutil.copy2(path, dest / name)
        stamp.write_text(version)
    return vendor


def script_urls(base: str = STATIC_URL) -> list[tuple[str, str]]:
    """(name, url) of every script, in load order (jQuery before Leaflet plugins)."""
    order = ("jquery", "leaflet", "markercluster")
    by_folder = {a.folder: a for a in ASSETS}
    return [
        (f"{f}_js_{i}", f"{base}/{f}/{name}")
        for f in order
        for i, name in enumerate(by_folder[f].scripts)
    ]


def style_urls(base: str = STATIC_URL) -> list[tuple[str, str]]:
    """(name, url) of every stylesheet; names differ from the scripts' (folium keys by name)."""
    return [
        (f"{a.folder}_css_{i}", f"{base}/{a.folder}/{name}")
        for a in ASSETS
        for i, name in enumerate(a.styles)
    ]

"""Front-end assets for the offline map, taken from XStatic packages installed by pip.

Nothing is fetched from the internet and nothing third-party is committed: ``install_assets``
copies the installed files into the app's ``static/vendor`` folder, which Streamlit serves.
"""

from __future__ import annotations

import hashlib
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
    Asset(
        "markercluster",
        "xstatic.pkg.leaflet_markercluster",
        ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"),
        scripts=("leaflet.markercluster.js",),
        styles=("MarkerCluster.css", "MarkerCluster.Default.css"),
    ),
    # Our own script (not third-party): the clusters' layer, from the package itself.
    Asset("clusters", "clusters.ui", ("cluster_layer.js",), scripts=("cluster_layer.js",)),
)


def _source(asset: Asset) -> tuple[Path, str]:
    """Where an asset's files are and their version: an XStatic package's, or for a package
    of ours, the digest of the files (a changed script is copied again)."""
    mod = import_module(asset.package)
    if hasattr(mod, "BASE_DIR"):
        return Path(mod.BASE_DIR), str(mod.VERSION)
    folder = Path(str(mod.__file__)).parent
    digest = hashlib.sha256()
    for name in asset.files:
        digest.update((folder / name).read_bytes())
    return folder, digest.hexdigest()[:16]


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


def script_urls(base: str = STATIC_URL, *, ours: bool = True) -> list[tuple[str, str]]:
    """(name, url) of every script, in load order (Leaflet before its plugins and ours).

    No jQuery: nothing the map draws uses it (folium needs it only for popups and for
    objects kept in front), and it would be one more script to load before the map.
    ``ours=False`` leaves out our own map script (the benchmark's naive baseline)."""
    order = ("leaflet", "markercluster", "clusters") if ours else ("leaflet", "markercluster")
    by_folder = {a.folder: a for a in ASSETS}
    return [
        (f"{f}_js_{i}", f"{base}/{f}/{name}{_version_query(by_folder[f])}")
        for f in order
        for i, name in enumerate(by_folder[f].scripts)
    ]


def _version_query(asset: Asset) -> str:
    """Our own files change with the app: their URL names the version, so a browser that
    kept an older copy fetches the new one."""
    return "" if asset.package.startswith("xstatic") else f"?v={_source(asset)[1]}"


def style_urls(base: str = STATIC_URL) -> list[tuple[str, str]]:
    """(name, url) of every stylesheet; names differ from the scripts' (folium keys by name)."""
    return [
        (f"{a.folder}_css_{i}", f"{base}/{a.folder}/{name}")
        for a in ASSETS
        for i, name in enumerate(a.styles)
    ]

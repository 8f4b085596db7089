"""The clusters the map loads: made once per registry revision and language, in this process.

Every session and the data route (``clusters.ui.asgi``) share one copy, kept as bytes (the
GeoJSON and its gzip): nothing is pickled per rerun, nothing is copied per session. The map
page names the files by their key (``<revision>-<lang>``); the browser loads them once and
keeps them (they never change under that name), and each rerun sends only which clusters to
show. The files:

- ``<key>.json``: every cluster, as GeoJSON;
- for a big registry (``mapping.use_tiles``), ``<key>.bin``: the overview (where each
  cluster is, for the counts shown below ``mapping.DETAIL_ZOOM``), and ``<key>-<x>-<y>.json``:
  the clusters of one tile at that zoom.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from clusters import i18n, mapping
from clusters.model import Cluster

KEEP = 4  # revisions × languages kept: the current ones and the few before
PATH = "_clusters/map"  # the data route, under the app's base URL
_NAME = re.compile(r"^(\d{1,18})-([a-z]{2})(?:-(\d{1,7})-(\d{1,7}))?\.(json|bin)$")

_lock = threading.Lock()
_made: OrderedDict[tuple[str, int, str, bool], mapping.ClusterData] = OrderedDict()


@dataclass(frozen=True)
class Name:
    """What a file name the route was asked for designates."""

    revision: int
    lang: str
    tiled: bool  # the overview or a tile (else every cluster in one file)
    tile: tuple[int, int] | None = None  # (x, y) of a tile


def key(revision: int, lang: str) -> str:
    return f"{revision}-{lang}"


def file_name(revision: int, lang: str, *, tiled: bool = False) -> str:
    return f"{key(revision, lang)}.{'bin' if tiled else 'json'}"


def url(revision: int, lang: str, *, tiled: bool = False) -> str:
    """The file's address as the map's frame resolves it (relative, like its scripts', so it
    holds under ``server.baseUrlPath`` too): every cluster, or the overview when ``tiled``."""
    return f"../../{PATH}/{file_name(revision, lang, tiled=tiled)}"


def tile_url(revision: int, lang: str) -> str:
    """The tiles' address, ``{x}`` and ``{y}`` standing for the tile's numbers."""
    return f"../../{PATH}/{key(revision, lang)}-{{x}}-{{y}}.json"


def parse(name: str) -> Name | None:
    """What a file name the route was asked for designates; None if nothing."""
    found = _NAME.match(name)
    if found is None or found.group(2) not in i18n.LANGS:
        return None
    revision, lang, x, y, kind = found.groups()
    if x is not None:
        return None if kind != "json" else Name(int(revision), lang, True, (int(x), int(y)))
    return Name(int(revision), lang, kind == "bin")


def cached(url: str, revision: int, lang: str, tiled: bool) -> mapping.ClusterData | None:
    with _lock:
        made = _made.get((url, revision, lang, tiled))
        if made is not None:
            _made.move_to_end((url, revision, lang, tiled))
        return made


def cluster_data(
    url: str,
    revision: int,
    lang: str,
    clusters: Callable[[], Iterable[Cluster]],
    *,
    tiled: bool = False,
) -> mapping.ClusterData:
    """The map's data at this revision, made at most once."""
    made = cached(url, revision, lang, tiled)
    if made is not None:
        return made
    data = mapping.cluster_data(clusters(), lang, key(revision, lang), tiled=tiled)
    with _lock:
        _made.setdefault((url, revision, lang, tiled), data)
        _made.move_to_end((url, revision, lang, tiled))
        while len(_made) > KEEP:
            _made.popitem(last=False)
        return _made[(url, revision, lang, tiled)]

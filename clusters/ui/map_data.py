"""The clusters the map loads: made once per registry revision and language, in this process.

Every session and the data route (``clusters.ui.asgi``) share one copy, kept as bytes (the
GeoJSON and its gzip): nothing is pickled per rerun, nothing is copied per session. The map
page names the file by its key (``<revision>-<lang>``); the browser loads it once and keeps
it (it never changes under that name), and each rerun sends only which clusters to show.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from clusters import i18n, mapping
from clusters.model import Cluster

KEEP = 4  # revisions × languages kept: the current ones and the few before
PATH = "_clusters/map"  # the data route, under the app's base URL
_NAME = re.compile(r"^(\d{1,18})-([a-z]{2})\.json$")

_lock = threading.Lock()
_made: OrderedDict[tuple[str, int, str], tuple[mapping.ClusterData, dict[int, int]]] = OrderedDict()


def key(revision: int, lang: str) -> str:
    return f"{revision}-{lang}"


def file_name(revision: int, lang: str) -> str:
    return f"{key(revision, lang)}.json"


def url(revision: int, lang: str) -> str:
    """The file's address as the map's frame resolves it (relative, like its scripts', so it
    holds under ``server.baseUrlPath`` too)."""
    return f"../../{PATH}/{file_name(revision, lang)}"


def parse(name: str) -> tuple[int, str] | None:
    """(revision, language) of a file name the route was asked for; None if not one."""
    found = _NAME.match(name)
    if found is None or found.group(2) not in i18n.LANGS:
        return None
    return int(found.group(1)), found.group(2)


def cached(url: str, revision: int, lang: str) -> mapping.ClusterData | None:
    with _lock:
        made = _made.get((url, revision, lang))
        if made is not None:
            _made.move_to_end((url, revision, lang))
        return made[0] if made else None


def cluster_data(
    url: str, revision: int, lang: str, clusters: Callable[[], Iterable[Cluster]]
) -> tuple[mapping.ClusterData, dict[int, int]]:
    """The map's data at this revision and its positions by cluster id, made at most once."""
    with _lock:
        made = _made.get((url, revision, lang))
        if made is not None:
            _made.move_to_end((url, revision, lang))
            return made
    data = mapping.cluster_data(clusters(), lang, key(revision, lang))
    made = (data, data.positions)
    with _lock:
        _made.setdefault((url, revision, lang), made)
        _made.move_to_end((url, revision, lang))
        while len(_made) > KEEP:
            _made.popitem(last=False)
        return _made[(url, revision, lang)]

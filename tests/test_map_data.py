"""The map's data route: one file per registry revision and language, made once, cached long.

The route is called through Starlette's test client over the app's own routes; the
registry is a seeded copy (real seed clusters, nothing invented).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gzip
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pytest
from shapely.geometry import Point, box
from starlette.applications import Starlette

from clusters import accounts, mapping
from clusters.roles import CLI_ACTOR, Actor
from clusters.store import ClusterStore
from clusters.store.accounts import account_store
from clusters.ui import asgi, map_data
from tests.builders import cluster

PASSWORD = "mật khẩu đủ dài 2026"


@dataclass
class Answer:
    status_code: int
    headers: dict[str, str]
    content: bytes

    def json(self):
        data = self.content
        if self.headers.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        return json.loads(data)


@dataclass
class Client:
    """Sends GETs through the app's routing as a browser would (ASGI, no network)."""

    app: Starlette
    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        sent = {"host": "127.0.0.1:8501", **(headers or {})}
        if self.cookies:
            sent["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        scope = {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "server": ("127.0.0.1", 8501),
            "headers": [(k.encode(), v.encode()) for k, v in sent.items()],
        }
        got: dict = {"headers": {}, "body": b""}

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                got["status"] = message["status"]
                got["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
            elif message["type"] == "http.response.body":
                got["body"] += message.get("body", b"")

        # A thread of its own: the browser tests' Playwright may hold an event loop here.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, self.app(scope, receive, send)).result()
        return Answer(got["status"], got["headers"], got["body"])


@pytest.fixture
def served(monkeypatch, seeded_copy, tmp_path) -> Iterator[tuple[Client, ClusterStore, str]]:
    url = f"sqlite:///{tmp_path / 'seeded.sqlite'}"
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", url)
    monkeypatch.delenv("CLUSTERS_ANONYMOUS_READ", raising=False)
    asgi._store.cache_clear()
    asgi._accounts.cache_clear()
    monkeypatch.setattr(asgi, "_served", [])  # routes() marks the process as serving them
    yield Client(Starlette(routes=asgi.routes())), seeded_copy, url
    asgi._store.cache_clear()
    asgi._accounts.cache_clear()


def path(revision: int, lang: str = "vi") -> str:
    return f"/{map_data.PATH}/{map_data.file_name(revision, lang)}"


def test_the_current_revision_is_served_gzipped_and_cached_for_a_year(served):
    client, store, _ = served
    response = client.get(path(store.revision()), headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-type"].startswith("application/geo+json")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    features = response.json()["features"]
    located = [c for c in store.list_clusters() if c.geometry is not None]
    assert sorted(f["properties"]["cluster_id"] for f in features) == sorted(c.id for c in located)
    again = client.get(path(store.revision()), headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_a_browser_without_gzip_gets_plain_json_in_its_language(served):
    client, store, _ = served
    response = client.get(path(store.revision(), "en"), headers={"accept-encoding": "identity"})
    assert "content-encoding" not in response.headers
    tooltips = [f["properties"]["tooltip"] for f in json.loads(response.content)["features"]]
    assert any("Operating ·" in t for t in tooltips)


def test_a_revision_that_is_not_the_registrys_is_not_served(served):
    client, store, _ = served
    old = store.revision()
    assert client.get(path(old)).status_code == 200
    store.create(cluster(name="CCN thử nghiệm (dữ liệu kiểm thử)"), actor="test")
    assert client.get(path(old)).status_code == 200  # kept in this process: still true of it
    assert client.get(path(old + 5)).status_code == 404  # never the registry's
    assert client.get(path(old, "fr")).status_code == 404
    assert client.get(f"/{map_data.PATH}/..%2Fsecret.json").status_code == 404
    newer = client.get(path(store.revision())).json()["features"]
    assert any("thử nghiệm" in f["properties"]["tooltip"] for f in newer)


def test_when_reading_needs_a_sign_in_only_a_signed_in_browser_gets_the_data(served, monkeypatch):
    client, store, _ = served
    monkeypatch.setenv("CLUSTERS_ANONYMOUS_READ", "0")
    assert not asgi.serves_map_data()  # the map then carries its clusters behind the gate
    assert client.get(path(store.revision())).status_code == 403
    acc = account_store(store)
    accounts.add_account(acc, CLI_ACTOR, "lan", "viewer", password=PASSWORD)
    started = accounts.start_session(acc, Actor("lan", "viewer"))
    token = accounts.claim_session(acc, started.code)
    assert token is not None
    client.cookies[asgi.COOKIE] = token
    response = client.get(path(store.revision()))
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("private")


def test_the_data_is_made_once_per_revision_and_language(monkeypatch):
    made = []
    real = mapping.cluster_data

    def counting(*args, **kwargs):
        made.append(args[2] if len(args) > 2 else kwargs.get("key"))
        return real(*args, **kwargs)

    monkeypatch.setattr(mapping, "cluster_data", counting)
    clusters = [cluster(id=1), cluster(id=2)]
    url = "sqlite:///made-once.db"
    first = map_data.cluster_data(url, 3, "vi", lambda: clusters)
    again = map_data.cluster_data(url, 3, "vi", lambda: clusters)
    assert again is first and first.positions == {1: 0, 2: 1}
    assert first.positions is first.positions  # made once
    map_data.cluster_data(url, 3, "en", lambda: clusters)
    map_data.cluster_data(url, 4, "vi", lambda: clusters)
    tiled = map_data.cluster_data(url, 4, "vi", lambda: clusters, tiled=True)
    assert made == ["3-vi", "3-en", "4-vi", "4-vi"] and tiled.tiles is not None
    assert map_data.cached(url, 3, "vi", False) is first
    assert map_data.cached(url, 4, "vi", True) is tiled


def test_file_names_say_which_file_and_nothing_else_is_one():
    assert map_data.parse("3-vi.json") == map_data.Name(3, "vi", False)
    assert map_data.parse("3-vi.bin") == map_data.Name(3, "vi", True)
    assert map_data.parse("3-en-13050-7222.json") == map_data.Name(3, "en", True, (13050, 7222))
    for name in (
        "3-xx.json",
        "../3-vi.json",
        "3-vi-1-2.bin",
        "3-vi-1.json",
        "3-vi.txt",
        "x-vi.json",
    ):
        assert map_data.parse(name) is None, name
    assert map_data.tile_url(3, "vi").format(x=1, y=2).endswith("/_clusters/map/3-vi-1-2.json")


def tiles_of(bounds: tuple[float, float, float, float]) -> list[tuple[int, int]]:
    """The tiles at DETAIL_ZOOM that (west, south, east, north) spans."""
    west, south, east, north = bounds
    n = 2**mapping.DETAIL_ZOOM

    def row(lat: float) -> int:
        y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
        return int((1 - y / math.pi) / 2 * n)

    xs = range(int((west + 180) / 360 * n), int((east + 180) / 360 * n) + 1)
    return [(x, y) for x in xs for y in range(row(north), row(south) + 1)]


def test_a_big_registry_is_served_as_an_overview_and_tiles(served):
    """Tiled, the overview says where each cluster is (in the order the mask refers to) and
    each tile holds exactly the clusters that meet it, with their positions; every cluster is
    in the tiles its shape spans and in no other."""
    client, store, url = served
    revision = store.revision()
    located = sorted((c for c in store.list_clusters() if c.geometry), key=lambda c: c.id or 0)
    data = map_data.cluster_data(url, revision, "vi", lambda: located, tiled=True)
    name = f"/{map_data.PATH}/{map_data.file_name(revision, 'vi', tiled=True)}"
    response = client.get(name, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["cache-control"].endswith("max-age=31536000, immutable")
    body = gzip.decompress(response.content)
    n = len(located)
    assert body == data.body and len(body) == 9 * n and data.ids == tuple(c.id for c in located)
    lon = np.frombuffer(body, "<i4", n) / 1e5
    lat = np.frombuffer(body, "<i4", n, 4 * n) / 1e5
    styles = np.frombuffer(body, np.uint8, n, 8 * n)
    keys = list(mapping.style_table())
    for i, c in enumerate(located):
        assert c.geometry.distance(Point(lon[i], lat[i])) < 2e-5  # on the cluster
        assert mapping.style_table()[keys[styles[i]]] == mapping.cluster_style(c)

    wanted: dict[tuple[int, int], set[int]] = {}
    for i, c in enumerate(located):
        for t in tiles_of(c.geometry.bounds):
            if c.geometry.intersects(box(*mapping.tile_bounds(*t))):
                wanted.setdefault(t, set()).add(i)
    assert wanted
    for (x, y), positions in wanted.items():
        tile = client.get(f"/{map_data.PATH}/{revision}-vi-{x}-{y}.json")
        assert tile.status_code == 200, (x, y)
        features = tile.json()["features"]
        assert {f["properties"]["p"] for f in features} == positions
        for f in features:
            assert f["properties"]["cluster_id"] == located[f["properties"]["p"]].id
    empty = client.get(f"/{map_data.PATH}/{revision}-vi-0-0.json")  # the Pacific's corner
    assert empty.status_code == 200 and empty.json()["features"] == []
    outside = 2**mapping.DETAIL_ZOOM
    assert client.get(f"/{map_data.PATH}/{revision}-vi-{outside}-0.json").status_code == 404
    assert client.get(f"/{map_data.PATH}/{revision - 1}-vi-0-0.json").status_code == 404


def test_tile_tooltips_are_escaped():
    hostile = cluster(id=7, name='<img src=x onerror="alert(1)">')
    data = mapping.cluster_data([hostile], tiled=True)
    assert data.tiles is not None
    x, y = tiles_of(hostile.geometry.bounds)[0]
    found = data.tiles.tile(x, y)
    assert found is not None
    (feature,) = json.loads(found[0])["features"]
    assert "<img" not in feature["properties"]["tooltip"]
    assert "&lt;img" in feature["properties"]["tooltip"]
    assert gzip.decompress(found[1]) == found[0]

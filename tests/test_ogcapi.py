"""``clusters ogcapi``: the registry's clusters as an OGC API – Features collection, served by
pygeoapi from PostGIS, read over plain HTTP as QGIS or a web client would.

pygeoapi runs from a virtual environment of its own: its wheel installs a top-level ``tests``
package, which would hide this suite's in the same environment. ``CLUSTERS_TEST_PYGEOAPI``
names its ``pygeoapi`` command (``.ci/run`` makes that environment), else ``pygeoapi`` on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import box, shape

from clusters import accounts, seed
from clusters.ogcapi import PASSWORD_VARIABLE, PUBLIC_COLUMNS, grant_reader
from clusters.roles import Actor
from clusters.store import open_store
from clusters.store.accounts import account_store
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.postgis

READER_PASSWORD = "ogc reader password (test)"


def pygeoapi_command() -> str | None:
    given = os.environ.get("CLUSTERS_TEST_PYGEOAPI")
    return given if given and Path(given).exists() else shutil.which("pygeoapi")


def get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        return json.loads(response.read().decode("utf-8"))


@pytest.fixture(scope="module")
def pygeoapi() -> str:
    from conftest import skip_or_fail

    found = pygeoapi_command()
    if not found:
        skip_or_fail(
            "pygeoapi not found: install 'hanoi-clusters[ogcapi]' into a virtual environment "
            "of its own and set CLUSTERS_TEST_PYGEOAPI to its bin/pygeoapi"
        )
    assert found
    return found


@pytest.fixture(scope="module")
def service(pygeoapi, postgis_server, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """The seeded registry on PostGIS, a reader role, and ``clusters ogcapi`` serving it."""
    postgis_url = postgis_server.new_schema()
    tmp_path = tmp_path_factory.mktemp("ogcapi")
    store = open_store(postgis_url)
    seed.seed(store)
    accounts.add_account(
        account_store(store),
        Actor("test-admin", "admin"),
        "test-planner",
        "editor",
        password="test password 1234",
    )
    clusters = store.list_clusters()
    store.close()
    reader = f"test_ogc_reader_{os.getpid()}"
    grant_reader(reader, READER_PASSWORD, postgis_url)
    secret = tmp_path / "reader.pw"
    secret.write_text(READER_PASSWORD + "\n", encoding="utf-8")

    port = free_port()
    folder = tmp_path / "ogcapi"
    log = (tmp_path / "ogcapi.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "clusters",
            "ogcapi",
            "--port",
            str(port),
            "--folder",
            str(folder),
            "--reader",
            reader,
            "--password-file",
            str(secret),
            "--pygeoapi",
            pygeoapi,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "CLUSTERS_DATABASE_URL": postgis_url},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                get(f"{base}/collections?f=json")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise AssertionError(
                        "clusters ogcapi did not start:\n"
                        + (tmp_path / "ogcapi.log").read_text()[-3000:]
                    ) from None
                time.sleep(0.3)
        yield {"base": base, "clusters": clusters, "folder": folder, "reader": reader}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def items(base: str, query: str = "") -> list[dict[str, Any]]:
    page = get(f"{base}/collections/clusters/items?f=json&limit=1000{query}")
    assert page["type"] == "FeatureCollection"
    return page["features"]


def test_the_collection_holds_every_cluster_with_its_id_and_public_fields(service):
    base, clusters = service["base"], service["clusters"]
    collections = get(f"{base}/collections?f=json")["collections"]
    assert [c["id"] for c in collections] == ["clusters"]

    features = items(base)
    by_id = {f["id"]: f for f in features}
    assert sorted(by_id) == sorted(c.id for c in clusters)
    expected = set(PUBLIC_COLUMNS) - {"id"}
    for c in clusters:
        f = by_id[c.id]
        assert set(f["properties"]) == expected, c.id
        assert f["properties"]["name"] == c.name
        assert f["properties"]["stage"] == c.stage
        assert f["properties"]["version"] == c.version
        assert shapely.equals_exact(shape(f["geometry"]), c.geometry, tolerance=1e-9), c.id

    one = clusters[len(clusters) // 2]
    single = get(f"{base}/collections/clusters/items/{one.id}?f=json")
    assert single["id"] == one.id and single["properties"]["name"] == one.name


def test_the_bbox_filter_chooses_the_clusters_inside(service):
    base, clusters = service["base"], service["clusters"]
    # The south-west quarter of the clusters' extent (from the data, not invented).
    minx, miny, maxx, maxy = shapely.GeometryCollection([c.geometry for c in clusters]).bounds
    area = (minx, miny, (minx + maxx) / 2, (miny + maxy) / 2)
    expected = sorted(c.id for c in clusters if c.geometry.intersects(box(*area)))
    assert 0 < len(expected) < len(clusters)
    found = items(base, "&bbox=" + ",".join(str(v) for v in area))
    assert sorted(f["id"] for f in found) == expected


def test_no_account_or_secret_is_served_or_written(service):
    base = service["base"]
    text = json.dumps(items(base), ensure_ascii=False)
    for secret in ("test-planner", "password_hash", "argon2", "created_by", "updated_by"):
        assert secret not in text
    config = (service["folder"] / "pygeoapi-config.yml").read_text(encoding="utf-8")
    assert READER_PASSWORD not in config
    assert "${" + PASSWORD_VARIABLE + "}" in config and service["reader"] in config


def test_on_sqlite_it_says_what_needs_postgis(db_url, run_cli, monkeypatch):
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    code, _out, err = run_cli("ogcapi", "--write-only")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "PostGIS" in err and "gpkg" in err

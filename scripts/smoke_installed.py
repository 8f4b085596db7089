"""Smoke check of an installed ``clusters`` (a wheel in a fresh venv), run by ``.ci/run``.

    python scripts/smoke_installed.py /path/to/venv/bin/clusters

Everything runs from temporary folders that are not the checkout, with a private data folder
(``CLUSTERS_DATA_DIR``) and no basemap: ``clusters seed``; ``clusters stats`` from another
folder (it must see the same registry); ``clusters export``; ``clusters serve`` answering
its health URL and serving the map's Leaflet file; then, with Playwright and Chromium (from the
interpreter running this script), the map page drawing every seeded cluster with no request to
any host but the app's own. Prints one line per check and exits non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from clusters.mapping import CLUSTER_CLASS

CHROMIUM = os.environ.get("CLUSTERS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FRAME = 'iframe[title="streamlit_folium.st_folium"]'
SEED_COUNT = 101


class SmokeFailure(Exception):
    pass


def check(ok: bool, what: str) -> None:
    if not ok:
        raise SmokeFailure(what)
    print(f"ok  {what}", flush=True)


def run(clusters: str, *args: str, cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [clusters, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    if proc.returncode != 0:
        raise SmokeFailure(f"clusters {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc.stdout + proc.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.read()


def wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if fetch(f"{url}/_stcore/health")[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SmokeFailure(f"serve did not answer /_stcore/health:\n{log.read_text()[-3000:]}")


def drawn(frame) -> int:
    """Clusters on the map: drawn features plus the counts inside marker groups."""
    paths = frame.locator(f"path.{CLUSTER_CLASS}").count()
    groups = sum(int(n) for n in frame.locator(".cluster-group span").all_inner_texts())
    return paths + groups


def browse(url: str) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise SmokeFailure("Playwright is needed for the browser check") from exc
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 950})
        page.on("request", lambda req: requests.append(req.url))
        page.goto(url)
        frame = page.frame_locator(FRAME)
        deadline = time.monotonic() + 90
        counted = drawn(frame)
        while counted < SEED_COUNT and time.monotonic() < deadline:
            time.sleep(0.5)
            counted = drawn(frame)
        browser.close()
    check(counted == SEED_COUNT, f"the map draws all {SEED_COUNT} clusters ({counted} shown)")
    own = urlsplit(url).netloc
    foreign = sorted(
        {urlsplit(u).netloc for u in requests if urlsplit(u).scheme in ("http", "https")} - {own}
    )
    check(not foreign, f"no request to another host ({len(requests)} requests, {foreign})")


def smoke(clusters: str) -> None:
    with tempfile.TemporaryDirectory(prefix="clusters-smoke-") as tmp:
        base = Path(tmp)
        data, first, second = base / "data", base / "first", base / "second"
        for folder in (first, second):
            folder.mkdir()
        env = {**os.environ, "CLUSTERS_DATA_DIR": str(data), "CLUSTERS_TILES": "none"}
        for name in ("CLUSTERS_DATABASE_URL", "CLUSTERS_MAPPINGS_FILE", "CLUSTERS_LANG"):
            env.pop(name, None)

        out = run(clusters, "--help", cwd=first, env=env)
        check("serve" in out, "clusters --help")
        out = run(clusters, "seed", cwd=first, env=env)
        check(str(SEED_COUNT) in out, "clusters seed")
        out = run(clusters, "stats", cwd=second, env=env)
        check(
            f"({SEED_COUNT})" in out and str(data) in out,
            "clusters stats from another folder sees the same registry",
        )
        target = second / "clusters.geojson"
        run(clusters, "export", "--format", "geojson", "-o", str(target), cwd=second, env=env)
        features = json.loads(target.read_text(encoding="utf-8"))["features"]
        check(len(features) == SEED_COUNT, f"clusters export ({len(features)} features)")
        check(
            not (first / "data").exists() and not (second / "data").exists(),
            "nothing written into the current folder",
        )

        port = free_port()
        log = base / "serve.log"
        with log.open("wb") as out_file:
            process = subprocess.Popen(
                [clusters, "serve", "--port", str(port)],
                cwd=first,
                env=env,
                stdout=out_file,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(url, process, log)
            check(True, "clusters serve answers /_stcore/health")
            status, body = fetch(f"{url}/app/static/vendor/leaflet/leaflet.js")
            check(status == 200 and b"Leaflet" in body[:2000], "the Leaflet file is served")
            browse(url)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clusters", help="path of the installed clusters command")
    args = parser.parse_args()
    try:
        smoke(args.clusters)
    except SmokeFailure as exc:
        print(f"FAIL {exc}", file=sys.stderr)
        return 1
    print("smoke check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Take the README's screenshot of the map page: the seed registry in headless Chromium.

    python scripts/screenshot.py [--output docs/screenshots/map.png] [--layer FILE ...]

Starts ``clusters serve`` on a temporary copy of the seed with no basemap (the machine may
be offline) and, for context, the reference layers given with ``--layer`` (by default the
2025 communes from ../shared/data when that folder exists; they are read, not copied).
Then opens one cluster's summary beside the map and saves the page.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from clusters import seed
from clusters.store import open_store

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LAYER = ROOT.parent / "shared" / "data" / "hanoi_communes_2025_simplified10m.geojson"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FRAME = 'iframe[title="streamlit_folium.st_folium"]'
SELECTED = "CCN Ngọc Hồi"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(folder: Path, layers: list[Path]) -> tuple[subprocess.Popen[bytes], str]:
    db_url = f"sqlite:///{folder / 'registry.sqlite'}"
    store = open_store(db_url)
    seed.seed(store)
    store.close()
    port = free_port()
    env = {
        **os.environ,
        "CLUSTERS_DATABASE_URL": db_url,
        "CLUSTERS_TILES": "none",
        "CLUSTERS_REFERENCE_LAYERS": ";".join(str(p) for p in layers),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "clusters", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.25)
    process.terminate()
    raise SystemExit("the app did not start")


def shoot(url: str, output: Path, chromium: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(url)
        frame = page.frame_locator(FRAME)
        frame.locator("path.cluster-feature").first.wait_for(timeout=60_000)
        search = page.get_by_role("textbox", name="Tìm theo tên, xã, huyện, chủ đầu tư")
        search.fill("ngoc hoi")
        search.press("Enter")
        frame.locator(".cluster-group").first.wait_for(state="detached")
        frame.locator("path.cluster-feature").first.click()
        page.get_by_role("heading", name=SELECTED).wait_for()
        search.fill("")
        search.press("Enter")
        page.get_by_role("button", name="Thu phóng vừa kết quả").click()  # one match zoomed in
        frame.locator(".cluster-group").first.wait_for()
        page.wait_for_timeout(1000)
        search.blur()
        frame.locator(".leaflet-control-scale").hover()
        page.wait_for_timeout(500)
        output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(output))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "screenshots" / "map.png")
    parser.add_argument("--layer", type=Path, action="append", help="reference layer file")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    layers = args.layer if args.layer else ([DEFAULT_LAYER] if DEFAULT_LAYER.exists() else [])
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start_app(Path(tmp), layers)
        try:
            shoot(url, args.output, args.chromium)
        finally:
            process.terminate()
            process.wait(timeout=10)
    print(f"→ {args.output}")


if __name__ == "__main__":
    main()

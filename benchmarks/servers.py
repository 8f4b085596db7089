"""The three servers a benchmark run compares: ours (``clusters serve``), the naive
baseline and the empty page (``streamlit run`` of a script in benchmarks/), each on a free
port in its own temporary folder; and their memory, read from /proc (no psutil)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from clusters.serving import streamlit_flags
from clusters.static_assets import install_assets
from tests.e2e.conftest import free_port

HERE = Path(__file__).resolve().parent
START_TIMEOUT_S = 120


class ServerFailed(RuntimeError):
    pass


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.25)
        self.stop()
        tail = self.log.read_text(errors="replace")[-2000:]
        raise ServerFailed(f"{self.name} did not start:\n{tail}")

    def rss_mb(self) -> float:
        return tree_rss_kb(self.process.pid) / 1024

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        out.setdefault(ppid, []).append(int(entry.name))
    return out


def tree_rss_kb(pid: int) -> int:
    """VmRSS of ``pid`` and all its descendants, in kB."""
    children = _children()
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _start(name: str, cmd: list[str], folder: Path, env: dict[str, str], url: str) -> Server:
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(name, url, process, log)
    server.wait_until_up()
    return server


def base_env(data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "CLUSTERS_DATA_DIR": str(data_dir),
        "CLUSTERS_TILES": "none",
        "CLUSTERS_REFERENCE_LAYERS": "",
    }
    for name in ("CLUSTERS_LANG", "STREAMLIT_SERVER_BASE_URL_PATH", "CLUSTERS_MAPPINGS_FILE"):
        env.pop(name, None)
    return env


def start_ours(db_url: str, folder: Path) -> Server:
    """``clusters serve`` on the registry at ``db_url`` (it seeds only an empty one)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**base_env(folder / "data"), "CLUSTERS_DATABASE_URL": db_url}
    cmd = [sys.executable, "-m", "clusters", "serve", "--port", str(port)]
    return _start("ours", cmd, folder, env, f"http://127.0.0.1:{port}")


def start_script(name: str, script: str, folder: Path, env: dict[str, str] | None = None) -> Server:
    """``streamlit run`` of ``benchmarks/<script>`` copied into ``folder`` beside the map's
    offline assets, with the product's Streamlit settings."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(HERE / script, folder / script)
    install_assets(folder / "static")
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        *streamlit_flags(),
    ]
    run_env = {**base_env(folder / "data"), **(env or {})}
    return _start(name, cmd, folder, run_env, f"http://127.0.0.1:{port}")

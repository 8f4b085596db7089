"""Operations commands for the people who run the registry: copy (a registry to another
database), grant-reader (a read-only role for GIS users), ogcapi (the OGC API – Features
service). See docs/DEPLOY.md."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clusters.store.copy import TableCheck

# The store and the copy (SQLAlchemy …) are imported inside the commands: ``clusters --help``
# imports neither.


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "copy",
        help="copy the whole registry to another database (SQLite ↔ PostGIS), verified",
    )
    p.add_argument("--from", dest="source", required=True, metavar="URL", help="source URL")
    p.add_argument("--to", dest="target", required=True, metavar="URL", help="target URL")
    p.add_argument(
        "--replace",
        action="store_true",
        help="replace what the target holds (its history included) instead of refusing",
    )
    p.set_defaults(func=cmd_copy)

    p = sub.add_parser(
        "grant-reader",
        help="PostGIS: a login role that reads the cluster layer, decisions and history only",
    )
    p.add_argument("name", help="role name (lower-case letters, digits, _)")
    _password_file_option(p, "the role's password")
    p.set_defaults(func=cmd_grant_reader)

    p = sub.add_parser(
        "ogcapi",
        help="PostGIS: write pygeoapi's configuration and serve the clusters as OGC API – Features",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    p.add_argument(
        "--url", help="the public URL clients reach the service at (default http://HOST:PORT)"
    )
    p.add_argument(
        "--folder", type=Path, help="where to write the configuration (default: data folder)"
    )
    p.add_argument(
        "--reader",
        metavar="NAME",
        help="connect as this read-only role (clusters grant-reader) instead of the app's user",
    )
    _password_file_option(p, "the reader's password")
    p.add_argument("--pygeoapi", metavar="PATH", help="the pygeoapi command to run")
    p.add_argument(
        "--write-only", action="store_true", help="write the configuration, do not serve"
    )
    p.set_defaults(func=cmd_ogcapi)


def _password_file_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--password-file",
        type=Path,
        metavar="FILE",
        help=f"read {what} from this file's first line (else prompted, or read from stdin)",
    )


def _lang() -> str:
    from clusters.cli import language

    return language()


def checks_table(checks: list[TableCheck], lang: str) -> list[str]:
    """The per-table verification as aligned text lines."""
    head = (
        ("table", "source rows", "target rows", "checksum (SHA-256)", "")
        if lang == "en"
        else ("bảng", "dòng nguồn", "dòng đích", "tổng kiểm (SHA-256)", "")
    )
    rows = [
        (
            c.table,
            str(c.source_rows),
            str(c.target_rows),
            c.source_checksum[:16]
            + ("" if c.source_checksum == c.target_checksum else f" ≠ {c.target_checksum[:16]}"),
            "ok" if c.ok else "≠",
        )
        for c in checks
    ]
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    lines = []
    for r in (head, tuple("-" * w for w in widths), *rows):
        cells = [
            r[i].rjust(widths[i]) if i in (1, 2) else r[i].ljust(widths[i]) for i in range(len(r))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def cmd_copy(args: argparse.Namespace) -> int:
    from clusters.store import display_url
    from clusters.store.copy import SKIPPED, copy_registry

    lang = _lang()
    checks = copy_registry(args.source, args.target, replace=args.replace)
    print(
        f"Copied {display_url(args.source)} → {display_url(args.target)} in one transaction:"
        if lang == "en"
        else f"Đã sao chép {display_url(args.source)} → {display_url(args.target)} "
        "trong một giao dịch:"
    )
    for line in checks_table(checks, lang):
        print(line)
    print(
        "registry_meta: the revision counter is not compared (raised on the target so that "
        "running app instances reload)"
        if lang == "en"
        else "registry_meta: không so bộ đếm phiên bản (được nâng ở đích để các phiên bản ứng "
        "dụng đang chạy tải lại)"
    )
    for table, (vi, en) in SKIPPED.items():
        print(
            f"{'not copied' if lang == 'en' else 'không sao chép'}: {table} — "
            f"{en if lang == 'en' else vi}"
        )
    return 0


def _password(file: Path | None) -> str:
    from clusters.cli.users import read_password
    from clusters.errors import ClusterError

    if file is None:
        return read_password()
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ClusterError(f"Không có tệp «{file}».", f"No file '{file}'.") from None
    if not lines or not lines[0]:
        raise ClusterError(f"Tệp «{file}» không có mật khẩu.", f"'{file}' holds no password.")
    return lines[0]


def cmd_grant_reader(args: argparse.Namespace) -> int:
    from clusters import ogcapi
    from clusters.store import database_url

    lang = _lang()
    ogcapi.needs_postgis(database_url())  # before asking for a password
    ogcapi.check_role_name(args.name)
    access = ogcapi.grant_reader(args.name, _password(args.password_file))
    print(
        f"The role '{access.user}' reads the cluster layer, decisions and history, nothing "
        "else. Give the GIS user:"
        if lang == "en"
        else f"Vai trò «{access.user}» chỉ đọc được lớp cụm công nghiệp, quyết định và lịch sử. "
        "Thông tin kết nối cho người dùng GIS:"
    )
    for line in access.lines(lang):
        print(f"  {line}")
    return 0


def _pygeoapi(given: str | None) -> str:
    import shutil
    import sys

    from clusters.errors import ClusterError

    beside = Path(sys.executable).with_name("pygeoapi")
    if given:
        found = shutil.which(given)
    else:
        found = str(beside) if beside.exists() else shutil.which("pygeoapi")
    if not found:
        raise ClusterError(
            "Chưa cài pygeoapi: pip install 'hanoi-clusters[ogcapi]' (hoặc chỉ đường dẫn bằng "
            "--pygeoapi).",
            "pygeoapi is not installed: pip install 'hanoi-clusters[ogcapi]' (or give its path "
            "with --pygeoapi).",
        )
    return found


def cmd_ogcapi(args: argparse.Namespace) -> int:
    import os
    import subprocess
    import sys

    from clusters import ogcapi
    from clusters.errors import ClusterError
    from clusters.mapping import OSM, basemap_from_env
    from clusters.paths import data_dir
    from clusters.store import database_url

    lang = _lang()
    ogcapi.needs_postgis(database_url())
    exe = _pygeoapi(args.pygeoapi)
    parsed, extent = ogcapi.prepare()
    if args.reader:
        ogcapi.check_role_name(args.reader)
        parsed = parsed.set(username=args.reader, password=_password(args.password_file))
    folder: Path = args.folder or data_dir() / "ogcapi"
    folder.mkdir(parents=True, exist_ok=True)
    config_file, openapi_file = folder / "pygeoapi-config.yml", folder / "pygeoapi-openapi.yml"
    basemap = basemap_from_env()
    tiles = (basemap.url or OSM.url or "", basemap.attribution or OSM.attribution)
    public = args.url or f"http://{args.host}:{args.port}"
    config = ogcapi.pygeoapi_config(
        parsed, extent, host=args.host, port=args.port, public_url=public, tiles=tiles
    )
    config_file.write_text(ogcapi.config_text(config), encoding="utf-8")
    env = {**os.environ, **ogcapi.service_environment(parsed, str(config_file), str(openapi_file))}
    done = subprocess.run(
        [exe, "openapi", "generate", str(config_file), "--output-file", str(openapi_file)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise ClusterError(
            f"pygeoapi không tạo được tài liệu OpenAPI: {why}",
            f"pygeoapi could not generate its OpenAPI document: {why}",
        )
    print(f"→ {config_file}")
    print(f"→ {openapi_file}")
    items = f"{public.rstrip('/')}/collections/{ogcapi.COLLECTION}/items"
    if args.write_only:
        print(
            f"Run: PYGEOAPI_CONFIG={config_file} PYGEOAPI_OPENAPI={openapi_file} "
            f"{exe} serve --starlette"
            + (f" (with {ogcapi.PASSWORD_VARIABLE} set)" if parsed.password else "")
        )
        return 0
    print(
        f"Serving OGC API – Features: {items}"
        if lang == "en"
        else f"Đang phục vụ OGC API – Features: {items}"
    )
    sys.stdout.flush()
    os.execve(exe, [exe, "serve", "--starlette"], env)  # replaces this process

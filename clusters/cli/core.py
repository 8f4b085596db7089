"""Core commands: serve, seed, backup, restore, stats (export/import: ``transfer``)."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from clusters import paths, stages
from clusters.errors import ClusterError, StorageError
from clusters.texts import Text, counted

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# The store, the seed and the figures (SQLAlchemy, shapely …) are imported inside the
# commands: ``clusters --help`` imports none of them.


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="start the web app on the configured database")
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.add_argument("--address", default="127.0.0.1", help="address to listen on")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="upgrade the registry's schema to this release's")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("seed", help="add the seed clusters and reported figures (idempotent)")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("backup", help="consistent online copy of the SQLite database")
    p.add_argument("file", type=Path, help="backup file to write")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the SQLite database with a backup")
    p.add_argument("file", type=Path, help="backup file written by 'clusters backup'")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("stats", help="counts by stage and batch beside the reported figures")
    add_as_of_option(p)
    p.set_defaults(func=cmd_stats)


def add_as_of_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="the registry as it stood at the end of that day, Hanoi time (a report cut-off: "
        "14 June, 14 December), rebuilt from its history",
    )


def say_database() -> None:
    """Which registry this command works on (a line of its report)."""
    from clusters.store import display_url

    print(f"Cơ sở dữ liệu / Database: {display_url()}")


def cmd_serve(args: argparse.Namespace) -> int:
    from clusters import seed
    from clusters.serving import ASGI_LAUNCHER, prepare_app_folder, streamlit_flags
    from clusters.store import open_store

    say_database()
    store = open_store()
    seed.ensure_seeded(store)
    store.close()
    # The launcher's st.App serves the entry script with the session routes (uvicorn).
    launcher = prepare_app_folder().with_name(ASGI_LAUNCHER)
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(launcher),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
        *streamlit_flags(),
    ]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, cmd)  # replaces this process; never returns


def cmd_migrate(args: argparse.Namespace) -> int:
    from clusters import registry
    from clusters.cli import language
    from clusters.store import migrate, open_store

    say_database()
    before, after = migrate()
    if before == after:
        print(
            f"The registry is up to date (schema revision {after})."
            if language() == "en"
            else f"Sổ đăng ký đã ở phiên bản lược đồ mới nhất ({after})."
        )
    else:
        print(
            f"Upgraded the registry: schema revision {before} → {after}."
            if language() == "en"
            else f"Đã nâng cấp sổ đăng ký: phiên bản lược đồ {before} → {after}."
        )
    legacy = paths.legacy_mappings_file()
    if legacy.is_file():
        store = open_store()
        try:
            added = registry.take_in_legacy_mappings(store, legacy)
        finally:
            store.close()
        taken = Text(
            "Đã đưa {mappings} từ «{file}» vào sổ đăng ký.",
            "Took {mappings} from '{file}' into the registry.",
        )
        print(
            taken.format(
                mappings=counted(added, "cách ghép cột", "column mapping"), file=legacy
            ).text(language())
        )
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from clusters import seed
    from clusters.cli import language
    from clusters.store import open_store

    store = open_store()
    added, figs = seed.seed(store)
    report = Text(
        "Đã thêm {clusters} và {figures}; sổ có {total}.",
        "Added {clusters} and {figures}; {total} in total.",
    )
    print(
        report.format(
            clusters=counted(added, "cụm", "cluster"),
            figures=counted(figs, "số liệu báo cáo", "reported figure"),
            total=counted(store.count(), "cụm", "cluster"),
        ).text(language())
    )
    return 0


def _sqlite_engine() -> Engine:
    from clusters.store import open_store

    store = open_store()
    engine = getattr(store, "engine", None)
    if engine is None or engine.url.get_backend_name() != "sqlite":
        raise StorageError(
            "Sao lưu/khôi phục chỉ dành cho SQLite; với PostgreSQL dùng pg_dump.",
            "Backup/restore is for SQLite; use pg_dump for PostgreSQL.",
        )
    return engine


def cmd_backup(args: argparse.Namespace) -> int:
    from clusters.store.dialects import backup_sqlite

    target: Path = args.file
    engine = _sqlite_engine()
    try:
        backup_sqlite(engine, target)  # refuses an existing file or a missing folder
    finally:
        engine.dispose()  # leave no connection open: a restore refuses while one is
    print(f"→ {target}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from clusters.cli import language
    from clusters.store import database_url, open_store
    from clusters.store.dialects import restore_sqlite

    source: Path = args.file
    if not source.is_file():
        raise ClusterError(f"Không có tệp «{source}».", f"No file '{source}'.")
    kept = restore_sqlite(_sqlite_engine(), source)
    store = open_store()
    count = store.count()
    store.close()
    print(f"{database_url()} ← {source} ({count})")
    if kept is not None:
        print(
            f"The previous registry is kept at '{kept}'."
            if language() == "en"
            else f"Sổ đăng ký trước đó được giữ ở «{kept}»."
        )
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from clusters import figures, snapshot
    from clusters.cli import language
    from clusters.model import BATCHES
    from clusters.store import open_store

    lang = language()
    store = open_store()
    official = store.reported_figures()
    if args.as_of is None:
        clusters = store.list_clusters()
        head = "Registry by stage" if lang == "en" else "Sổ đăng ký theo giai đoạn"
    else:
        day = snapshot.parse_day(args.as_of)
        moment = snapshot.as_of_moment(store, day)
        clusters = snapshot.registry_at(store, moment)
        official = snapshot.figures_at(official, moment)
        head = (
            f"Registry as of {day.isoformat()} (end of day, Hanoi time) by stage"
            if lang == "en"
            else f"Sổ đăng ký tại cuối ngày {day:%d/%m/%Y} (giờ Hà Nội) theo giai đoạn"
        )
    by_stage = Counter(c.stage for c in clusters)
    by_batch = Counter(c.batch or "unknown" for c in clusters)
    print(f"{head} ({len(clusters)}):")
    for s in stages.STAGES:
        print(f"  {s.label(lang):<40} {by_stage.get(s.code, 0):>4}")
    print("By batch:" if lang == "en" else "Theo đợt thành lập:")
    for b in (*BATCHES, "unknown"):
        print(f"  {b:<40} {by_batch.get(b, 0):>4}")
    print("Registry vs reported:" if lang == "en" else "Sổ đăng ký so với số liệu báo cáo:")
    for cmp in figures.compare(clusters, official):
        rep = cmp.reported
        reported = f"{rep.count} ({rep.as_of:%d/%m/%Y})" if rep and rep.count is not None else "—"
        print(
            f"  {cmp.category.label(lang):<40} {cmp.registry:>4}   "
            f"{'reported' if lang == 'en' else 'báo cáo'}: {reported}"
        )
    say_database()
    return 0

"""Import and export commands: ``clusters export`` and ``clusters import``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from clusters import clock, paths, stages
from clusters.cli import defer_arguments
from clusters.cli.core import add_as_of_option
from clusters.errors import ClusterError
from clusters.roles import CLI_ACTOR
from clusters.texts import counted

if TYPE_CHECKING:
    from clusters.filters import ClusterFilter
    from clusters.importer import ImportPlan
    from clusters.io import columns

# The registry's modules (geopandas, SQLAlchemy …) are imported inside the commands, and the
# arguments that name the vocabulary are added when the command is used: ``clusters --help``
# stays quick.


def register(sub: argparse._SubParsersAction) -> None:
    commands = (
        (
            "export",
            "export clusters: GeoJSON (RFC 7946), GeoPackage, CSV, Excel or KML",
            "Export the registry, filtered like the map. Without filters: every cluster except "
            "removed ones.",
            cmd_export,
            _export_arguments,
        ),
        (
            "import",
            "import clusters from GeoJSON, GeoPackage, KML/KMZ, zipped Shapefile, CSV, XLSX",
            "Check a file and import it in one transaction (all rows or none). Needs no "
            "account: the command line acts as an administrator.",
            cmd_import,
            _import_arguments,
        ),
    )
    for name, summary, description, func, arguments in commands:
        p = sub.add_parser(name, help=summary, description=description)
        p.set_defaults(func=func)
        defer_arguments(p, arguments)


def _export_arguments(p: argparse.ArgumentParser) -> None:
    from clusters.io.export import FORMATS

    p.add_argument("--format", choices=FORMATS, default="geojson", help="file format")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        help="output file, or a folder for the dated default name "
        "(default: cum-cong-nghiep-ha-noi_<date>.<format> here)",
    )
    p.add_argument("--vn2000", action="store_true", help="GeoPackage in VN-2000 / TM-3 (EPSG:5897)")
    add_as_of_option(p)
    _filter_options(p)


def _import_arguments(p: argparse.ArgumentParser) -> None:
    from clusters.io import columns

    p.add_argument("file", type=Path, help="the file to import")
    p.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    p.add_argument(
        "--crs",
        help="coordinate system when the file states none, e.g. EPSG:5897, EPSG:3405, "
        "EPSG:4756 (VN-2000) or EPSG:4326 (WGS 84)",
    )
    p.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="FIELD=HEADER",
        help="map a file column to a field (repeatable; FIELD= unmaps); fields: "
        + ", ".join(columns.TARGETS),
    )
    p.add_argument(
        "--make-valid", action="store_true", help="repair invalid boundaries with make_valid"
    )
    p.add_argument("--accept-warnings", action="store_true", help="import despite warnings")
    g = p.add_argument_group(
        "stage moves",
        "A row that moves a stage forward needs evidence and an effective date; one that moves "
        "it back needs a reason. A row's own columns (decision number and date, or inspection "
        "date; stage effective date; reason) come first; these options stand for every row "
        "that gives none.",
    )
    g.add_argument(
        "--evidence",
        metavar="TEXT",
        help='the document behind the moves, e.g. "Báo cáo 123/BC-SCT ngày 14/06/2025", '
        "recorded as each moved cluster's stage evidence",
    )
    g.add_argument(
        "--effective-date",
        metavar="DATE",
        help="the moves' effective date, YYYY-MM-DD or DD/MM/YYYY (default: the evidence's "
        "own date, written «ngày DD/MM/YYYY»)",
    )
    g.add_argument("--reason", metavar="TEXT", help="why stages move back (a correction)")


def _filter_options(p: argparse.ArgumentParser) -> None:
    from clusters.model import BATCHES, CLUSTER_TYPES, WWTP_STATUSES

    g = p.add_argument_group("filters (as on the map; repeat or separate values by commas)")
    g.add_argument("--stage", action="append", default=[], help=", ".join(stages.STAGE_CODES))
    g.add_argument("--batch", action="append", default=[], help=", ".join((*BATCHES, "unknown")))
    g.add_argument("--district", action="append", default=[], help="former district name")
    g.add_argument("--commune", action="append", default=[], help="2025 commune code")
    g.add_argument("--type", action="append", default=[], help=", ".join(CLUSTER_TYPES))
    g.add_argument(
        "--wwtp", action="append", default=[], help=", ".join((*WWTP_STATUSES, "unknown"))
    )
    g.add_argument("--verified-only", action="store_true", help="only verified stages")
    g.add_argument("--area-min", type=float, help="minimum decided area, ha")
    g.add_argument("--area-max", type=float, help="maximum decided area, ha")
    g.add_argument("--text", default="", help="words in the name, address or investor")
    g.add_argument("--all", action="store_true", help="every stage, removed clusters included")


def _values(raw: list[str], allowed: tuple[str, ...] | None, what: str) -> tuple[str, ...]:
    out = tuple(v.strip() for item in raw for v in item.split(",") if v.strip())
    if allowed is not None:
        bad = [v for v in out if v not in allowed]
        if bad:
            raise ClusterError(
                f"Giá trị {what} không hợp lệ: {', '.join(bad)}; chọn trong: {', '.join(allowed)}.",
                f"Invalid {what}: {', '.join(bad)}; choose from: {', '.join(allowed)}.",
            )
    return out


def filter_from_args(args: argparse.Namespace) -> ClusterFilter:
    from clusters.filters import DEFAULT_STAGES, ClusterFilter
    from clusters.model import BATCHES, CLUSTER_TYPES, WWTP_STATUSES

    chosen = _values(args.stage, stages.STAGE_CODES, "--stage")
    return ClusterFilter(
        stages=chosen or (() if args.all else DEFAULT_STAGES),
        batches=_values(args.batch, (*BATCHES, "unknown"), "--batch"),
        districts=_values(args.district, None, "--district"),
        communes=_values(args.commune, None, "--commune"),
        types=_values(args.type, CLUSTER_TYPES, "--type"),
        wwtp=_values(args.wwtp, (*WWTP_STATUSES, "unknown"), "--wwtp"),
        verified_only=args.verified_only,
        area_min=args.area_min,
        area_max=args.area_max,
        text=args.text,
    )


class _Progress:
    """A progress line on stderr, only when someone is watching a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.live = sys.stderr.isatty()

    def __call__(self, fraction: float, message: str) -> None:
        if self.live:
            print(f"\r{self.label} {fraction:4.0%} {message[:40]:<40}", end="", file=sys.stderr)

    def done(self) -> None:
        if self.live:
            print("\r" + " " * 60 + "\r", end="", file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> int:
    from clusters import snapshot
    from clusters.cli import language
    from clusters.io.export import WITH_RECORDS, file_name, write_export
    from clusters.store import open_store

    flt = filter_from_args(args)
    store = open_store()
    day = None
    if args.as_of is not None:
        day = snapshot.parse_day(args.as_of)
        snapshot.as_of_moment(store, day)  # refuses a future day or one before the registry
    records = args.format in WITH_RECORDS
    data = snapshot.collect(store, flt, when=clock.now_utc(), as_of=day, records=records)
    default_name = file_name(args.format, data.when, args.vn2000, as_of=day)
    out: Path = args.output or Path(default_name)
    if out.is_dir():
        out = out / default_name
    if not out.parent.exists():
        raise ClusterError(
            f"Thư mục «{out.parent}» không tồn tại.", f"The folder '{out.parent}' does not exist."
        )
    progress = _Progress("export" if language() == "en" else "Đang xuất")
    write_export(args.format, data, out, vn2000=args.vn2000, progress=progress)
    progress.done()
    print(f"{len(data.clusters)} → {out}")
    return 0


def _mapping(
    args: argparse.Namespace, headers: list[str], book: columns.MappingBook
) -> dict[str, str]:
    from clusters.io import columns

    mapping = columns.mapping_for(headers, book)
    for item in args.column:
        target, sep, header = item.partition("=")
        target = target.strip()
        if not sep or target not in columns.TARGETS:
            raise ClusterError(
                "--column cần dạng TRƯỜNG=CỘT với TRƯỜNG là một trong: "
                + ", ".join(columns.TARGETS),
                "--column needs FIELD=HEADER with FIELD one of: " + ", ".join(columns.TARGETS),
            )
        if header.strip():
            mapping[target] = header.strip()
        else:
            mapping.pop(target, None)
    return mapping


def print_report(p: ImportPlan, lang: str) -> None:
    en = lang == "en"
    counts = p.counts()
    rows = counted(len(p.rows), "dòng", "row").text(lang)
    print(
        f"{p.source}: {rows} · CRS {p.crs[:40]} · "
        + (
            f"new {counts['new']}, updated {counts['update']}, unchanged {counts['unchanged']}, "
            f"with errors {counts['rejected']}"
            if en
            else f"mới {counts['new']}, cập nhật {counts['update']}, không đổi "
            f"{counts['unchanged']}, có lỗi {counts['rejected']}"
        )
    )
    shown = ", ".join(f"{t}←{h}" for t, h in p.mapping.items())
    print(("Columns: " if en else "Ghép cột: ") + shown)
    if p.unmapped:
        print(("Not used: " if en else "Không dùng: ") + ", ".join(p.unmapped))
    for issue in p.issues():
        where = (issue.row_en if en else issue.row) or ("file" if en else "tệp")
        level = issue.severity if en else ("lỗi" if issue.severity == "error" else "cảnh báo")
        text = issue.en if en else issue.vi
        print(f"  {where} · {issue.field or '—'} · {level}: {text}")


def cmd_import(args: argparse.Namespace) -> int:
    from clusters import registry, snapshot
    from clusters.cli import language
    from clusters.importer import commit, plan
    from clusters.io import limits
    from clusters.io.readers import load
    from clusters.store import open_store

    lang = language()
    path: Path = args.file
    data = limits.read_file(path)  # its size checked first: a 1 GB file is never loaded
    store = open_store()
    table = load(data, path.name)
    book = registry.column_mappings(store, CLI_ACTOR, legacy=paths.legacy_mappings_file())
    mapping = _mapping(args, table.headers, book)
    progress = _Progress("check" if lang == "en" else "Đang kiểm tra")
    p = plan(
        store,
        table,
        path.name,
        CLI_ACTOR,
        crs=args.crs,
        mapping=mapping,
        make_valid=args.make_valid,
        evidence=args.evidence,
        effective_date=snapshot.parse_day(args.effective_date) if args.effective_date else None,
        reason=args.reason,
        progress=progress,
    )
    progress.done()
    print_report(p, lang)
    if args.dry_run:
        return 1 if p.has_errors else 0
    if p.has_warnings and not args.accept_warnings and not p.has_errors:
        print(
            "Add --accept-warnings to import despite the warnings."
            if lang == "en"
            else "Thêm --accept-warnings để nhập dù có cảnh báo."
        )
    progress = _Progress("import" if lang == "en" else "Đang nhập")
    result = commit(
        store, p, CLI_ACTOR, accept_warnings=args.accept_warnings, book=book, progress=progress
    )
    progress.done()
    print(
        f"Imported: {len(result.created)} new, {len(result.updated)} updated, "
        f"{result.unchanged} unchanged."
        if lang == "en"
        else f"Đã nhập: {len(result.created)} mới, {len(result.updated)} cập nhật, "
        f"{result.unchanged} không đổi."
    )
    return 0

"""``clusters report``: the Circular 14/2024 reports as Excel workbooks.

``clusters report bieu04 --period 2025-H1 -o FILE.xlsx`` writes the city's Biểu 04,
``clusters report bieu03 --commune CODE --period 2025`` a commune's Biểu 03; every value from
the registry as it stood at the period's cut-off. ``clusters report bieu02 --cluster ID
--period 2025-H1`` writes a cluster's pre-filled Biểu 02 for its investor, and
``clusters report import-bieu02 FILE.xlsx`` checks the returned file (a dry run: every
problem by cell), ``--commit`` then stores its figures.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from clusters.errors import ClusterError

# The reports and the store (openpyxl, SQLAlchemy …) are imported inside the command:
# ``clusters --help`` imports neither.

PERIOD_HELP = (
    "2025-H1 (half-year: 15/12/2024–14/06/2025) or 2025 (annual: 15/12/2024–14/12/2025); "
    "the registry as it stood at the end of the cut-off day, Hanoi time"
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="Circular 14/2024 reports: Biểu 04 (the city) or Biểu 03 (a commune) as Excel",
        description="Write a Circular 14/2024/TT-BCT report computed from the registry as it "
        "stood at the period's cut-off (14 June / 14 December): the form, a per-cluster annex, "
        "what is missing and how each row is computed.",
    )
    forms = p.add_subparsers(dest="form", metavar="FORM", required=True)
    for code, what in (("bieu04", "the city's Biểu 04"), ("bieu03", "a commune's Biểu 03")):
        f = forms.add_parser(code, help=what)
        f.add_argument("--period", required=True, help=PERIOD_HELP)
        if code == "bieu03":
            f.add_argument("--commune", required=True, help="the 2025 commune's 5-digit code")
        f.add_argument(
            "-o",
            "--output",
            type=Path,
            help="the .xlsx file to write, or a folder for the default name "
            "(<form>_<period>_cut-off-<date>.xlsx here)",
        )
        f.set_defaults(func=cmd_report)
    b = forms.add_parser(
        "bieu02",
        help="a cluster's Biểu 02, pre-filled from the registry, for its investor to return",
    )
    b.add_argument("--cluster", type=int, required=True, help="the cluster's id")
    b.add_argument("--period", required=True, help=PERIOD_HELP)
    b.add_argument(
        "-o",
        "--output",
        type=Path,
        help="the .xlsx file to write, or a folder (bieu02_ccn-<id>_<period>.xlsx here)",
    )
    b.set_defaults(func=cmd_bieu02)
    i = forms.add_parser(
        "import-bieu02",
        help="check a returned Biểu 02 (every problem by cell); --commit stores its figures",
    )
    i.add_argument("file", type=Path, help="the returned .xlsx file")
    i.add_argument("--cluster", type=int, help="refuse the file unless it is this cluster's")
    i.add_argument("--period", help="refuse the file unless it is this period's (2025-H1, 2025)")
    i.add_argument(
        "--commit",
        action="store_true",
        help="store the figures when the file is clean (without it: a dry run, nothing written)",
    )
    i.set_defaults(func=cmd_import_bieu02)


def _target(output: Path | None, name: str) -> Path:
    out = output or Path(name)
    if out.is_dir():
        out = out / name
    if not out.parent.exists():
        raise ClusterError(
            f"Thư mục «{out.parent}» không tồn tại.", f"The folder '{out.parent}' does not exist."
        )
    return out


def cmd_report(args: argparse.Namespace) -> int:
    from clusters import reports
    from clusters.cli import language
    from clusters.store import open_store

    period = reports.parse_period(args.period)  # a bad period is refused before the store opens
    commune = getattr(args, "commune", None)
    out = _target(args.output, reports.file_name(period, args.form, commune))
    store = open_store()
    try:
        made = reports.make(store, period, args.form, commune)
    finally:
        store.close()
    out.write_bytes(made.content)
    r = made.report
    unknown = sum(1 for v in r.values.values() if not v.complete)
    if language() == "en":
        print(
            f"{r.form.title}, {period.title('en')}: {len(r.facts)} clusters; {unknown} rows "
            f"incomplete, {len(r.missing)} missing facts, {len(made.flags)} flags → {out}"
        )
    else:
        print(
            f"{r.form.title}, kỳ {period.title()}: {len(r.facts)} cụm; {unknown} chỉ tiêu chưa đủ, "
            f"{len(r.missing)} số liệu còn thiếu, {len(made.flags)} cảnh báo → {out}"
        )
    return 0


def cmd_bieu02(args: argparse.Namespace) -> int:
    from clusters import clock
    from clusters.cli import language
    from clusters.reports import bieu02, parse_period
    from clusters.store import open_store

    period = parse_period(args.period)
    out = _target(args.output, bieu02.file_name(args.cluster, period))
    store = open_store()
    try:
        made = bieu02.export(store, args.cluster, period, clock.today())
    finally:
        store.close()
    out.write_bytes(made.content)
    if language() == "en":
        print(f"Biểu 02 of {made.cluster.name} ({args.cluster}), {period.title('en')} → {out}")
    else:
        print(f"Biểu 02 của {made.cluster.name} ({args.cluster}), kỳ {period.title()} → {out}")
    return 0


def cmd_import_bieu02(args: argparse.Namespace) -> int:
    from clusters.cli import language
    from clusters.io import limits
    from clusters.reports import bieu02, parse_period
    from clusters.roles import CLI_ACTOR
    from clusters.store import open_store

    lang = language()
    en = lang == "en"
    if args.period:
        parse_period(args.period)  # a bad period is refused before the file is read
    data = limits.read_file(args.file)
    store = open_store()
    try:
        found = bieu02.read(
            store, data, args.file.name, cluster_id=args.cluster, period=args.period
        )
        if found.problems:
            count = len(found.problems)
            print(
                f"{args.file.name}: {count} problem(s); nothing written."
                if en
                else f"{args.file.name}: {count} lỗi; không có gì được ghi."
            )
            for p in found.problems:
                print(f"  {p.text(lang)}")
            return 1
        assert found.cluster is not None and found.period is not None
        what = (
            f"Biểu 02 of {found.cluster.name} ({found.cluster.id}), {found.period.code}"
            if en
            else f"Biểu 02 của {found.cluster.name} ({found.cluster.id}), kỳ {found.period.code}"
        )
        changed = [(f, old, new) for f, old, new in found.changes() if old != new]
        if not args.commit:
            print(
                f"{what}: clean, {len(changed)} figure(s) to store. Add --commit to store them."
                if en
                else f"{what}: không có lỗi, {len(changed)} số liệu sẽ ghi. Thêm --commit để ghi."
            )
            return 0
        saved = bieu02.commit(store, found, CLI_ACTOR)
    finally:
        store.close()
    print(
        f"{what}: stored (version {saved.version}), source {saved.source}."
        if en
        else f"{what}: đã ghi (phiên bản {saved.version}), nguồn {saved.source}."
    )
    return 0

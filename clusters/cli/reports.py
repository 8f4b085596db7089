"""``clusters report``: the Circular 14/2024 reports as Excel workbooks.

``clusters report bieu04 --period 2025-H1 -o FILE.xlsx`` writes the city's Biểu 04,
``clusters report bieu03 --commune CODE --period 2025`` a commune's Biểu 03; every value from
the registry as it stood at the period's cut-off.
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

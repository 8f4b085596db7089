"""The command line: ``clusters --help`` lists every command.

Each module in ``COMMAND_MODULES`` adds its subcommands; errors print one line and exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from clusters.errors import ClusterError

COMMAND_MODULES = ("clusters.cli.core", "clusters.cli.users", "clusters.cli.transfer")


def language() -> str:
    return "en" if os.environ.get("CLUSTERS_LANG", "vi").lower().startswith("en") else "vi"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clusters",
        description="Sổ đăng ký cụm công nghiệp Hà Nội — Hanoi industrial cluster registry. "
        "Database: CLUSTERS_DATABASE_URL (default sqlite:///data/clusters.sqlite).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ClusterError as exc:
        label = "Error" if language() == "en" else "Lỗi"
        print(f"{label}: {exc.text(language())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

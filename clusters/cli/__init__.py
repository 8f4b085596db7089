"""The command line: ``clusters --help`` lists every command.

Each module in ``COMMAND_MODULES`` adds its subcommands; errors print one line and exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from clusters.errors import ClusterError
from clusters.texts import Text

COMMAND_MODULES = (
    "clusters.cli.core",
    "clusters.cli.users",
    "clusters.cli.transfer",
    "clusters.cli.ops",
    "clusters.cli.reports",
)


class CommandParser(argparse.ArgumentParser):
    """A command's parser, which can add some of its arguments only when it is used.

    Arguments whose help or choices come from the registry's vocabulary need its modules
    (and through them shapely …); deferred, they are added the first time this command
    parses or shows its help, so that ``clusters --help`` imports none of them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deferred: list[Callable[[argparse.ArgumentParser], None]] = []

    def defer(self, add_arguments: Callable[[argparse.ArgumentParser], None]) -> None:
        self._deferred.append(add_arguments)

    def _complete(self) -> None:
        while self._deferred:
            self._deferred.pop(0)(self)

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:
        self._complete()
        return super().parse_known_args(*args, **kwargs)

    def format_usage(self) -> str:
        self._complete()
        return super().format_usage()

    def format_help(self) -> str:
        self._complete()
        return super().format_help()


def defer_arguments(
    parser: argparse.ArgumentParser, add_arguments: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Add ``add_arguments``' arguments to a command's parser when it is first used."""
    if isinstance(parser, CommandParser):
        parser.defer(add_arguments)
    else:
        add_arguments(parser)


def language() -> str:
    return "en" if os.environ.get("CLUSTERS_LANG", "vi").lower().startswith("en") else "vi"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clusters",
        description="Sổ đăng ký cụm công nghiệp Hà Nội — Hanoi industrial cluster registry. "
        "Database: CLUSTERS_DATABASE_URL (default: clusters.sqlite in the per-user data "
        "folder, or in CLUSTERS_DATA_DIR).",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the full traceback of a failure (also CLUSTERS_DEBUG=1)",
    )
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=CommandParser
    )
    for name in COMMAND_MODULES:  # each module imports its heavy modules inside its commands
        importlib.import_module(name).register(sub)
    return parser


def _debug_requested(argv: Sequence[str]) -> bool:
    return "--debug" in argv or os.environ.get("CLUSTERS_DEBUG", "") not in ("", "0")


def _one_line(exc: BaseException) -> Text:
    """A failure that is not a ``ClusterError``, said in one line."""
    if isinstance(exc, ModuleNotFoundError):
        return Text(
            f"thiếu thư viện «{exc.name}»; cài lại bằng: pip install hanoi-clusters",
            f"the library '{exc.name}' is missing; reinstall with: pip install hanoi-clusters",
        )
    if isinstance(exc, OSError):
        why = exc.strerror or str(exc)
        if exc.filename:
            return Text(f"{why}: «{exc.filename}»", f"{why}: '{exc.filename}'")
        return Text(why, why)
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return Text(
        f"sự cố không mong đợi ({text}); chạy lại với --debug để xem chi tiết",
        f"unexpected failure ({text}); run again with --debug for the details",
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = _debug_requested(argv)
    argv = [a for a in argv if a != "--debug"]  # accepted anywhere on the line
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    parser = build_parser()
    args = parser.parse_args(argv)
    label = Text("Lỗi", "Error").text(language())
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler, not at exit
        return code
    except ClusterError as exc:
        if debug:
            raise
        print(f"{label}: {exc.text(language())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``clusters export … | head``): not an error of ours, and
        # Python must not complain again while flushing the closed pipe at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:
        if debug:
            raise
        print(f"{label}: {_one_line(exc).text(language())}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""The README and CI stay in step with the code they describe."""

import re
from pathlib import Path

from clusters import stages
from clusters.io.frame import data_dictionary

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(name: str) -> str:
    match = re.search(rf"<!-- {name}:begin -->\n(.*?)\n<!-- {name}:end -->", README, re.S)
    assert match, f"README has no {name} section"
    return match.group(1).strip()


def quick_start_commands() -> list[str]:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", quick, re.S)


def test_readme_stage_table_matches_the_stage_table():
    assert section("stages") == stages.markdown_table()


def test_readme_data_dictionary_matches_the_export():
    assert section("dictionary") == data_dictionary()


def test_quick_start_is_exactly_two_commands():
    commands = quick_start_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert commands[0].endswith("clusters serve")


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = quick_start_commands()[1]
    assert test_command in ci.splitlines()


def test_every_cli_command_is_in_the_readme():
    from clusters.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"`clusters {name}" in README, name


def test_architecture_lists_every_module_and_the_layers():
    """Every module of the package is named in the README's architecture section, and the
    layers it states are those import-linter enforces (pyproject.toml)."""
    import tomllib

    text = section("Architecture")
    package = ROOT / "clusters"
    modules = [
        p for p in package.rglob("*.py") if p.name != "__init__.py" and "migrations" not in p.parts
    ]
    missing = [str(p.relative_to(package)) for p in modules if p.name not in text]
    assert not missing, f"not in the README's architecture section: {missing}"
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    for layer in contract["layers"]:
        stated = layer.replace("clusters.", "")
        assert stated in text, f"layer {stated!r} is not stated in the README"

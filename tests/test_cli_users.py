"""``clusters users``: the password comes from a prompt or stdin, never from an argument."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from clusters import accounts
from clusters.accounts import Settings
from clusters.cli import main
from clusters.store import open_store
from clusters.store.accounts import account_store

PASSWORD = "mot-mat-khau-dai-2025"


@pytest.fixture
def cli(db_url, monkeypatch, run_cli):
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    return run_cli


def stored(db_url):
    return account_store(open_store(db_url))


def test_add_reads_the_password_from_stdin_and_the_account_signs_in(cli, db_url):
    code, out, _ = cli("users", "add", "lan", "--role", "editor", stdin=PASSWORD + "\n")
    assert code == 0 and "lan (editor)" in out
    assert PASSWORD not in out
    acc = stored(db_url)
    assert acc.get("lan").password_hash.startswith("$argon2id$")
    assert accounts.sign_in(acc, "lan", PASSWORD, settings=Settings()).role == "editor"


def test_add_prompts_twice_at_a_terminal(cli, db_url, monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter([PASSWORD, PASSWORD])
    prompts: list[str] = []

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    monkeypatch.setattr(sys, "stdin", Tty(""))
    assert main(["users", "add", "mai", "--role", "admin"]) == 0
    assert len(prompts) == 2
    assert stored(db_url).get("mai").role == "admin"


def test_mismatched_prompts_add_nothing(db_url, monkeypatch, capsys):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter([PASSWORD, PASSWORD + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    monkeypatch.setattr(sys, "stdin", Tty(""))
    assert main(["users", "add", "mai"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "không khớp" in err
    assert stored(db_url).get("mai") is None


def test_a_password_argument_is_refused(cli):
    with pytest.raises(SystemExit) as exit_:
        cli("users", "add", "lan", "--password", PASSWORD)
    assert exit_.value.code == 2


def test_empty_stdin_is_an_error_of_one_line(cli, db_url):
    code, _, err = cli("users", "add", "lan", stdin="")
    assert code == 1 and err.startswith("Lỗi: ") and err.count("\n") == 1
    assert stored(db_url).get("lan") is None


def test_list_disable_enable_set_password_and_role(cli, db_url):
    cli("users", "add", "lan", "--role", "editor", stdin=PASSWORD + "\n")
    cli("users", "add", "hoa", "--role", "viewer", "--email", "hoa@so.gov.vn", "--no-password")
    code, out, _ = cli("users", "list")
    assert code == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert rows["lan"][1:4] == ["editor", "active", "password"]
    assert rows["hoa"][1:] == ["viewer", "active", "oidc", "hoa@so.gov.vn"]

    assert cli("users", "disable", "lan")[0] == 0
    assert stored(db_url).get("lan").disabled
    assert "disabled" in cli("users", "list")[1]
    assert cli("users", "enable", "lan")[0] == 0
    assert not stored(db_url).get("lan").disabled

    new = PASSWORD + "-2"
    assert cli("users", "set-password", "lan", stdin=new + "\n")[0] == 0
    acc = stored(db_url)
    assert accounts.sign_in(acc, "lan", new, settings=Settings()).name == "lan"
    assert cli("users", "set-role", "lan", "admin")[0] == 0
    assert stored(db_url).get("lan").role == "admin"


def test_unknown_account_is_a_one_line_error(cli):
    code, _, err = cli("users", "disable", "ghost")
    assert code == 1 and err == "Lỗi: Không có tài khoản «ghost».\n"
    code, _, err = cli("users", "set-password", "ghost", stdin=PASSWORD + "\n")
    assert code == 1 and "ghost" in err


def test_the_installed_command_takes_the_password_on_stdin(db_url):
    """Through a real process: the password goes in on a pipe, never on the command line."""
    env = {"CLUSTERS_DATABASE_URL": db_url, "PATH": "/usr/bin:/bin", "CLUSTERS_LANG": "en"}
    entry = "import sys; from clusters.cli import main; sys.exit(main())"
    argv = [sys.executable, "-c", entry, "users", "add", "lan", "--role", "editor"]
    proc = subprocess.run(
        argv, input=PASSWORD + "\n", capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert all(PASSWORD not in a for a in argv)
    assert PASSWORD not in proc.stdout + proc.stderr
    assert stored(db_url).get("lan").role == "editor"

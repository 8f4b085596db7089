"""Account commands: ``clusters users add|list|disable|enable|set-password|set-role``.

A password is never an argument (it would show in the process list and the shell history):
it is asked for twice at a terminal, or read as the first line of standard input otherwise.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from clusters.errors import ClusterError
from clusters.roles import CLI_ACTOR, ROLES

if TYPE_CHECKING:
    from clusters.store.accounts import AccountStore

# The accounts and the store (SQLAlchemy …) are imported inside the commands: ``clusters
# --help`` imports neither.


def register(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help="sign-in accounts (add, list, disable, set-password …)")
    usub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    p = usub.add_parser(
        "add",
        help="add an account; the password is prompted for, or read from stdin when piped",
    )
    p.add_argument("name", help="account name (lower-case letters, digits, . _ -)")
    p.add_argument("--role", choices=ROLES, default="viewer", help="role (default viewer)")
    p.add_argument("--email", help="email; an OpenID Connect sign-in with it gets this account")
    p.add_argument(
        "--no-password",
        action="store_true",
        help="no password: the account signs in only through OpenID Connect (needs --email)",
    )
    p.set_defaults(func=cmd_add)

    p = usub.add_parser("list", help="list the accounts")
    p.set_defaults(func=cmd_list)

    p = usub.add_parser("disable", help="disable an account (it can no longer sign in)")
    p.add_argument("name")
    p.set_defaults(func=cmd_disable)

    p = usub.add_parser("enable", help="enable a disabled account")
    p.add_argument("name")
    p.set_defaults(func=cmd_enable)

    p = usub.add_parser("set-password", help="set a new password (prompted, or from stdin)")
    p.add_argument("name")
    p.set_defaults(func=cmd_set_password)

    p = usub.add_parser("set-role", help="change an account's role")
    p.add_argument("name")
    p.add_argument("role", choices=ROLES)
    p.set_defaults(func=cmd_set_role)


def _store() -> AccountStore:
    from clusters.store import open_store
    from clusters.store.accounts import account_store

    return account_store(open_store())


def read_password() -> str:
    """From a prompt (typed twice) at a terminal, else the first line of standard input."""
    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass("Mật khẩu / Password: ")
        second = getpass.getpass("Nhập lại / Repeat: ")
        if first != second:
            raise ClusterError("Hai lần nhập mật khẩu không khớp.", "The passwords do not match.")
        return first
    line = sys.stdin.readline() if sys.stdin is not None else ""
    password = line.rstrip("\r\n")
    if not password:
        raise ClusterError(
            "Không đọc được mật khẩu từ đầu vào chuẩn.", "No password was given on standard input."
        )
    return password


def cmd_add(args: argparse.Namespace) -> int:
    from clusters import accounts

    store = _store()
    if args.no_password:
        password = None
    else:
        # Check the name first so nobody types a password for a name that cannot be used.
        accounts.check_name(args.name)
        password = read_password()
    added = accounts.add_account(
        store, CLI_ACTOR, args.name, args.role, password=password, email=args.email
    )
    print(f"+ {added.name} ({added.role})")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    rows = _store().list_accounts()
    print(f"{'name':<24} {'role':<8} {'status':<9} {'sign-in':<16} email")
    for a in rows:
        status = "disabled" if a.disabled else "active"
        how = "password" if a.has_password else ""
        if a.email:
            how = f"{how}+oidc" if how else "oidc"
        print(f"{a.name:<24} {a.role:<8} {status:<9} {how:<16} {a.email or ''}")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    from clusters import accounts

    changed = accounts.set_disabled(_store(), CLI_ACTOR, args.name, True)
    print(f"- {changed.name} (disabled)")
    return 0


def cmd_enable(args: argparse.Namespace) -> int:
    from clusters import accounts

    changed = accounts.set_disabled(_store(), CLI_ACTOR, args.name, False)
    print(f"+ {changed.name} (enabled)")
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    from clusters import accounts

    store = _store()
    if store.get(accounts.normalise_name(args.name)) is None:
        raise ClusterError(
            f"Không có tài khoản «{args.name}».", f"There is no account '{args.name}'."
        )
    changed = accounts.set_password(store, CLI_ACTOR, args.name, read_password())
    print(f"* {changed.name} (password set)")
    return 0


def cmd_set_role(args: argparse.Namespace) -> int:
    from clusters import accounts

    changed = accounts.set_role(_store(), CLI_ACTOR, args.name, args.role)
    print(f"* {changed.name} ({changed.role})")
    return 0

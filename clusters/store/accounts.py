"""SQL storage of sign-in accounts, their audit trail and sign-in attempts.

Lives on the registry store's engine, so accounts sit in the same database as the clusters.
Portable SQLAlchemy Core: the same code runs on SQLite and PostgreSQL. Rules (who may do what,
password hashing, throttling) are in ``clusters.accounts``; this module only reads and writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping

from clusters.errors import ClusterError, NotFoundError, StorageError
from clusters.store import schema as s
from clusters.store.base import ClusterStore
from clusters.store.dialects import Dialect


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    email: str | None = None
    password_hash: str | None = None
    disabled: bool = False
    created_at: datetime | None = None
    created_by: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None
    id: int | None = None

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)


@dataclass(frozen=True)
class AccountEvent:
    at: datetime
    actor: str
    account: str
    action: str
    detail: str | None = None


@dataclass(frozen=True)
class Attempt:
    at: datetime
    success: bool


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _row_account(r: RowMapping) -> Account:
    return Account(
        id=r["id"],
        name=r["name"],
        role=r["role"],
        email=r["email"],
        password_hash=r["password_hash"],
        disabled=bool(r["disabled"]),
        created_at=_aware(r["created_at"]),
        created_by=r["created_by"],
        updated_at=_aware(r["updated_at"]),
        updated_by=r["updated_by"],
    )


def _not_found(name: str) -> NotFoundError:
    return NotFoundError(f"Không có tài khoản «{name}».", f"There is no account '{name}'.")


class AccountStore:
    def __init__(self, engine: Engine, dialect: Dialect) -> None:
        self.engine = engine
        self.dialect = dialect
        # A registry created before the account tables existed gains them here.
        with self.engine.begin() as conn:
            s.metadata.create_all(conn, tables=list(s.ACCOUNT_TABLES), checkfirst=True)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.dialect.write_connection(self.engine) as conn, conn.begin():
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    # -- accounts ------------------------------------------------------------------------

    def get(self, name: str) -> Account | None:
        with self._read() as conn:
            row = (
                conn.execute(sa.select(s.accounts).where(s.accounts.c.name == name))
                .mappings()
                .first()
            )
        return _row_account(row) if row else None

    def by_email(self, email: str) -> Account | None:
        with self._read() as conn:
            row = (
                conn.execute(sa.select(s.accounts).where(s.accounts.c.email == email))
                .mappings()
                .first()
            )
        return _row_account(row) if row else None

    def list_accounts(self) -> list[Account]:
        with self._read() as conn:
            rows = conn.execute(sa.select(s.accounts).order_by(s.accounts.c.name)).mappings()
            return [_row_account(r) for r in rows]

    def add(self, account: Account, *, actor: str, at: datetime) -> Account:
        try:
            with self._write() as conn:
                conn.execute(
                    sa.insert(s.accounts).values(
                        name=account.name,
                        email=account.email,
                        role=account.role,
                        password_hash=account.password_hash,
                        disabled=account.disabled,
                        created_at=at,
                        created_by=actor,
                        updated_at=at,
                        updated_by=actor,
                    )
                )
                self._log(conn, at, actor, account.name, "add", f"role={account.role}")
        except sa.exc.IntegrityError as exc:
            raise ClusterError(
                f"Đã có tài khoản tên «{account.name}» hoặc email «{account.email}».",
                f"An account named '{account.name}' or with email '{account.email}' exists.",
                field="name",
            ) from exc
        found = self.get(account.name)
        assert found is not None
        return found

    def change(
        self,
        name: str,
        values: dict[str, Any],
        *,
        actor: str,
        at: datetime,
        action: str,
        detail: str | None = None,
    ) -> Account:
        """Update some columns of one account and record the change in its audit trail."""
        allowed = {"role", "email", "password_hash", "disabled"}
        if set(values) - allowed:
            raise ValueError(f"not changeable: {sorted(set(values) - allowed)}")
        try:
            with self._write() as conn:
                result = conn.execute(
                    sa.update(s.accounts)
                    .where(s.accounts.c.name == name)
                    .values(**values, updated_at=at, updated_by=actor)
                )
                if result.rowcount != 1:
                    raise _not_found(name)
                self._log(conn, at, actor, name, action, detail)
        except sa.exc.IntegrityError as exc:
            raise StorageError(
                "Không lưu được tài khoản (email đã dùng cho tài khoản khác?).",
                "Cannot save the account (is the email used by another account?).",
            ) from exc
        found = self.get(name)
        assert found is not None
        return found

    @staticmethod
    def _log(
        conn: Connection, at: datetime, actor: str, account: str, action: str, detail: str | None
    ) -> None:
        conn.execute(
            sa.insert(s.account_events).values(
                at=at, actor=actor, account=account, action=action, detail=detail
            )
        )

    def events(self, limit: int | None = 200) -> list[AccountEvent]:
        e = s.account_events.c
        q = sa.select(s.account_events).order_by(e.at.desc(), e.id.desc())
        if limit:
            q = q.limit(limit)
        with self._read() as conn:
            return [
                AccountEvent(
                    at=_aware(r["at"]),
                    actor=r["actor"],
                    account=r["account"],
                    action=r["action"],
                    detail=r["detail"],
                )
                for r in conn.execute(q).mappings()
            ]

    # -- sign-in attempts ----------------------------------------------------------------

    def record_attempt(self, name: str, *, at: datetime, success: bool) -> None:
        with self._write() as conn:
            conn.execute(sa.insert(s.signin_attempts).values(name=name, at=at, success=success))

    def attempts(self, name: str, *, since: datetime, limit: int = 50) -> list[Attempt]:
        """Sign-in attempts for a name since a moment, newest first."""
        a = s.signin_attempts.c
        q = (
            sa.select(a.at, a.success)
            .where(a.name == name, a.at >= since)
            .order_by(a.at.desc(), a.id.desc())
            .limit(limit)
        )
        with self._read() as conn:
            return [Attempt(_aware(r.at), bool(r.success)) for r in conn.execute(q)]


def account_store(store: ClusterStore) -> AccountStore:
    """The account store on the same database as a registry store."""
    engine = getattr(store, "engine", None)
    dialect = getattr(store, "dialect", None)
    if engine is None or dialect is None:
        raise StorageError(
            "Kho dữ liệu này không hỗ trợ tài khoản.", "This store does not hold accounts."
        )
    return AccountStore(engine, dialect)

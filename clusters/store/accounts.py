"""SQL storage of sign-in accounts, their audit trail, counted sign-in failures and sessions.

Lives on the registry store's engine, so accounts sit in the same database as the clusters.
Portable SQLAlchemy Core: the same code runs on SQLite and PostgreSQL. Rules (who may do what,
password hashing, throttling) are in ``clusters.accounts``; this module only reads and writes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, RowMapping

from clusters.errors import ClusterError, NotFoundError, StorageError
from clusters.store import revision
from clusters.store import schema as s
from clusters.store.base import ClusterStore
from clusters.store.dialects import Dialect, busy_is_retryable


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
class FailureCount:
    """Tries counted for one name or client address since its last success, and the time
    of the latest (meaningless while ``failures`` is 0)."""

    failures: int
    last_at: datetime


@dataclass(frozen=True)
class SessionRow:
    """A signed-in session and its account as the accounts table holds it now."""

    id: int
    role: str  # at sign-in
    account: Account
    created_at: datetime
    last_seen_at: datetime
    claimed: bool  # a browser holds its token (has claimed its code)


# registry_meta key of the digest key (``AccountStore.digest_key``).
DIGEST_KEY = "signin_digest_key"


def _insert_missing(conn: Connection, table: sa.Table, key: list[str]) -> Any:
    """An INSERT that leaves an existing row with the same ``key`` as it is: the same
    ``INSERT … ON CONFLICT DO NOTHING`` on each engine, which SQLAlchemy spells per dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=key)
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=key)


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
        self._digest_key: bytes | None = None
        # A registry created before the account tables existed gains them here.
        with self.engine.begin() as conn:
            s.metadata.create_all(conn, tables=list(s.ACCOUNT_TABLES), checkfirst=True)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction; a registry held by another writer past the wait for it
        raises ``RegistryBusy``, as a cluster store's write does."""
        with self._write_sessions() as conn:
            yield conn
            revision.bump(conn)  # other instances see account changes on their next rerun

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

    # -- counted sign-in failures --------------------------------------------------------

    def digest_key(self) -> bytes:
        """The key for digests of typed names and client addresses: made once per database
        and read by every instance on it, so that all of them count the same subjects."""
        if self._digest_key is None:
            m = s.meta.c
            with self._write() as conn:
                conn.execute(
                    _insert_missing(conn, s.meta, ["key"]).values(
                        key=DIGEST_KEY, value=secrets.token_hex(32)
                    )
                )
                value = conn.execute(sa.select(m.value).where(m.key == DIGEST_KEY)).scalar_one()
            self._digest_key = bytes.fromhex(value)
        return self._digest_key

    def count_failure(
        self,
        subjects: Sequence[str],
        *,
        at: datetime,
        forget_before: datetime,
        check: Callable[[list[FailureCount]], None],
    ) -> list[FailureCount]:
        """Count one more try for each subject, in one step no other sign-in can interleave.

        Under a lock on the subjects' rows, ``check`` sees their counts first and raises to
        refuse the try, and then nothing is counted. Every count whose latest try is older
        than ``forget_before`` is forgotten first (its row deleted). Returns the counts after.
        """
        wanted = sorted(set(subjects))  # one lock order for every caller: no deadlock
        f = s.signin_failures.c
        with self._write() as conn:
            conn.execute(sa.delete(s.signin_failures).where(f.last_at < forget_before))
            for subject in wanted:
                conn.execute(
                    _insert_missing(conn, s.signin_failures, ["subject"]).values(
                        subject=subject, failures=0, last_at=at
                    )
                )
            rows = conn.execute(
                sa.select(f.subject, f.failures, f.last_at)
                .where(f.subject.in_(wanted))
                .order_by(f.subject)
                .with_for_update()
            )
            counts = {r.subject: FailureCount(r.failures, _aware(r.last_at)) for r in rows}
            check([counts[x] for x in subjects])
            conn.execute(
                sa.update(s.signin_failures)
                .where(f.subject.in_(wanted))
                .values(failures=f.failures + 1, last_at=at)
            )
        return [FailureCount(counts[x].failures + 1, at) for x in subjects]

    def clear_failures(self, subjects: Sequence[str]) -> None:
        """Forget the counts of these subjects (after a successful sign-in)."""
        with self._write() as conn:
            conn.execute(
                sa.delete(s.signin_failures).where(s.signin_failures.c.subject.in_(subjects))
            )

    # -- sessions ------------------------------------------------------------------------

    @contextmanager
    def _write_sessions(self) -> Iterator[Connection]:
        """A write to the sessions table alone. Every rerun reads its session afresh and no
        instance caches sessions, so this does not bump the registry's revision (which would
        make every instance reload its clusters each time a session is used)."""
        with busy_is_retryable(), self.dialect.write_connection(self.engine) as conn, conn.begin():
            yield conn

    def create_session(
        self,
        account_id: int,
        role: str,
        *,
        at: datetime,
        code_hash: str | None,
        code_expires_at: datetime | None,
        forget_before: datetime | None,
    ) -> int:
        """A new session of the account; returns its id. Sessions last seen before
        ``forget_before`` (idle too long, wherever they were) are deleted first."""
        c = s.sessions.c
        with self._write_sessions() as conn:
            if forget_before is not None:
                conn.execute(sa.delete(s.sessions).where(c.last_seen_at < forget_before))
            return int(
                conn.execute(
                    sa.insert(s.sessions)
                    .values(
                        account_id=account_id,
                        role=role,
                        code_hash=code_hash,
                        code_expires_at=code_expires_at,
                        created_at=at,
                        last_seen_at=at,
                    )
                    .returning(c.id)
                ).scalar_one()
            )

    def claim_session(self, code_hash: str, token_hash: str, *, at: datetime) -> bool:
        """Give the session holding this unexpired code the token, and spend the code: true
        for the first claim only."""
        c = s.sessions.c
        with self._write_sessions() as conn:
            result = conn.execute(
                sa.update(s.sessions)
                .where(c.code_hash == code_hash, c.code_expires_at > at)
                .values(token_hash=token_hash, code_hash=None, code_expires_at=None)
            )
        return result.rowcount == 1

    def find_session(
        self, *, session_id: int | None = None, token_hash: str | None = None
    ) -> SessionRow | None:
        """The session with this id or this token's digest, with its account."""
        c = s.sessions.c
        if session_id is not None:
            where = c.id == session_id
        elif token_hash is not None:
            where = c.token_hash == token_hash
        else:
            return None
        q = (
            sa.select(
                s.accounts,
                c.id.label("session_id"),
                c.role.label("session_role"),
                c.created_at.label("session_created_at"),
                c.last_seen_at,
                c.token_hash.is_not(None).label("claimed"),
            )
            .join(s.accounts, s.accounts.c.id == c.account_id)
            .where(where)
        )
        with self._read() as conn:
            row = conn.execute(q).mappings().first()
        if row is None:
            return None
        return SessionRow(
            id=row["session_id"],
            role=row["session_role"],
            account=_row_account(row),
            created_at=_aware(row["session_created_at"]),
            last_seen_at=_aware(row["last_seen_at"]),
            claimed=bool(row["claimed"]),
        )

    def touch_session(self, session_id: int, at: datetime) -> None:
        c = s.sessions.c
        with self._write_sessions() as conn:
            conn.execute(sa.update(s.sessions).where(c.id == session_id).values(last_seen_at=at))

    def end_session(self, *, session_id: int | None = None, token_hash: str | None = None) -> bool:
        """Delete the session with this id or this token's digest; true if there was one."""
        c = s.sessions.c
        if session_id is not None:
            where = c.id == session_id
        elif token_hash is not None:
            where = c.token_hash == token_hash
        else:
            return False
        with self._write_sessions() as conn:
            return conn.execute(sa.delete(s.sessions).where(where)).rowcount > 0

    def end_sessions(self, name: str) -> int:
        """Delete every session of the account ``name``; returns how many there were."""
        c = s.sessions.c
        account = sa.select(s.accounts.c.id).where(s.accounts.c.name == name)
        with self._write_sessions() as conn:
            return conn.execute(sa.delete(s.sessions).where(c.account_id.in_(account))).rowcount


def account_store(store: ClusterStore) -> AccountStore:
    """The account store on the same database as a registry store."""
    engine = getattr(store, "engine", None)
    dialect = getattr(store, "dialect", None)
    if engine is None or dialect is None:
        raise StorageError(
            "Kho dữ liệu này không hỗ trợ tài khoản.", "This store does not hold accounts."
        )
    return AccountStore(engine, dialect)

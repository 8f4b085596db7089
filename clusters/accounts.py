"""Accounts: who may sign in, with which role, and how sign-in is protected.

- Passwords are hashed with argon2id (argon2-cffi's default type) and never logged or stored
  in clear; nothing here puts a password in a message, a history record or an argument list.
- Repeated failed sign-ins for a name are slowed down (a growing wait between tries), then
  locked for a while; the lockout is logged. Unknown names are throttled the same way, so the
  answer never tells whether an account exists.
- Every change to an account requires the ``admin`` role at the moment of writing.
- With OpenID Connect (Streamlit's ``st.login``) the provider vouches for an email address;
  the account with that email gives the role.

Settings come from the environment (``Settings.from_env``); the defaults suit one office.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from hashlib import blake2b

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from clusters.errors import AccessDenied, ClusterError
from clusters.roles import ROLES, Actor, require
from clusters.store.accounts import Account, AccountEvent, AccountStore

log = logging.getLogger(__name__)

__all__ = [
    "Account",
    "AccountEvent",
    "AccountStore",
    "Settings",
    "SignInRefused",
    "actor_for_email",
    "add_account",
    "can_read",
    "current_actor",
    "hash_password",
    "session_expired",
    "set_disabled",
    "set_email",
    "set_password",
    "set_role",
    "sign_in",
]

_HASHER = PasswordHasher()  # argon2id with the library's current recommended cost
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_MIN = 10
# Attempts on names that are not accounts are kept under a keyed digest, never as typed: the
# "name" may be a password typed into the wrong box. The key lives only in this process.
_UNKNOWN_KEY = secrets.token_bytes(32)

_TRUE = {"1", "true", "yes", "on", "có", "co"}
_FALSE = {"0", "false", "no", "off", "không", "khong"}


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ClusterError(
        f"Biến môi trường {name}={raw!r} không hợp lệ (dùng yes/no).",
        f"Environment variable {name}={raw!r} is not valid (use yes/no).",
    )


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value < 0:
        raise ClusterError(
            f"Biến môi trường {name}={raw!r} phải là một số không âm.",
            f"Environment variable {name}={raw!r} must be a non-negative number.",
        )
    return value


@dataclass(frozen=True)
class Settings:
    """Sign-in and session settings.

    - ``anonymous_read``: visitors who are not signed in may read (CLUSTERS_ANONYMOUS_READ).
    - ``session_idle_minutes``: a session unused this long is signed out
      (CLUSTERS_SESSION_IDLE_MINUTES).
    - ``free_failures``: failed sign-ins for a name before waits start
      (CLUSTERS_SIGNIN_FREE_FAILURES); each further failure doubles the wait, starting at
      ``delay_seconds`` (CLUSTERS_SIGNIN_DELAY_SECONDS).
    - ``lock_failures``: failures that lock the name (CLUSTERS_SIGNIN_LOCK_FAILURES) for
      ``lock_minutes`` (CLUSTERS_SIGNIN_LOCK_MINUTES). Failures older than ``lock_minutes``
      are forgotten, and a successful sign-in clears them.
    """

    anonymous_read: bool = True
    session_idle_minutes: float = 30.0
    free_failures: int = 3
    delay_seconds: float = 2.0
    lock_failures: int = 6
    lock_minutes: float = 15.0

    @classmethod
    def from_env(cls) -> Settings:
        d = cls()
        return cls(
            anonymous_read=_env_bool("CLUSTERS_ANONYMOUS_READ", d.anonymous_read),
            session_idle_minutes=_env_number(
                "CLUSTERS_SESSION_IDLE_MINUTES", d.session_idle_minutes
            ),
            free_failures=int(_env_number("CLUSTERS_SIGNIN_FREE_FAILURES", d.free_failures)),
            delay_seconds=_env_number("CLUSTERS_SIGNIN_DELAY_SECONDS", d.delay_seconds),
            lock_failures=max(
                1, int(_env_number("CLUSTERS_SIGNIN_LOCK_FAILURES", d.lock_failures))
            ),
            lock_minutes=_env_number("CLUSTERS_SIGNIN_LOCK_MINUTES", d.lock_minutes),
        )


class SignInRefused(ClusterError):
    """Wrong name or password, a disabled account, or a throttled or locked name."""

    def __init__(self, vi: str, en: str, *, retry_after: float | None = None) -> None:
        super().__init__(vi, en)
        self.retry_after = retry_after


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def normalise_name(name: str) -> str:
    return name.strip().lower()


def check_name(name: str) -> str:
    name = normalise_name(name)
    if not _NAME.match(name):
        raise ClusterError(
            "Tên tài khoản gồm 2–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch dưới, "
            "gạch ngang; bắt đầu bằng chữ hoặc số.",
            "An account name has 2–64 characters: lower-case letters, digits, '.', '_', '-', "
            "starting with a letter or digit.",
            field="name",
        )
    return name


def check_email(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise ClusterError(
            "Địa chỉ email không hợp lệ.", "The email address is not valid.", field="email"
        )
    return email


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ClusterError(
            f"Vai trò «{role}» không hợp lệ; chọn một trong: {', '.join(ROLES)}.",
            f"Role '{role}' is not valid; choose one of: {', '.join(ROLES)}.",
            field="role",
        )
    return role


def hash_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise ClusterError(
            f"Mật khẩu phải có ít nhất {PASSWORD_MIN} ký tự.",
            f"A password needs at least {PASSWORD_MIN} characters.",
            field="password",
        )
    return _HASHER.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when a name has no password, so a wrong name costs as much as a
    wrong password and the timing does not tell which names exist."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


# -- account administration (admin only, checked here at the moment of writing) -----------


def _admin(actor: Actor | None) -> Actor:
    try:
        return require(actor, "admin")
    except AccessDenied:
        log.warning("refused account change by %s", getattr(actor, "name", "anonymous"))
        raise


def add_account(
    accounts: AccountStore,
    actor: Actor | None,
    name: str,
    role: str,
    *,
    password: str | None,
    email: str | None = None,
    now: datetime | None = None,
) -> Account:
    """Add an account; ``password`` None makes an account that signs in only through OIDC."""
    who = _admin(actor)
    account = Account(
        name=check_name(name),
        role=check_role(role),
        email=check_email(email),
        password_hash=hash_password(password) if password is not None else None,
    )
    if account.password_hash is None and account.email is None:
        raise ClusterError(
            "Tài khoản không có mật khẩu phải có email (đăng nhập qua OpenID Connect).",
            "An account without a password needs an email (OpenID Connect sign-in).",
            field="email",
        )
    added = accounts.add(account, actor=who.name, at=_now(now))
    log.info("account %s added by %s with role %s", added.name, who.name, added.role)
    return added


def _existing(accounts: AccountStore, name: str) -> Account:
    found = accounts.get(normalise_name(name))
    if found is None:
        raise ClusterError(f"Không có tài khoản «{name}».", f"There is no account '{name}'.")
    return found


def set_password(
    accounts: AccountStore,
    actor: Actor | None,
    name: str,
    password: str,
    *,
    now: datetime | None = None,
) -> Account:
    who = _admin(actor)
    account = _existing(accounts, name)
    return accounts.change(
        account.name,
        {"password_hash": hash_password(password)},
        actor=who.name,
        at=_now(now),
        action="password",
    )


def set_disabled(
    accounts: AccountStore,
    actor: Actor | None,
    name: str,
    disabled: bool = True,
    *,
    now: datetime | None = None,
) -> Account:
    who = _admin(actor)
    account = _existing(accounts, name)
    if disabled and account.name == who.name:
        raise ClusterError(
            "Không thể tự khóa tài khoản của chính mình.", "You cannot disable your own account."
        )
    changed = accounts.change(
        account.name,
        {"disabled": disabled},
        actor=who.name,
        at=_now(now),
        action="disable" if disabled else "enable",
    )
    log.info("account %s %s by %s", account.name, "disabled" if disabled else "enabled", who.name)
    return changed


def set_role(
    accounts: AccountStore,
    actor: Actor | None,
    name: str,
    role: str,
    *,
    now: datetime | None = None,
) -> Account:
    who = _admin(actor)
    account = _existing(accounts, name)
    role = check_role(role)
    return accounts.change(
        account.name,
        {"role": role},
        actor=who.name,
        at=_now(now),
        action="role",
        detail=f"{account.role} → {role}",
    )


def set_email(
    accounts: AccountStore,
    actor: Actor | None,
    name: str,
    email: str | None,
    *,
    now: datetime | None = None,
) -> Account:
    who = _admin(actor)
    account = _existing(accounts, name)
    return accounts.change(
        account.name,
        {"email": check_email(email)},
        actor=who.name,
        at=_now(now),
        action="email",
        detail=check_email(email),
    )


# -- sign-in --------------------------------------------------------------------------------


def _refused() -> SignInRefused:
    return SignInRefused(
        "Sai tên tài khoản hoặc mật khẩu.", "Wrong account name or password.", retry_after=None
    )


def _unknown_key(typed: str) -> str:
    return "?" + blake2b(typed.encode(), key=_UNKNOWN_KEY, digest_size=16).hexdigest()


def _wait(settings: Settings, failures: int) -> timedelta:
    """The wait before the next try after ``failures`` consecutive failures."""
    if failures >= settings.lock_failures:
        return timedelta(minutes=settings.lock_minutes)
    if failures < settings.free_failures or failures == 0:
        return timedelta(0)
    return timedelta(seconds=settings.delay_seconds * 2 ** (failures - settings.free_failures))


def _recent_failures(
    accounts: AccountStore, name: str, settings: Settings, now: datetime
) -> tuple[int, datetime | None]:
    """Consecutive failures within the lock window, and the time of the latest one."""
    since = now - timedelta(minutes=settings.lock_minutes)
    attempts = accounts.attempts(name, since=since, limit=settings.lock_failures + 1)
    count = 0
    for a in attempts:
        if a.success:
            break
        count += 1
    return count, (attempts[0].at if count else None)


def sign_in(
    accounts: AccountStore,
    name: str,
    password: str,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> Actor:
    """The signed-in actor, or ``SignInRefused`` (with ``retry_after`` seconds when throttled)."""
    settings = settings or Settings.from_env()
    now = _now(now)
    account = accounts.get(normalise_name(name))
    # The name shown in messages and logs: the account's, or a placeholder for unknown text.
    shown = account.name if account else "?"
    key = account.name if account else _unknown_key(name)
    failures, latest = _recent_failures(accounts, key, settings, now)
    if latest is not None:
        ready_at = latest + _wait(settings, failures)
        if now < ready_at:
            seconds = (ready_at - now).total_seconds()
            if failures >= settings.lock_failures:
                raise SignInRefused(
                    "Tài khoản tạm khóa do đăng nhập sai nhiều lần; thử lại sau "
                    f"{max(1, round(seconds / 60))} phút.",
                    "The account is locked after repeated failed sign-ins; try again in "
                    f"{max(1, round(seconds / 60))} minutes.",
                    retry_after=seconds,
                )
            raise SignInRefused(
                f"Đăng nhập sai nhiều lần: chờ {seconds:.0f} giây rồi thử lại.",
                f"Too many failed sign-ins: wait {seconds:.0f} seconds and try again.",
                retry_after=seconds,
            )
    ok = _verify(account.password_hash if account else None, password)
    if not ok or account is None:
        accounts.record_attempt(key, at=now, success=False)
        if failures + 1 >= settings.lock_failures:
            log.warning(
                "sign-in locked for %r after %d failed attempts, for %g minutes",
                shown,
                failures + 1,
                settings.lock_minutes,
            )
        else:
            log.info("failed sign-in for %r (%d in a row)", shown, failures + 1)
        raise _refused()
    if account.disabled:
        log.warning("sign-in refused for disabled account %r", shown)
        raise SignInRefused(
            f"Tài khoản «{shown}» đã bị vô hiệu hóa; liên hệ quản trị.",
            f"The account '{shown}' is disabled; contact an administrator.",
        )
    accounts.record_attempt(key, at=now, success=True)
    if account.password_hash and _HASHER.check_needs_rehash(account.password_hash):
        accounts.change(
            key,
            {"password_hash": _HASHER.hash(password)},
            actor=key,
            at=now,
            action="rehash",
        )
    log.info("signed in: %r (%s)", shown, account.role)
    return Actor(account.name, account.role)


def current_actor(accounts: AccountStore, actor: Actor | None) -> Actor | None:
    """The actor as the database sees it now: a disabled or removed account is nobody, and a
    changed role applies at once. Call before every write a session makes."""
    if actor is None:
        return None
    account = accounts.get(actor.name)
    if account is None or account.disabled:
        return None
    return Actor(account.name, account.role)


def actor_for_email(accounts: AccountStore, email: str | None) -> Actor | None:
    """The actor an OpenID Connect sign-in maps to, by the account holding that email.

    An email with no account signs in as nobody (the person may still read when anonymous
    reading is allowed); a disabled account likewise.
    """
    if not email:
        return None
    account = accounts.by_email(email.strip().lower())
    if account is None or account.disabled:
        log.info("OIDC sign-in with no enabled account for %r", email)
        return None
    return Actor(account.name, account.role)


def session_expired(
    last_seen: datetime | None, now: datetime | None = None, settings: Settings | None = None
) -> bool:
    """True when a session has been idle longer than the configured time."""
    if last_seen is None:
        return False
    settings = settings or Settings.from_env()
    if settings.session_idle_minutes <= 0:
        return False
    return _now(now) - last_seen > timedelta(minutes=settings.session_idle_minutes)


def can_read(actor: Actor | None, settings: Settings | None = None) -> bool:
    settings = settings or Settings.from_env()
    return actor is not None or settings.anonymous_read

"""Accounts: who may sign in, with which role, and how sign-in is protected.

- Passwords are hashed with argon2id (argon2-cffi's default type) and never logged or stored
  in clear; nothing here puts a password in a message, a history record or an argument list.
- Failed sign-ins are counted in the database, per name typed and per client address, before
  the password is checked, so parallel guesses and several instances share one count. A name
  is slowed down (a growing wait between tries), then locked for a while; an address failing
  with many names is locked too; lockouts are logged. Unknown names are throttled the same
  way, so neither the answer nor its time tells whether an account exists.
- Every change to an account requires the ``admin`` role at the moment of writing.
- With OpenID Connect (Streamlit's ``st.login``) the provider vouches for an email address;
  the account with that email gives the role.
- A local sign-in opens a server-side session (``start_session``). The browser holds it by
  a random token in an HttpOnly cookie, which it claims once with a short-lived one-time
  code (``claim_session``); only digests of the token and the code are stored. Every use
  (``resume_session``) ends it when it has been idle too long, its account is disabled or
  its role has changed; sign-out (``end_session``) ends it for every tab at once.

Settings come from the environment (``Settings.from_env``); the defaults suit one office.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from hashlib import blake2b, sha256

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from clusters import clock
from clusters.errors import AccessDenied, ClusterError
from clusters.roles import ROLES, Actor, require
from clusters.store.accounts import Account, AccountEvent, AccountStore, FailureCount

log = logging.getLogger(__name__)

__all__ = [
    "Account",
    "AccountEvent",
    "AccountStore",
    "Session",
    "SessionEnd",
    "Settings",
    "SignInRefused",
    "StartedSession",
    "actor_for_email",
    "add_account",
    "can_read",
    "claim_session",
    "current_actor",
    "end_session",
    "hash_password",
    "resume_session",
    "session_expired",
    "set_disabled",
    "set_email",
    "set_password",
    "set_role",
    "sign_in",
    "start_session",
]

_HASHER = PasswordHasher()  # argon2id with the library's current recommended cost
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_MIN = 10

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
      ``lock_minutes`` (CLUSTERS_SIGNIN_LOCK_MINUTES).
    - ``client_lock_failures``: failures from one client address, whatever the names, that
      lock that address for ``lock_minutes`` (CLUSTERS_SIGNIN_CLIENT_LOCK_FAILURES).
    Counts are forgotten ``lock_minutes`` after their latest failure; a successful sign-in
    clears those of its name and its address.
    """

    anonymous_read: bool = True
    session_idle_minutes: float = 30.0
    free_failures: int = 3
    delay_seconds: float = 2.0
    lock_failures: int = 6
    lock_minutes: float = 15.0
    client_lock_failures: int = 20

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
            client_lock_failures=max(
                1,
                int(_env_number("CLUSTERS_SIGNIN_CLIENT_LOCK_FAILURES", d.client_lock_failures)),
            ),
        )


class SignInRefused(ClusterError):
    """Wrong name or password, a disabled account, or a throttled or locked name."""

    def __init__(self, vi: str, en: str, *, retry_after: float | None = None) -> None:
        super().__init__(vi, en)
        self.retry_after = retry_after


def _clock(now: datetime | None) -> datetime:
    return now or clock.now_utc()


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
    added = accounts.add(account, actor=who.name, at=_clock(now))
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
    changed = accounts.change(
        account.name,
        {"password_hash": hash_password(password)},
        actor=who.name,
        at=_clock(now),
        action="password",
    )
    _end_sessions(accounts, account.name, "password set")
    return changed


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
        at=_clock(now),
        action="disable" if disabled else "enable",
    )
    log.info("account %s %s by %s", account.name, "disabled" if disabled else "enabled", who.name)
    if disabled:
        _end_sessions(accounts, account.name, "account disabled")
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
    changed = accounts.change(
        account.name,
        {"role": role},
        actor=who.name,
        at=_clock(now),
        action="role",
        detail=f"{account.role} → {role}",
    )
    if role != account.role:
        _end_sessions(accounts, account.name, "role changed")
    return changed


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
        at=_clock(now),
        action="email",
        detail=check_email(email),
    )


# -- sign-in --------------------------------------------------------------------------------


def _refused() -> SignInRefused:
    return SignInRefused(
        "Sai tên tài khoản hoặc mật khẩu.", "Wrong account name or password.", retry_after=None
    )


def _subject(kind: str, text: str, key: bytes) -> str:
    """How a name or a client address is counted: a keyed digest, never the text itself
    (a "name" may be a password typed into the wrong box)."""
    return kind + blake2b(text.encode(), key=key, digest_size=16).hexdigest()


def _wait(failures: int, free: int, lock: int, settings: Settings) -> timedelta:
    """The wait before the next try after ``failures`` counted tries, at most the lock."""
    most = timedelta(minutes=settings.lock_minutes)
    if failures >= lock:
        return most
    if failures < free or failures == 0:
        return timedelta(0)
    return min(most, timedelta(seconds=settings.delay_seconds * 2 ** (failures - free)))


def _minutes(seconds: float) -> int:
    return max(1, round(seconds / 60))


def _check_name(settings: Settings, count: FailureCount, now: datetime) -> None:
    """Refuse a try for a name still waiting or locked: the same for every name typed."""
    free, lock = settings.free_failures, settings.lock_failures
    seconds = (count.last_at + _wait(count.failures, free, lock, settings) - now).total_seconds()
    if count.failures == 0 or seconds <= 0:
        return
    if count.failures >= lock:
        raise SignInRefused(
            f"Tài khoản tạm khóa do đăng nhập sai nhiều lần; thử lại sau {_minutes(seconds)} phút.",
            "The account is locked after repeated failed sign-ins; try again in "
            f"{_minutes(seconds)} minutes.",
            retry_after=seconds,
        )
    raise SignInRefused(
        f"Đăng nhập sai nhiều lần: chờ {seconds:.0f} giây rồi thử lại.",
        f"Too many failed sign-ins: wait {seconds:.0f} seconds and try again.",
        retry_after=seconds,
    )


def _check_client(settings: Settings, count: FailureCount, now: datetime) -> None:
    """Refuse a try from a client address locked for failing with many names."""
    until = count.last_at + timedelta(minutes=settings.lock_minutes)
    seconds = (until - now).total_seconds()
    if count.failures >= settings.client_lock_failures and seconds > 0:
        raise SignInRefused(
            f"Máy này đã đăng nhập sai quá nhiều lần; thử lại sau {_minutes(seconds)} phút.",
            "Too many failed sign-ins from this computer; try again in "
            f"{_minutes(seconds)} minutes.",
            retry_after=seconds,
        )


def sign_in(
    accounts: AccountStore,
    name: str,
    password: str,
    *,
    client: str | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> Actor:
    """The signed-in actor, or ``SignInRefused`` (with ``retry_after`` seconds when throttled).

    ``client`` is the address the try comes from, when known. The try is counted in the
    database, for the name and for the client, before the password is checked, so parallel
    tries from any instance are throttled; a success clears both counts. Real and unknown
    names take the same path (an unknown name is checked against a dummy hash), so neither
    the answer nor its time tells which accounts exist.
    """
    settings = settings or Settings.from_env()
    now = _clock(now)
    typed = normalise_name(name)
    key = accounts.digest_key()
    subjects = [_subject("n:", typed, key)]
    if client:
        subjects.append(_subject("c:", client, key))

    def check(counts: list[FailureCount]) -> None:
        _check_name(settings, counts[0], now)
        if client:
            _check_client(settings, counts[1], now)

    counts = accounts.count_failure(
        subjects,
        at=now,
        forget_before=now - timedelta(minutes=settings.lock_minutes),
        check=check,
    )
    account = accounts.get(typed)
    # The name shown in messages and logs: the account's, or a placeholder for unknown text.
    shown = account.name if account else "?"
    ok = _verify(account.password_hash if account else None, password)
    if not ok or account is None:
        failures = counts[0].failures
        if failures >= settings.lock_failures:
            log.warning(
                "sign-in locked for %r after %d failed attempts, for %g minutes",
                shown,
                failures,
                settings.lock_minutes,
            )
        else:
            log.info("failed sign-in for %r (%d in a row)", shown, failures)
        if client and counts[1].failures == settings.client_lock_failures:
            log.warning(
                "sign-ins from %s locked after %d failed attempts, for %g minutes",
                client,
                counts[1].failures,
                settings.lock_minutes,
            )
        raise _refused()
    if account.disabled:
        log.warning("sign-in refused for disabled account %r", shown)
        raise SignInRefused(
            f"Tài khoản «{shown}» đã bị vô hiệu hóa; liên hệ quản trị.",
            f"The account '{shown}' is disabled; contact an administrator.",
        )
    accounts.clear_failures(subjects)
    if account.password_hash and _HASHER.check_needs_rehash(account.password_hash):
        accounts.change(
            account.name,
            {"password_hash": _HASHER.hash(password)},
            actor=account.name,
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
    return _clock(now) - last_seen > timedelta(minutes=settings.session_idle_minutes)


# -- sessions ------------------------------------------------------------------------------

# How long the one-time code that hands a new session's token to the browser stays valid.
SESSION_CODE_SECONDS = 60
# A session's last use is written at most this often (and at least four times per idle
# period), so that reruns are a read, not a write.
_TOUCH_SECONDS = 60.0


@dataclass(frozen=True)
class StartedSession:
    """A new session: its id (the app keeps it for the tab; the browser never sees it) and
    the one-time code the browser claims its cookie with (None: no cookie wanted)."""

    id: int
    code: str | None


@dataclass(frozen=True)
class Session:
    """A session in use and who it signs in, as the accounts table says now; ``claimed``:
    a browser holds its token."""

    id: int
    actor: Actor
    claimed: bool = field(default=False, compare=False)


class SessionEnd(StrEnum):
    """Why a session is not (or no longer) in use."""

    GONE = "gone"  # no such session: signed out (in any tab), or ended before
    IDLE = "idle"  # unused for longer than the idle time
    DISABLED = "disabled"  # the account is disabled
    ROLE = "role"  # the account's role is not the one signed in with


def _digest(secret: str) -> str:
    """How tokens and codes are stored: SHA-256 suffices, they are 256 random bits."""
    return sha256(secret.encode()).hexdigest()


def _end_sessions(accounts: AccountStore, name: str, why: str) -> None:
    ended = accounts.end_sessions(name)
    if ended:
        log.info("%d session(s) of %r ended: %s", ended, name, why)


def start_session(
    accounts: AccountStore,
    actor: Actor,
    *,
    cookie: bool = True,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> StartedSession:
    """Open a session for an actor ``sign_in`` has just returned.

    With ``cookie``, the result carries a one-time code, valid ``SESSION_CODE_SECONDS``, for
    the browser to claim the session's token with (``claim_session``). Sessions idle for
    longer than the idle time, anyone's, are deleted on the way.
    """
    settings = settings or Settings.from_env()
    now = _clock(now)
    account = accounts.get(actor.name)
    if account is None or account.id is None or account.disabled:
        raise _refused()  # changed since the password was checked
    code = secrets.token_urlsafe(32) if cookie else None
    idle = settings.session_idle_minutes
    session_id = accounts.create_session(
        account.id,
        account.role,
        at=now,
        code_hash=_digest(code) if code else None,
        code_expires_at=now + timedelta(seconds=SESSION_CODE_SECONDS) if code else None,
        forget_before=now - timedelta(minutes=idle) if idle > 0 else None,
    )
    return StartedSession(session_id, code)


def claim_session(accounts: AccountStore, code: str, *, now: datetime | None = None) -> str | None:
    """A new token for the session that issued ``code``, for the browser's cookie; None when
    the code is unknown, expired or already claimed. The code is spent either way."""
    if not code or len(code) > 128:
        return None
    token = secrets.token_urlsafe(32)
    if accounts.claim_session(_digest(code), _digest(token), at=_clock(now)):
        return token
    log.info("a session code was refused (unknown, expired or already claimed)")
    return None


def _ended(
    last_seen: datetime, account: Account, role: str, now: datetime, settings: Settings
) -> SessionEnd | None:
    if account.disabled:
        return SessionEnd.DISABLED
    if account.role != role:
        return SessionEnd.ROLE
    if session_expired(last_seen, now, settings):
        return SessionEnd.IDLE
    return None


def resume_session(
    accounts: AccountStore,
    *,
    session_id: int | None = None,
    token: str | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> Session | SessionEnd:
    """The session with this id (a tab's) or this token (a cookie's), marked as used now; or
    why there is none. A session idle too long, of a disabled account or of a role that has
    changed is ended here, for every tab."""
    settings = settings or Settings.from_env()
    now = _clock(now)
    row = accounts.find_session(session_id=session_id, token_hash=_digest(token) if token else None)
    if row is None:
        return SessionEnd.GONE
    ended = _ended(row.last_seen_at, row.account, row.role, now, settings)
    if ended is not None:
        accounts.end_session(session_id=row.id)
        log.info("session of %r ended: %s", row.account.name, ended.value)
        return ended
    idle_seconds = settings.session_idle_minutes * 60
    touch = min(_TOUCH_SECONDS, idle_seconds / 4) if idle_seconds > 0 else _TOUCH_SECONDS
    if (now - row.last_seen_at).total_seconds() >= touch:
        accounts.touch_session(row.id, now)
    return Session(row.id, Actor(row.account.name, row.account.role), row.claimed)


def end_session(
    accounts: AccountStore, *, session_id: int | None = None, token: str | None = None
) -> bool:
    """Sign out: the session with this id or token ends, in every tab that uses it."""
    return accounts.end_session(session_id=session_id, token_hash=_digest(token) if token else None)


def can_read(actor: Actor | None, settings: Settings | None = None) -> bool:
    settings = settings or Settings.from_env()
    return actor is not None or settings.anonymous_read

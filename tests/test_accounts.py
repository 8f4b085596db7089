"""Accounts: argon2id hashes, admin-only changes, throttled and locked sign-in, OIDC mapping."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from clusters import accounts, registry
from clusters.accounts import Settings, SignInRefused
from clusters.errors import AccessDenied, ClusterError
from clusters.model import ReportedFigure
from clusters.roles import CLI_ACTOR, Actor
from clusters.store import ClusterStore, open_store
from clusters.store.accounts import AccountStore, account_store

PASSWORD = "Mật-khẩu-rất-bí-mật-42"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
FAST = Settings(free_failures=2, delay_seconds=10, lock_failures=4, lock_minutes=15)


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def acc(request, store: ClusterStore) -> Iterator[AccountStore]:
    """The account store on SQLite and on PostgreSQL (the same portable SQL)."""
    if request.param == "sqlite":
        yield account_store(store)
        return
    other = open_store(request.getfixturevalue("postgis_url"))
    yield account_store(other)
    other.close()


@pytest.fixture
def lan(acc: AccountStore) -> accounts.Account:
    return accounts.add_account(acc, CLI_ACTOR, "lan", "editor", password=PASSWORD, now=T0)


def dump(db_url: str) -> str:
    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def test_password_hash_is_argon2id_and_not_the_password(lan):
    assert lan.password_hash.startswith("$argon2id$")
    assert PASSWORD not in lan.password_hash


def test_sign_in_returns_the_account_role(acc, lan):
    actor = accounts.sign_in(acc, "Lan", PASSWORD, settings=FAST, now=T0)
    assert actor == Actor("lan", "editor")


def test_wrong_password_and_unknown_name_give_the_same_answer(acc, lan):
    with pytest.raises(SignInRefused) as wrong:
        accounts.sign_in(acc, "lan", "not the password", settings=FAST, now=T0)
    with pytest.raises(SignInRefused) as unknown:
        accounts.sign_in(acc, "nobody", "not the password", settings=FAST, now=T0)
    assert wrong.value.en == unknown.value.en == "Wrong account name or password."


def test_failed_sign_ins_are_slowed_then_locked_and_the_lock_is_logged(acc, lan, caplog):
    caplog.set_level(logging.DEBUG)
    t = T0
    for _ in range(FAST.free_failures):  # free tries: no wait between them
        with pytest.raises(SignInRefused) as exc:
            accounts.sign_in(acc, "lan", "wrong", settings=FAST, now=t)
        assert exc.value.retry_after is None
    # A try right after is refused without even checking the password, with a wait to respect.
    with pytest.raises(SignInRefused) as exc:
        accounts.sign_in(acc, "lan", PASSWORD, settings=FAST, now=t + timedelta(seconds=1))
    assert exc.value.retry_after == pytest.approx(9)
    # After the wait, more failures until the lock.
    t += timedelta(seconds=11)
    with pytest.raises(SignInRefused):
        accounts.sign_in(acc, "lan", "wrong", settings=FAST, now=t)
    t += timedelta(seconds=21)  # the wait doubled to 20 s
    with pytest.raises(SignInRefused):
        accounts.sign_in(acc, "lan", "wrong", settings=FAST, now=t)
    assert "sign-in locked for 'lan' after 4 failed attempts" in caplog.text
    # Locked: even the right password is refused for the lock time.
    with pytest.raises(SignInRefused) as exc:
        accounts.sign_in(acc, "lan", PASSWORD, settings=FAST, now=t + timedelta(minutes=14))
    assert "locked" in exc.value.en
    assert exc.value.retry_after == pytest.approx(60)
    # After the lock the right password works and clears the count.
    assert accounts.sign_in(acc, "lan", PASSWORD, settings=FAST, now=t + timedelta(minutes=16))
    with pytest.raises(SignInRefused) as exc:
        accounts.sign_in(acc, "lan", "wrong", settings=FAST, now=t + timedelta(minutes=17))
    assert exc.value.retry_after is None


def test_unknown_names_are_throttled_too(acc):
    for i in range(FAST.lock_failures):
        with pytest.raises(SignInRefused):
            accounts.sign_in(acc, "ghost", "x", settings=FAST, now=T0 + timedelta(minutes=i))
    with pytest.raises(SignInRefused) as exc:
        accounts.sign_in(acc, "ghost", "x", settings=FAST, now=T0 + timedelta(minutes=5))
    assert "locked" in exc.value.en


def test_disabled_account_is_refused(acc, lan):
    accounts.set_disabled(acc, CLI_ACTOR, "lan")
    with pytest.raises(SignInRefused) as exc:
        accounts.sign_in(acc, "lan", PASSWORD, settings=FAST, now=T0)
    assert "disabled" in exc.value.en
    assert accounts.current_actor(acc, Actor("lan", "editor")) is None


def test_role_change_applies_to_a_signed_in_session_at_once(acc, lan):
    accounts.set_role(acc, CLI_ACTOR, "lan", "viewer")
    assert accounts.current_actor(acc, Actor("lan", "editor")) == Actor("lan", "viewer")


def test_no_password_in_logs_or_database(store, db_url, caplog):
    acc = account_store(store)
    accounts.add_account(acc, CLI_ACTOR, "lan", "editor", password=PASSWORD, now=T0)
    caplog.set_level(logging.DEBUG)
    accounts.sign_in(acc, "lan", PASSWORD, settings=FAST, now=T0)
    with pytest.raises(SignInRefused):
        accounts.sign_in(acc, "lan", PASSWORD + "x", settings=FAST, now=T0)
    # A password typed into the name box is neither logged nor stored.
    with pytest.raises(SignInRefused):
        accounts.sign_in(acc, PASSWORD, PASSWORD, settings=FAST, now=T0)
    accounts.set_password(acc, CLI_ACTOR, "lan", PASSWORD + "-new")
    assert PASSWORD not in caplog.text
    assert PASSWORD.lower() not in caplog.text
    text = dump(db_url)
    assert PASSWORD not in text and PASSWORD.lower() not in text
    assert 'INSERT INTO "signin_failures"' in text  # the dump did include the counts


@pytest.mark.parametrize("who", [None, Actor("lan", "editor"), Actor("v", "viewer")])
def test_only_admins_change_accounts(acc, lan, who, caplog):
    for change in (
        lambda: accounts.add_account(acc, who, "mai", "admin", password=PASSWORD),
        lambda: accounts.set_role(acc, who, "lan", "admin"),
        lambda: accounts.set_disabled(acc, who, "lan"),
        lambda: accounts.set_password(acc, who, "lan", "another-password"),
    ):
        with pytest.raises(AccessDenied):
            change()
    assert acc.get("mai") is None
    assert acc.get("lan").role == "editor" and not acc.get("lan").disabled
    assert "refused account change" in caplog.text


def test_account_changes_are_kept_in_the_audit_trail(acc, lan):
    accounts.set_role(acc, CLI_ACTOR, "lan", "admin")
    accounts.set_disabled(acc, CLI_ACTOR, "lan")
    trail = [(e.action, e.actor, e.detail) for e in acc.events()]
    assert trail[:2] == [("disable", "cli", None), ("role", "cli", "editor → admin")]
    assert trail[-1] == ("add", "cli", "role=editor")


def test_names_passwords_and_roles_are_checked(acc):
    with pytest.raises(ClusterError, match="account name"):
        accounts.add_account(acc, CLI_ACTOR, "bad name!", "editor", password=PASSWORD)
    with pytest.raises(ClusterError, match="at least 10"):
        accounts.add_account(acc, CLI_ACTOR, "mai", "editor", password="short")
    with pytest.raises(ClusterError, match="Role 'boss'"):
        accounts.add_account(acc, CLI_ACTOR, "mai", "boss", password=PASSWORD)
    with pytest.raises(ClusterError, match="needs an email"):
        accounts.add_account(acc, CLI_ACTOR, "mai", "editor", password=None)
    assert acc.list_accounts() == []


def test_duplicate_name_is_refused(acc, lan):
    with pytest.raises(ClusterError, match="exists"):
        accounts.add_account(acc, CLI_ACTOR, "LAN", "viewer", password=PASSWORD)


def test_oidc_email_maps_to_the_account_role(acc):
    accounts.add_account(acc, CLI_ACTOR, "hoa", "editor", password=None, email="Hoa@So.Gov.VN")
    assert accounts.actor_for_email(acc, "hoa@so.gov.vn") == Actor("hoa", "editor")
    assert accounts.actor_for_email(acc, "stranger@example.org") is None
    accounts.set_disabled(acc, CLI_ACTOR, "hoa")
    assert accounts.actor_for_email(acc, "hoa@so.gov.vn") is None


def test_an_oidc_only_account_cannot_sign_in_with_a_password(acc):
    accounts.add_account(acc, CLI_ACTOR, "hoa", "editor", password=None, email="hoa@so.gov.vn")
    with pytest.raises(SignInRefused):
        accounts.sign_in(acc, "hoa", "", settings=FAST, now=T0)


def test_session_idle_expiry_follows_the_setting():
    s = Settings(session_idle_minutes=30)
    assert not accounts.session_expired(T0, T0 + timedelta(minutes=29), s)
    assert accounts.session_expired(T0, T0 + timedelta(minutes=31), s)
    assert not accounts.session_expired(
        T0, T0 + timedelta(days=9), Settings(session_idle_minutes=0)
    )


def test_settings_from_environment(monkeypatch):
    assert Settings.from_env().anonymous_read is True
    monkeypatch.setenv("CLUSTERS_ANONYMOUS_READ", "no")
    monkeypatch.setenv("CLUSTERS_SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("CLUSTERS_SIGNIN_LOCK_FAILURES", "3")
    monkeypatch.setenv("CLUSTERS_SIGNIN_CLIENT_LOCK_FAILURES", "40")
    s = Settings.from_env()
    assert (s.anonymous_read, s.session_idle_minutes, s.lock_failures) == (False, 5.0, 3)
    assert s.client_lock_failures == 40
    assert not accounts.can_read(None, s)
    assert accounts.can_read(Actor("v", "viewer"), s)
    monkeypatch.setenv("CLUSTERS_ANONYMOUS_READ", "maybe")
    with pytest.raises(ClusterError, match="CLUSTERS_ANONYMOUS_READ"):
        Settings.from_env()


def test_reported_figures_need_an_admin(store, caplog):
    fig = ReportedFigure(
        as_of=datetime(2025, 7, 1).date(), category="operating", count=72, source="Sở"
    )
    with pytest.raises(AccessDenied):
        registry.add_reported_figure(store, fig, Actor("lan", "editor"))
    assert store.reported_figures() == []
    assert "refused write by lan" in caplog.text
    saved = registry.add_reported_figure(store, fig, Actor("root", "admin"))
    assert saved.id is not None
    assert [f.count for f in store.reported_figures()] == [72]


def test_reported_figure_is_checked(store):
    bad = ReportedFigure(
        as_of=datetime(2025, 7, 1).date(), category="nonsense", count=-1, source=""
    )
    with pytest.raises(ClusterError) as exc:
        registry.add_reported_figure(store, bad, Actor("root", "admin"))
    assert {p.field for p in exc.value.problems} == {"category", "count", "source"}
    assert store.reported_figures() == []


# -- throttling counted in the database -----------------------------------------------------

NO_WAITS = Settings(free_failures=4, delay_seconds=10, lock_failures=4, lock_minutes=15)
GUESSERS = 12


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def url(request, db_url: str) -> str:
    return db_url if request.param == "sqlite" else request.getfixturevalue("postgis_url")


@pytest.fixture
def instances(url: str) -> Iterator[tuple[AccountStore, AccountStore]]:
    """The accounts of one database as two app instances see them (two engines)."""
    stores = [open_store(url), open_store(url)]
    yield account_store(stores[0]), account_store(stores[1])
    for st in stores:
        st.close()


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """The passwords checked against a hash (real or dummy), in order."""
    checked: list[str] = []
    guard = threading.Lock()
    verify = accounts._verify

    def counting(password_hash: str | None, password: str) -> bool:
        with guard:
            checked.append(password)
        return verify(password_hash, password)

    monkeypatch.setattr(accounts, "_verify", counting)
    return checked


def all_at_once(n: int, attempt: Callable[[int], object]) -> list[object]:
    """Run ``attempt(i)`` in ``n`` threads released together; what each returned or raised."""
    start = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = attempt(i)
        except SignInRefused as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.parametrize("name", ["lan", "ghost"])
def test_parallel_guesses_get_only_the_free_tries_checked(acc, lan, hash_checks, name):
    results = all_at_once(
        GUESSERS, lambda i: accounts.sign_in(acc, name, f"guess {i}", settings=FAST, now=T0)
    )
    assert len(hash_checks) == FAST.free_failures
    waits = [r for r in results if isinstance(r, SignInRefused) and r.retry_after]
    assert len(waits) == GUESSERS - FAST.free_failures
    assert {w.retry_after for w in waits} == {FAST.delay_seconds}


def test_parallel_guesses_lock_after_the_allowed_hash_checks(acc, lan, hash_checks):
    results = all_at_once(
        GUESSERS, lambda i: accounts.sign_in(acc, "lan", f"guess {i}", settings=NO_WAITS, now=T0)
    )
    assert len(hash_checks) == NO_WAITS.lock_failures
    locked = [r for r in results if isinstance(r, SignInRefused) and "locked" in r.en]
    assert len(locked) == GUESSERS - NO_WAITS.lock_failures
    with pytest.raises(SignInRefused, match="locked"):  # the right password waits too
        accounts.sign_in(acc, "lan", PASSWORD, settings=NO_WAITS, now=T0 + timedelta(minutes=1))
    assert len(hash_checks) == NO_WAITS.lock_failures


@pytest.mark.parametrize("name", ["lan", "ghost"])
def test_instances_on_one_database_share_the_count(instances, name):
    accounts.add_account(instances[0], CLI_ACTOR, "lan", "editor", password=PASSWORD, now=T0)
    for i in range(NO_WAITS.lock_failures):
        with pytest.raises(SignInRefused) as exc:
            accounts.sign_in(instances[i % 2], name, "wrong", settings=NO_WAITS, now=T0)
        assert exc.value.en == "Wrong account name or password."
    for acc in instances:
        with pytest.raises(SignInRefused, match="locked"):
            accounts.sign_in(acc, name, PASSWORD, settings=NO_WAITS, now=T0)


def test_another_process_shares_the_count_of_a_name_that_is_not_an_account(store, db_url):
    acc = account_store(store)
    script = (
        "import sys\n"
        "from datetime import datetime\n"
        "from clusters import accounts\n"
        "from clusters.store import open_store\n"
        "from clusters.store.accounts import account_store\n"
        "acc = account_store(open_store(sys.argv[1]))\n"
        "settings = accounts.Settings(free_failures=4, lock_failures=4)\n"
        "for _ in range(int(sys.argv[2])):\n"
        "    try:\n"
        "        accounts.sign_in(acc, 'ghost', 'wrong', settings=settings,\n"
        "                         now=datetime.fromisoformat(sys.argv[3]))\n"
        "    except accounts.SignInRefused as exc:\n"
        "        print(exc.en)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, db_url, "3", T0.isoformat()],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines() == ["Wrong account name or password."] * 3
    with pytest.raises(SignInRefused) as last:
        accounts.sign_in(acc, "ghost", "wrong", settings=NO_WAITS, now=T0)
    assert last.value.en == "Wrong account name or password."
    with pytest.raises(SignInRefused, match="locked"):
        accounts.sign_in(acc, "ghost", "wrong", settings=NO_WAITS, now=T0)


def test_real_and_unknown_names_answer_alike_at_every_step(acc, lan, hash_checks):
    """The same tries for an account and for a name that is none: the same answers, and the
    same hash checks (a dummy one for the unknown name), step by step."""

    def answers(name: str) -> list[tuple[str, str, float | None]]:
        out = []
        for seconds in (0, 1, 2, 15, 40, 80, 90, 60 * 16):
            try:
                accounts.sign_in(
                    acc, name, "wrong", settings=FAST, now=T0 + timedelta(seconds=seconds)
                )
            except SignInRefused as exc:
                out.append((exc.vi, exc.en, exc.retry_after))
        return out

    real = answers("lan")
    checks_real = len(hash_checks)
    unknown = answers("ghost")
    assert real == unknown
    assert len(hash_checks) == 2 * checks_real
    assert any("locked" in en for _, en, _ in real)


def test_a_client_failing_with_many_names_is_locked(acc, lan, caplog):
    settings = Settings(free_failures=3, lock_failures=6, client_lock_failures=5)
    here, elsewhere = "203.0.113.7", "198.51.100.2"
    for i in range(settings.client_lock_failures):
        with pytest.raises(SignInRefused, match="Wrong account"):
            accounts.sign_in(acc, f"name{i}", "x", client=here, settings=settings, now=T0)
    assert f"sign-ins from {here} locked after 5 failed attempts" in caplog.text
    with pytest.raises(SignInRefused, match="from this computer") as exc:
        accounts.sign_in(acc, "lan", PASSWORD, client=here, settings=settings, now=T0)
    assert exc.value.retry_after == pytest.approx(settings.lock_minutes * 60)
    assert accounts.sign_in(acc, "lan", PASSWORD, client=elsewhere, settings=settings, now=T0)
    later = T0 + timedelta(minutes=settings.lock_minutes)
    assert accounts.sign_in(acc, "lan", PASSWORD, client=here, settings=settings, now=later)


def test_a_success_clears_the_counts_of_its_name_and_client(acc, lan):
    here = "203.0.113.7"
    for _ in range(FAST.free_failures):
        with pytest.raises(SignInRefused):
            accounts.sign_in(acc, "lan", "wrong", client=here, settings=FAST, now=T0)
    later = T0 + timedelta(minutes=1)
    assert accounts.sign_in(acc, "lan", PASSWORD, client=here, settings=FAST, now=later)
    for _ in range(FAST.free_failures):  # free tries again: nothing waits
        with pytest.raises(SignInRefused) as exc:
            accounts.sign_in(acc, "lan", "wrong", client=here, settings=FAST, now=later)
        assert exc.value.retry_after is None

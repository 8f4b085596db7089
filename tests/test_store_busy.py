"""A save while another writer holds the registry (a long import) is refused with a clear,
retryable message — ``RegistryBusy`` — never a raw ``database is locked``: cluster saves and
account writes (sign-ins, account changes, sessions) alike. An import is whole or absent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from clusters import accounts, importer, registry
from clusters.errors import ConflictError, RegistryBusy, StorageError
from clusters.roles import CLI_ACTOR, Actor
from clusters.store import ClusterStore, open_store, schema
from clusters.store.accounts import account_store
from clusters.store.base import NewRecord, RecordEdit, Step
from tests.builders import cluster, square

EDITOR = Actor("lan", "editor")
ADMIN = Actor("quan-tri", "admin")
IMPORTER = "cli"
PASSWORD = "Mật-khẩu-thử-nghiệm-42"
IMPORT_ROWS = 200  # test data: new clusters, named as such
# How each engine is told to give up on a held lock quickly (instead of 15 s / never).
WAIT_BRIEFLY = {"sqlite": "PRAGMA busy_timeout = 200", "postgresql": "SET lock_timeout = '200ms'"}
BUSY_VI = (
    "Sổ đăng ký đang bận (một lần nhập khác đang ghi); hãy thử lại sau ít phút. "
    "Nội dung bạn nhập vẫn được giữ."
)
BUSY_EN = (
    "The registry is busy (another import is writing); try again in a few minutes. "
    "What you entered is kept."
)


def wait_briefly(store: ClusterStore, statement: str) -> None:
    """Run ``statement`` on each new connection of ``store`` (after the dialect's own set-up),
    so a locked database is given up on in a fraction of a second instead of 15 s."""
    engine: sa.Engine = store.engine  # type: ignore[attr-defined]

    @sa.event.listens_for(engine, "connect")
    def _short(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(statement)
        cur.close()
        dbapi_conn.commit()

    engine.dispose()  # the connection opened before the listener goes


def assert_busy(exc: RegistryBusy) -> None:
    assert isinstance(exc, StorageError)
    assert (exc.text("vi"), exc.text("en")) == (BUSY_VI, BUSY_EN)
    assert exc.retryable
    assert isinstance(exc.__cause__, sa.exc.OperationalError)  # kept for the log


def test_an_edit_during_a_long_import_on_sqlite_is_refused_as_busy_then_succeeds(db_url):
    editor_store = open_store(db_url)
    import_store = open_store(db_url)
    editor_store.create(cluster(id=1), actor="seed")
    wait_briefly(editor_store, "PRAGMA busy_timeout = 200")
    try:
        with import_store.transaction() as tx:  # the import's one transaction, still open
            tx.create(cluster(id=2, name="CCN Đang nhập"), actor=IMPORTER)
            with pytest.raises(RegistryBusy) as caught:
                registry.update_cluster(
                    editor_store, 1, {"investor": "HTX Ngọc Hồi"}, EDITOR, based_on=1
                )
            assert_busy(caught.value)
        assert editor_store.get(1).version == 1  # nothing was written by the refused save
        saved = registry.update_cluster(
            editor_store, 1, {"investor": "HTX Ngọc Hồi"}, EDITOR, based_on=1
        )
        assert (saved.cluster.version, saved.cluster.investor) == (2, "HTX Ngọc Hồi")
        assert editor_store.count() == 2
    finally:
        editor_store.close()
        import_store.close()


@pytest.mark.postgis
def test_an_edit_blocked_on_postgis_past_the_lock_timeout_is_refused_as_busy(postgis_url):
    editor_store = open_store(postgis_url)
    import_store = open_store(postgis_url)
    editor_store.create(cluster(id=1), actor="seed")
    wait_briefly(editor_store, "SET lock_timeout = '200ms'")
    try:
        with import_store.transaction() as tx:  # holds cluster 1's row until it commits
            tx.update(1, {"notes": "đang nhập"}, based_on=1, actor=IMPORTER, kind="import")
            with pytest.raises(RegistryBusy) as caught:
                registry.update_cluster(
                    editor_store, 1, {"investor": "HTX Ngọc Hồi"}, EDITOR, based_on=1
                )
            assert_busy(caught.value)
        c = editor_store.get(1)
        assert (c.version, c.investor, c.notes) == (2, None, "đang nhập")
    finally:
        editor_store.close()
        import_store.close()


# -- while an import commits ------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def url(request: pytest.FixtureRequest, db_url: str) -> str:
    return db_url if request.param == "sqlite" else request.getfixturevalue("postgis_url")


def import_file() -> bytes:
    """Test data: cluster 1 gets an investor; ``IMPORT_ROWS`` new clusters."""
    lines = ["Mã,Tên CCN,Giai đoạn,Chủ đầu tư hạ tầng,Kinh độ,Vĩ độ\n"]
    lines.append("1,CCN Ngọc Hồi,Đã thành lập,Công ty Nhập,105.8433,20.9125\n")
    lines += [
        f",CCN thử nghiệm nhập {r},Trong quy hoạch,,{105.5 + r * 0.002:.4f},20.80\n"
        for r in range(IMPORT_ROWS)
    ]
    return "".join(lines).encode()


@contextmanager
def during_commit(store: ClusterStore, action: Callable[[], None]) -> Iterator[list[bool]]:
    """Run ``action`` once inside ``store``'s next write transaction, right after its last
    statement (the revision bump): every row written, the registry held, nothing committed."""
    engine: sa.Engine = store.engine  # type: ignore[attr-defined]
    ran: list[bool] = []

    def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not ran and statement.lstrip().startswith(f"UPDATE {schema.meta.name}"):
            ran.append(True)
            action()

    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield ran
    finally:
        sa.event.remove(engine, "after_cursor_execute", after)


def busy(action: Callable[[], object], refused: list[RegistryBusy]) -> Callable[[], None]:
    def attempt() -> None:
        with pytest.raises(RegistryBusy) as caught:
            action()
        refused.append(caught.value)

    return attempt


def test_saves_while_an_import_commits_are_busy_and_the_import_is_whole(url):
    import_store, editor_store = open_store(url), open_store(url)
    import_store.create(cluster(id=1), actor="seed")
    other = cluster(id=2, name="CCN Phú Nghĩa", geometry=square(105.6, 20.9), area_ha=10.35)
    import_store.create(other, actor="seed")
    editor_accounts = account_store(editor_store)
    accounts.add_account(editor_accounts, ADMIN, "hoa", "editor", password=PASSWORD)
    wait_briefly(editor_store, WAIT_BRIEFLY[editor_store.engine.dialect.name])  # type: ignore[attr-defined]
    plan = importer.plan_file(import_store, import_file(), "dot-nhap.csv", CLI_ACTOR)
    assert plan.counts() == {"new": IMPORT_ROWS, "update": 1, "unchanged": 0, "rejected": 0}
    refused: list[RegistryBusy] = []
    saves = [
        lambda: registry.update_cluster(editor_store, 2, {"investor": "HTX"}, EDITOR, based_on=1),
        lambda: accounts.add_account(editor_accounts, ADMIN, "minh", "viewer", password=PASSWORD),
        lambda: accounts.sign_in(editor_accounts, "hoa", "sai mật khẩu"),
        lambda: accounts.set_role(editor_accounts, ADMIN, "hoa", "admin"),
    ]
    try:
        with during_commit(import_store, lambda: [busy(s, refused)() for s in saves]) as ran:
            result = importer.commit(import_store, plan, CLI_ACTOR)
        assert ran and len(refused) == len(saves)
        for exc in refused:
            assert_busy(exc)
        # The import is whole; the refused saves wrote nothing.
        assert (len(result.created), result.updated) == (IMPORT_ROWS, [1])
        assert editor_store.count() == IMPORT_ROWS + 2
        assert editor_store.get(1).investor == "Công ty Nhập"
        assert {e.source for e in editor_store.history() if e.version == 1} == {
            None,
            "dot-nhap.csv",
        }
        assert (editor_store.get(2).version, editor_accounts.get("minh")) == (1, None)
        assert editor_accounts.get("hoa").role == "editor"  # type: ignore[union-attr]
        # The same saves, once the import is done, succeed.
        saved = registry.update_cluster(editor_store, 2, {"investor": "HTX"}, EDITOR, based_on=1)
        assert (saved.cluster.version, saved.cluster.investor) == (2, "HTX")
        accounts.add_account(editor_accounts, ADMIN, "minh", "viewer", password=PASSWORD)
        assert accounts.sign_in(editor_accounts, "hoa", PASSWORD).role == "editor"
    finally:
        editor_store.close()
        import_store.close()


def test_an_import_while_another_writer_holds_sqlite_is_busy_and_absent(db_url):
    import_store, editor_store = open_store(db_url), open_store(db_url)
    import_store.create(cluster(id=1), actor="seed")
    wait_briefly(import_store, WAIT_BRIEFLY["sqlite"])
    plan = importer.plan_file(import_store, import_file(), "dot-nhap.csv", CLI_ACTOR)
    before = (import_store.count(), len(import_store.history()), import_store.revision())
    try:
        with editor_store.transaction() as tx:  # an editor's save, not yet committed
            tx.update(1, {"notes": "đang sửa"}, based_on=1, actor="lan")
            with pytest.raises(RegistryBusy) as caught:
                importer.commit(import_store, plan, CLI_ACTOR)
            assert_busy(caught.value)
        assert import_store.count() == before[0]  # none of the import
        assert len(import_store.history()) == before[1] + 1  # the editor's save only
        with pytest.raises(ConflictError):  # cluster 1 changed meanwhile: planned again
            importer.commit(import_store, plan, CLI_ACTOR)
        again = importer.plan_file(import_store, import_file(), "dot-nhap.csv", CLI_ACTOR)
        assert len(importer.commit(import_store, again, CLI_ACTOR).created) == IMPORT_ROWS
    finally:
        editor_store.close()
        import_store.close()


# -- account writes while another writer holds SQLite ------------------------------------------

ACCOUNT_WRITES: dict[str, Callable[[Any], object]] = {
    "add an account": lambda acc: accounts.add_account(
        acc, ADMIN, "minh", "viewer", password=PASSWORD
    ),
    "change a role": lambda acc: accounts.set_role(acc, ADMIN, "hoa", "admin"),
    "count a sign-in": lambda acc: accounts.sign_in(acc, "hoa", PASSWORD),
    "open a session": lambda acc: accounts.start_session(acc, Actor("hoa", "editor")),
}


@pytest.mark.parametrize("write", list(ACCOUNT_WRITES))
def test_an_account_write_while_another_writer_holds_sqlite_is_busy(db_url, write):
    holder, writer = open_store(db_url), open_store(db_url)
    acc = account_store(writer)
    accounts.add_account(acc, ADMIN, "hoa", "editor", password=PASSWORD)
    acc.digest_key()  # made once per database, before the registry is held
    wait_briefly(writer, WAIT_BRIEFLY["sqlite"])
    state = (acc.list_accounts(), acc.events(), writer.revision())
    try:
        with holder.transaction() as tx:  # an import's transaction, still open
            tx.create(cluster(id=2, name="CCN Đang nhập"), actor=IMPORTER)
            with pytest.raises(RegistryBusy) as caught:
                ACCOUNT_WRITES[write](acc)
            assert_busy(caught.value)
        assert (acc.list_accounts(), acc.events(), writer.revision()) == (
            state[0],
            state[1],
            state[2] + 1,  # the import's commit
        )
        ACCOUNT_WRITES[write](acc)  # the same write, once the registry is free
    finally:
        writer.close()
        holder.close()


# -- the batch itself ---------------------------------------------------------------------------


def test_a_batch_in_an_open_transaction_is_written_with_it_or_not_at_all(url):
    store = open_store(url)
    try:
        store.create(cluster(id=1, stage="established"), actor="seed")
        moved = {"stage": "operating", "stage_effective_date": None, "stage_verified": False}
        steps = [Step("stage", moved, "vận hành"), Step("import", {"investor": "Công ty B"})]
        new = [
            NewRecord(cluster(id=None, name=f"CCN thử nghiệm lô {n}"), Step("import"))
            for n in (1, 2)
        ]
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.write_batch(new, [RecordEdit(1, 1, steps)], actor="quan-tri", source="lo.csv")
            raise RuntimeError("the rest of the transaction fails")
        assert (store.count(), store.get(1).version, len(store.history())) == (1, 1, 1)
        with store.transaction() as tx:
            ids = tx.write_batch(new, [RecordEdit(1, 1, steps)], actor="quan-tri", source="lo.csv")
        assert ids == sorted(ids) and [store.get(i).name for i in ids] == [
            "CCN thử nghiệm lô 1",
            "CCN thử nghiệm lô 2",
        ]
        c = store.get(1)
        assert (c.version, c.stage, c.investor) == (3, "operating", "Công ty B")
        attributes, stage, created = store.history(1)  # newest first
        assert [(e.version, e.kind) for e in (attributes, stage, created)] == [
            (3, "import"),
            (2, "stage"),
            (1, "create"),
        ]
        assert {ch.field for ch in attributes.changes} == {"investor"}
        assert stage.source == attributes.source == "lo.csv"
    finally:
        store.close()

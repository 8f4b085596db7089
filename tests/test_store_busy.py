"""A save while another writer holds the registry (a long import) is refused with a clear,
retryable message — ``RegistryBusy`` — never a raw ``database is locked``."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from clusters import registry
from clusters.errors import RegistryBusy, StorageError
from clusters.roles import Actor
from clusters.store import ClusterStore, open_store
from tests.builders import cluster

EDITOR = Actor("lan", "editor")
IMPORTER = "cli"
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

"""One revision counter, moved on by every write in the write's own transaction, so every
app instance on the database sees another's writes on its next rerun."""

import os
import subprocess
import sys
from datetime import date

import pytest

from clusters import registry
from clusters.accounts import add_account
from clusters.errors import ClusterError
from clusters.model import ReportedFigure
from clusters.roles import Actor
from clusters.store import open_store
from clusters.store.accounts import account_store
from tests.builders import cluster

ADMIN = Actor("test-admin", "admin")


def test_every_kind_of_write_moves_the_revision(store):
    seen = [store.revision()]
    created = registry.create_cluster(store, cluster(stage="planned"), ADMIN).cluster
    seen.append(store.revision())
    registry.update_cluster(
        store, created.id, {"area_ha": 12.5}, ADMIN, based_on=created.version, reason="survey"
    )
    seen.append(store.revision())
    registry.add_reported_figure(
        store, ReportedFigure(date(2025, 1, 9), "operating", 70, "test source"), ADMIN
    )
    seen.append(store.revision())
    add_account(account_store(store), ADMIN, "test-editor", "editor", password="x" * 12)
    seen.append(store.revision())
    assert seen == sorted(set(seen)) and len(seen) == 5


def test_a_refused_write_does_not_move_it(store):
    before = store.revision()
    with pytest.raises(ClusterError):
        registry.create_cluster(store, cluster(name=""), ADMIN)
    assert store.revision() == before


def test_another_process_write_is_seen(db_url):
    store = open_store(db_url)
    before = store.revision()
    env = {**os.environ, "CLUSTERS_DATABASE_URL": db_url}
    subprocess.run([sys.executable, "-m", "clusters", "seed"], env=env, check=True)
    after = store.revision()
    assert after > before
    store.close()

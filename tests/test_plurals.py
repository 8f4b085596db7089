"""English counts say "1 row" and "2 rows": the command line, the backup checks and the
import's limits (Vietnamese nouns do not change)."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path

import pytest

from clusters import seed
from clusters.io import limits
from clusters.io.errors import ImportFileError
from clusters.store import open_store
from clusters.store.restore import BackupRejected, check_backup
from tests import builders
from tests.test_cli_transfer import LIST, cli  # noqa: F401 - the fixture

# Test data, not real clusters.
ROWS = (
    "CCN Thử A,Đã thành lập,Đan Phượng,105.67,21.08\n",
    "CCN Thử B,Đã thành lập,Đan Phượng,105.69,21.09\n",
)


@pytest.mark.parametrize(("n", "words"), [(1, "1 row ·"), (2, "2 rows ·")])
def test_the_import_report_counts_its_rows(cli, tmp_path, monkeypatch, n, words):  # noqa: F811
    monkeypatch.setenv("CLUSTERS_LANG", "en")
    path = tmp_path / "ds.csv"
    path.write_text(LIST + "".join(ROWS[:n]), encoding="utf-8")
    code, out, _ = cli("import", str(path), "--dry-run")
    assert code == 0 and f"ds.csv: {words} CRS" in out


@pytest.mark.parametrize(
    ("added", "figures", "said"),
    [
        (1, 1, "Added 1 cluster and 1 reported figure; 0 clusters in total."),
        (2, 2, "Added 2 clusters and 2 reported figures; 0 clusters in total."),
    ],
)
def test_seed_counts_what_it_added(db_url, run_cli, monkeypatch, added, figures, said):
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    monkeypatch.setenv("CLUSTERS_LANG", "en")
    monkeypatch.setattr(seed, "seed", lambda _store: (added, figures))
    code, out, _ = run_cli("seed")
    assert code == 0 and out.strip() == said


def test_seed_speaks_vietnamese_by_default(db_url, run_cli, monkeypatch):
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    monkeypatch.delenv("CLUSTERS_LANG", raising=False)
    monkeypatch.setattr(seed, "seed", lambda _store: (1, 2))
    code, out, _ = run_cli("seed")
    assert code == 0 and out.strip() == "Đã thêm 1 cụm và 2 số liệu báo cáo; sổ có 0 cụm."


def _registry_losing_a_cluster(path: Path, clusters: int, lost_events: int) -> Path:
    """A registry of ``clusters`` clusters, then one with ``lost_events`` history events
    deleted behind its back (its events left pointing at nothing)."""
    store = open_store(f"sqlite:///{path}")
    for n in range(clusters):
        store.create(builders.cluster(name=f"CCN Thử {n}"), actor="test")
    for _ in range(lost_events - 1):
        c = store.get(1)
        store.update(1, {"notes": f"sửa lần {c.version}"}, based_on=c.version, actor="test")
    store.close()
    con = sqlite3.connect(path)
    con.execute("DELETE FROM clusters WHERE id = 1")
    con.commit()
    con.close()
    return path


@pytest.mark.parametrize(
    ("clusters", "lost_events", "said"),
    [
        (2, 1, "inconsistent: 1 cluster, history records 2 created, 0 without history up to "
         "their current version, 1 row pointing at missing rows."),
        (3, 2, "inconsistent: 2 clusters, history records 3 created, 0 without history up to "
         "their current version, 2 rows pointing at missing rows."),
    ],
)  # fmt: skip
def test_a_backup_whose_counts_disagree_says_so_in_english(tmp_path, clusters, lost_events, said):
    path = _registry_losing_a_cluster(tmp_path / "b.sqlite", clusters, lost_events)
    with pytest.raises(BackupRejected) as refused:
        check_backup(path)
    assert refused.value.code == "counts"
    assert said in refused.value.en


@pytest.mark.parametrize(("limit", "words"), [(1, "1 row or feature,"), (2, "2 rows or features,")])
def test_the_feature_limit_counts_in_english(limit, words):
    with pytest.raises(ImportFileError) as refused:
        limits.check_feature_count(limit + 1, limits.Limits(max_features=limit))
    assert f"more than {words} over the limit" in refused.value.en


@pytest.mark.parametrize(
    ("limit", "words"), [(1, "1 column (attribute),"), (2, "2 columns (attributes),")]
)
def test_the_column_limit_counts_in_english(limit, words):
    with pytest.raises(ImportFileError) as refused:
        limits.check_column_count(limit + 1, limits.Limits(max_columns=limit))
    assert f"more than {words} over the limit" in refused.value.en


@pytest.mark.parametrize(("members", "words"), [(1, "1 file,"), (2, "2 files,")])
def test_the_zip_member_limit_counts_in_english(members, words):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for n in range(members):
            zf.writestr(f"tep-{n}.txt", "thử")
    with pytest.raises(ImportFileError) as refused:
        limits.unzip(buffer.getvalue(), limits.Limits(max_members=members - 1))
    assert f"The zip holds {words} over the limit of {members - 1}." == refused.value.en

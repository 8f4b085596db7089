"""What every page shares: the store, the cached registry, the language.

The store (an SQLAlchemy engine, thread-safe) is cached with ``st.cache_resource``; the
clusters are cached as data, keyed on the registry's revision so a write from anywhere
(another session, the command line) is seen on the next rerun. After a write in the app,
call ``invalidate()``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from clusters import figures, filters, i18n, seed
from clusters.filters import ClusterFilter
from clusters.model import Cluster, ReportedFigure
from clusters.static_assets import install_assets
from clusters.store import ClusterStore, database_url, open_store

LANG_KEY = "lang"

Revision = int


def _release(store: ClusterStore) -> None:
    store.close()


# One store (one engine and its connection pool) per database URL and process, shared by every
# session. Clearing the cache closes the pool's connections instead of leaving them to the GC.
@st.cache_resource(show_spinner=False, on_release=_release)
def _open(url: str) -> ClusterStore:
    store = open_store(url)
    seed.ensure_seeded(store)
    return store


@st.cache_resource(show_spinner=False)
def _install_assets(static_dir: str) -> str:
    return str(install_assets(Path(static_dir)))


def store() -> ClusterStore:
    """The registry of ``CLUSTERS_DATABASE_URL``, seeded on first use."""
    return _open(database_url())


def ensure_assets() -> None:
    """Copy Leaflet and its plugins into ``static/`` beside the running script, once per process.

    ``clusters serve`` has laid them out already; this covers ``streamlit run app.py``.
    """
    ctx = get_script_run_ctx()
    if ctx is None or not ctx.main_script_path:
        return  # not running inside Streamlit (bare execution): nothing serves static files
    _install_assets(str(Path(ctx.main_script_path).resolve().parent / "static"))


def revision() -> Revision:
    """Changes whenever the registry does, from any instance: its write counter, which
    every write (clusters, decisions, figures, accounts) moves on in its own transaction."""
    return store().revision()


# Shared by every session of the process, not copied per rerun (at 10,000 clusters unpickling
# a cached copy took most of a rerun): the list is copied, the clusters themselves are not.
@st.cache_resource(show_spinner=False, max_entries=4)
def _clusters(url: str, rev: Revision) -> tuple[Cluster, ...]:
    return tuple(_open(url).list_clusters())


@st.cache_data(show_spinner=False, max_entries=4)
def _figures(url: str, rev: Revision) -> list[ReportedFigure]:
    return _open(url).reported_figures()


def clusters() -> list[Cluster]:
    """Every cluster of the registry, in id order: a new list of the clusters every session
    shares. Read them; never change one in place (``Cluster.replace`` makes a changed copy)."""
    return list(_clusters(database_url(), revision()))


@st.cache_resource(show_spinner=False, max_entries=4)
def _by_id(url: str, rev: Revision) -> dict[int, Cluster]:
    return {c.id: c for c in _clusters(url, rev) if c.id is not None}


def cluster(cluster_id: int) -> Cluster | None:
    """The cluster with this id in the registry as it stands (None if there is none)."""
    return _by_id(database_url(), revision()).get(cluster_id)


@st.cache_resource(show_spinner=False, max_entries=4)
def _filter_options(url: str, rev: Revision) -> filters.FilterOptions:
    return filters.options(_clusters(url, rev))


def filter_options() -> filters.FilterOptions:
    """The registry's districts and communes, the filters' choices (once per revision)."""
    return _filter_options(database_url(), revision())


@st.cache_resource(show_spinner=False, max_entries=4)
def _chosen(url: str, rev: Revision, query: tuple[tuple[str, str], ...]) -> tuple[Cluster, ...]:
    return tuple(ClusterFilter.from_query(dict(query)).apply(_clusters(url, rev)))


@st.cache_resource(show_spinner=False, max_entries=4)
def _tally(url: str, rev: Revision, query: tuple[tuple[str, str], ...]) -> filters.Tally:
    return filters.tally(_chosen(url, rev, query))


def tally(flt: ClusterFilter) -> filters.Tally:
    """What ``flt``'s results add up to, kept like them."""
    return _tally(database_url(), revision(), tuple(sorted(flt.to_query().items())))


def chosen(flt: ClusterFilter) -> list[Cluster]:
    """The clusters ``flt`` keeps, in its order; the last few filters' results are kept, so
    a rerun that changed no filter (a click, a move of the map) does not filter again."""
    return list(_chosen(database_url(), revision(), tuple(sorted(flt.to_query().items()))))


@st.cache_resource(show_spinner=False, max_entries=4)
def _comparisons(url: str, rev: Revision) -> dict[str, figures.Comparison]:
    registry = list(_clusters(url, rev))
    return {c.category.code: c for c in figures.compare(registry, _figures(url, rev))}


def comparisons() -> dict[str, figures.Comparison]:
    """The whole registry against the latest reported figures, by category code."""
    return _comparisons(database_url(), revision())


def reported_figures() -> list[ReportedFigure]:
    return _figures(database_url(), revision())


def invalidate() -> None:
    """Forget cached registry data; call after writing to the store."""
    _clusters.clear()
    _figures.clear()
    _by_id.clear()
    _filter_options.clear()
    _chosen.clear()
    _comparisons.clear()


def lang() -> str:
    """The session's language: Vietnamese unless the user switched to English."""
    value = st.session_state.get(LANG_KEY, i18n.DEFAULT_LANG)
    return value if value in i18n.LANGS else i18n.DEFAULT_LANG


def t(key: str, **values: object) -> str:
    """``i18n.t`` in the session's language."""
    return i18n.t(key, lang(), **values)

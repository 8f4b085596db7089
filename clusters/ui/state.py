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

from clusters import i18n, seed
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


@st.cache_data(show_spinner=False, max_entries=4)
def _clusters(url: str, rev: Revision) -> list[Cluster]:
    return _open(url).list_clusters()


@st.cache_data(show_spinner=False, max_entries=4)
def _figures(url: str, rev: Revision) -> list[ReportedFigure]:
    return _open(url).reported_figures()


def clusters() -> list[Cluster]:
    """Every cluster of the registry, in id order (a copy: safe to modify)."""
    return _clusters(database_url(), revision())


def reported_figures() -> list[ReportedFigure]:
    return _figures(database_url(), revision())


def invalidate() -> None:
    """Forget cached registry data; call after writing to the store."""
    _clusters.clear()
    _figures.clear()


def lang() -> str:
    """The session's language: Vietnamese unless the user switched to English."""
    value = st.session_state.get(LANG_KEY, i18n.DEFAULT_LANG)
    return value if value in i18n.LANGS else i18n.DEFAULT_LANG


def t(key: str, **values: object) -> str:
    """``i18n.t`` in the session's language."""
    return i18n.t(key, lang(), **values)

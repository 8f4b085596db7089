"""Links between pages. ``main`` registers the session's pages; pages link by url path."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

_PAGES_KEY = "_pages"


def register(pages: dict[str, st.Page]) -> None:
    st.session_state[_PAGES_KEY] = pages


def page(url_path: str) -> st.Page:
    return st.session_state[_PAGES_KEY][url_path]


def link(url_path: str, label: str, icon: str | None = None, **query: str) -> None:
    """A link to a page, opening it with the given query parameters."""
    st.page_link(page(url_path), label=label, icon=icon, query_params=query or None)


def go(url_path: str, **query: str) -> NoReturn:
    st.switch_page(page(url_path), query_params=query or None)

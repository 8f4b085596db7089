"""The router: page configuration, language switch, navigation.

``PAGES`` is the app's menu. A page is a module under ``clusters/ui/pages`` with a
``render()`` function; to add one (Sửa/Edit, Nhập/Import, Quản trị/Admin, Thay đổi gần
đây/Recent changes …) append one ``PageSpec`` line and its title to ``clusters/i18n.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from clusters.errors import ClusterError
from clusters.i18n import LANGS
from clusters.ui import auth, routes, state, widgets

PAGES_DIR = Path(__file__).resolve().parent / "pages"


@dataclass(frozen=True)
class PageSpec:
    url_path: str
    module: str  # file name under clusters/ui/pages
    title_key: str  # key in clusters.i18n.CATALOGUE
    icon: str | None = None
    default: bool = False


# The menu, in order. Other pages add one line each. No Material icons here: the browser
# shows the page's icon as the favicon, and Streamlit fetches those from Google's font CDN.
PAGES: list[PageSpec] = [
    PageSpec("map", "map_page.py", "nav.map", default=True),
    PageSpec("overview", "overview_page.py", "nav.overview"),
    PageSpec("list", "list_page.py", "nav.list"),
    PageSpec("cluster", "cluster_page.py", "nav.cluster"),
    PageSpec("projects", "projects_page.py", "nav.projects"),
    PageSpec("edit", "edit_page.py", "nav.edit"),
    PageSpec("new", "new_cluster_page.py", "nav.new"),
    PageSpec("changes", "history_page.py", "nav.changes"),
    PageSpec("admin", "admin_page.py", "nav.admin"),
    PageSpec("import", "import_page.py", "nav.import"),
    PageSpec("reports", "reports_page.py", "nav.reports"),
    PageSpec("periods", "periods_page.py", "nav.periods"),
]

_LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def language_switch() -> None:
    """Vietnamese by default; the choice lives in the session (``state.LANG_KEY``)."""
    st.session_state.setdefault(state.LANG_KEY, state.lang())
    st.sidebar.segmented_control(
        "Ngôn ngữ / Language",
        LANGS,
        format_func=_LANGUAGE_NAMES.__getitem__,
        key=state.LANG_KEY,
        required=True,
    )


def main() -> None:
    st.set_page_config(page_title=state.t("app.title"), page_icon="🏭", layout="wide")
    state.ensure_assets()
    pages = {
        spec.url_path: st.Page(
            PAGES_DIR / spec.module,
            title=state.t(spec.title_key),
            icon=spec.icon,
            url_path=spec.url_path,
            default=spec.default,
        )
        for spec in PAGES
    }
    routes.register(pages)
    current = st.navigation(list(pages.values()))
    language_switch()
    auth.gate()  # the sign-in box; stops here when reading needs a sign-in
    for problem in routes.query().problems:  # a link's bad parameter: said, then left out
        widgets.show_error(problem)
    try:
        current.run()
    except ClusterError as exc:
        widgets.show_error(exc)

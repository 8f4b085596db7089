"""Bản đồ / Map: every cluster on the map, filtered; click one to see its summary.

The base map (tiles, reference layers, every cluster of the registry's revision) stays
identical across reruns, so the browser keeps it mounted; it loads the clusters once per
revision (``clusters.ui.map_data``). Each rerun sends only which clusters the filter keeps, a
few bytes in a feature group, and the view moves with ``center``/``zoom``: changing a filter
redraws in the browser without a flash.

The map reports its clicks (``_on_map_change``, before the page runs): a click selects a
cluster. Moving the map reruns nothing; fitting the view to the results is asked of the
browser (``mapping.Fit``), which knows the map's real size on a phone or a desktop.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import folium
import streamlit as st
from streamlit_folium import st_folium

from clusters import figures, i18n, mapping, stages
from clusters.errors import ClusterError
from clusters.escaping import escape
from clusters.filters import ClusterFilter, Tally
from clusters.model import FIELD_BY_NAME, Cluster, ReferenceLayerRecord
from clusters.store import database_url
from clusters.ui import asgi, auth, fields, map_data, routes, state, widgets
from clusters.ui.export_widget import export_buttons
from clusters.ui.pages.cluster_page import projects_summary

MAP_HEIGHT = 620
MAP_KEY = "map"  # the map's last report (a click)
SELECTED_KEY = "map_selected_cluster"
VIEW_KEY = "map_view"  # the last request to fit the view (mapping.Fit)
BASEMAP_KEY = "map_basemap"
CLICKED_KEY = "map_clicked"  # the cluster of the map's last click, to tell a new click
SEARCH_KEY = "map_searched"  # the filter whose single match was last opened
SELECTIONS_KEY = "map_selections"  # how many times a cluster was selected (click, search)
SCROLLED_KEY = "map_scrolled"  # the selection the summary was last brought into view for
SUMMARY_KEY = "map_summary"  # the summary's container (CSS class st-key-map_summary)
# The reported figures the page states beside the registry; the batch's stage figures are
# explained under the legend, whose counts are of another kind.
HEADLINE_FIGURES = ("operating", "batch_2018_2020_total", "plan_2030")
BATCH = "2018_2020"
BATCH_STAGE_FIGURES = (
    "batch_2018_2020_completing",
    "batch_2018_2020_under_construction",
    "batch_2018_2020_not_started",
)
# Brings the summary into view after a selection (below the map on a phone); a constant
# script, the nonce only makes each selection's copy new so that it runs.
_SCROLL_TO_SUMMARY = (
    "<script>/* {nonce} */ requestAnimationFrame(function () {{"
    " var summary = document.querySelector('.st-key-" + SUMMARY_KEY + "');"
    " if (summary) {{ summary.scrollIntoView({{block: 'nearest', behavior: 'smooth'}}); }}"
    " }});</script>"
)


@st.cache_data(show_spinner=False)
def _reference_layers(
    paths: tuple[str, ...],
) -> tuple[list[mapping.ReferenceLayer], list[tuple[str, str]]]:
    layers, problems = [], []
    for path in paths:
        try:
            layers.append(mapping.load_reference_layer(Path(path)))
        except ClusterError as exc:
            problems.append((exc.vi, exc.en))
    return layers, problems


@st.cache_resource(show_spinner=False, max_entries=64)
def _drawn_layer(
    url: str, layer_id: int | None, uploaded_at: object, _layer: ReferenceLayerRecord
) -> mapping.ReferenceLayer:
    """An uploaded layer simplified for display, once per upload (never changed after)."""
    return mapping.overlay(_layer.name, _layer.features, source=_layer.source)


@st.cache_data(show_spinner=False, max_entries=4)
def _uploaded_layers(url: str, rev: state.Revision) -> list[mapping.ReferenceLayer]:
    """The reference layers admins uploaded, as every instance sees them at this revision."""
    return [_drawn_layer(url, r.id, r.uploaded_at, r) for r in state.store().reference_layers()]


def reference_layers() -> list[mapping.ReferenceLayer]:
    """The deployment's layer files (``CLUSTERS_REFERENCE_LAYERS``), then the uploaded ones;
    a file that cannot be read is said so on the page."""
    paths = tuple(str(p) for p in mapping.reference_layer_paths())
    layers, problems = _reference_layers(paths)
    for vi, en in problems:
        widgets.show_error(ClusterError(vi, en))
    return [*layers, *_uploaded_layers(database_url(), state.revision())]


def basemap_choice() -> mapping.Basemap:
    """The configured basemap, or none: switchable when the tile server is unreachable."""
    configured = mapping.basemap_from_env()
    options = [configured] if configured.is_none else [configured, mapping.NO_BASEMAP]
    names = {b.name: b for b in options}
    none_label = state.t("map.basemap_none")
    chosen = st.sidebar.selectbox(
        state.t("map.basemap"),
        list(names),
        format_func=lambda n: none_label if names[n].is_none else n,
        key=BASEMAP_KEY,
        help=state.t("map.basemap_help"),
    )
    return names[chosen or configured.name]


def _on_map_change() -> None:
    """The map reported a click: a new click selects."""
    clicked = mapping.clicked_cluster_id(st.session_state.get(MAP_KEY))
    if clicked is not None and clicked != st.session_state.get(CLICKED_KEY):
        select(clicked)
    st.session_state[CLICKED_KEY] = clicked


def select(cluster_id: int) -> None:
    st.session_state[SELECTED_KEY] = cluster_id
    st.session_state[SELECTIONS_KEY] = st.session_state.get(SELECTIONS_KEY, 0) + 1


def fit_to(chosen: Sequence[Cluster]) -> None:
    """Ask the map to frame ``chosen`` (once: the request is numbered)."""
    bounds = mapping.bounds_of(chosen)
    if bounds is None:
        return
    last: mapping.Fit | None = st.session_state.get(VIEW_KEY)
    st.session_state[VIEW_KEY] = mapping.Fit(bounds, (last.request if last else 0) + 1)


def place_view(flt: ClusterFilter, chosen: Sequence[Cluster]) -> None:
    """Where the map looks this run: a search with one result opens it; the first view
    fits the results."""
    query = flt.to_query()
    if st.session_state.get(SEARCH_KEY) != query:
        st.session_state[SEARCH_KEY] = query
        if flt.text.strip() and len(chosen) == 1 and chosen[0].id is not None:
            select(chosen[0].id)
            fit_to(chosen)
    if VIEW_KEY not in st.session_state:
        fit_to(chosen)


Comparisons = dict[str, figures.Comparison]  # by category code


def registry_line(by_code: Comparisons) -> None:
    """The registry against the latest reported figures: what the map cannot show."""
    lang = state.lang()
    by_date: dict[str, list[str]] = {}
    incomplete = False
    for code in HEADLINE_FIGURES:
        cmp = by_code[code]
        if cmp.reported is None or cmp.reported.count is None:
            continue
        label = cmp.category.label(lang)
        by_date.setdefault(i18n.format_date(cmp.reported.as_of, lang), []).append(
            f"{i18n.number(cmp.registry, lang)}/{i18n.number(cmp.reported.count, lang)} "
            f"{label[:1].lower()}{label[1:]}"
        )
        incomplete = incomplete or (cmp.gap or 0) > 0
    if not by_date:
        return
    parts = "; ".join(
        state.t("map.against_report", items=", ".join(items), date=day)
        for day, items in by_date.items()
    )
    line = state.t("map.registry_holds", parts=parts)
    if incomplete:
        line += ": " + state.t("map.registry_incomplete")
    st.caption(widgets.md(line + "."))


def legend(tally: Tally, flt: ClusterFilter, by_code: Comparisons) -> None:
    counts = tally.by_stage
    lang = state.lang()
    rows = []
    for s in stages.STAGES:
        rows.append(
            f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
            f'background:{s.colour};border:1px solid #222;margin-right:6px"></span>'
            f"{escape(s.label(lang))} ({counts.get(s.code, 0)})</div>"
        )
    rows.append(
        '<div><span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
        'border:2px dashed #555;margin-right:6px"></span>'
        f"{escape(state.t('legend.approximate'))}</div>"
    )
    rows.append(
        '<div><span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
        'background:#37474f;margin-right:6px"></span>'
        f"{escape(state.t('legend.group'))}</div>"
    )
    with st.expander(state.t("legend.title"), expanded=True):
        st.html('<div style="font-size:0.85rem;line-height:1.6">' + "".join(rows) + "</div>")
        st.caption(widgets.md(legend_counts_note(tally.count, flt, by_code)))


def legend_counts_note(shown: int, flt: ClusterFilter, by_code: Comparisons) -> str:
    """What the legend's numbers count, and why they differ from the city's stage figures
    (those count one batch only)."""
    t = state.t
    lang = state.lang()
    if flt.batches:
        names = ", ".join(i18n.value_label("batch", b, lang) for b in flt.batches)
        batches = t("legend.batches", batches=names)
    else:
        batches = t("legend.all_batches")
    note = t("legend.counts", count=i18n.number(shown, lang), batches=batches)
    batch = i18n.value_label("batch", BATCH, lang)
    items, days = [], []
    for code in BATCH_STAGE_FIGURES:
        cmp = by_code[code]
        if cmp.reported is None or cmp.reported.count is None:
            continue
        days.append(cmp.reported.as_of)
        items.append(
            t(
                "legend.reported_item",
                reported=i18n.number(cmp.reported.count, lang),
                label=cmp.category.label(lang).removeprefix(f"{batch}: "),
                registry=i18n.number(cmp.registry, lang),
            )
        )
    if items:
        note += " " + t(
            "legend.reported_batch",
            date=i18n.format_date(max(days), lang),
            batch=batch,
            items="; ".join(items),
        )
    return note


def summary(cluster_id: int | None) -> None:
    t = state.t
    lang = state.lang()
    if cluster_id is None:
        st.info(t("map.click_hint"), icon=":material/touch_app:")
        return
    c = state.cluster(cluster_id)
    if c is None:
        st.warning(t("summary.gone"))
        return
    st.caption(t("summary.title"))
    st.subheader(widgets.md(c.name), anchor=False)
    st.html(widgets.stage_chip(c.stage))
    widgets.cluster_badges(c)
    commune = c.commune_2025_name or "—"
    former = ", ".join(x for x in (c.commune_2019, c.district_2019) if x)
    lines = [
        (field_label("area_ha"), i18n.area(c.area_ha, lang)),
        (t("summary.commune"), commune + (f" ({former})" if former else "")),
        (field_label("investor"), fields.display_value("investor", c.investor)),
        (field_label("batch"), i18n.value_label("batch", c.batch, lang)),
    ]
    st.markdown("\n".join(f"- **{widgets.md(k)}:** {widgets.md(v)}" for k, v in lines))
    st.markdown(projects_summary(state.store().projects(cluster_id), c.industrial_land_ha))
    routes.link("cluster", t("summary.open"), icon=":material/open_in_new:", id=str(c.id))


def scroll_to_summary() -> None:
    """Once after each new selection: the summary may sit below the map, off screen."""
    selections = st.session_state.get(SELECTIONS_KEY, 0)
    if selections != st.session_state.get(SCROLLED_KEY, 0):
        st.session_state[SCROLLED_KEY] = selections
        st.html(_SCROLL_TO_SUMMARY.format(nonce=selections), unsafe_allow_javascript=True)


def field_label(field_name: str) -> str:
    return FIELD_BY_NAME[field_name].label(state.lang())


def data_route() -> bool:
    """The map loads its clusters from the data route: this process serves it, and it
    answers this browser (anyone may read, or the browser holds the session cookie of the
    tab's sign-in). Else the map carries them itself, behind the page's gate."""
    return asgi.serves_map_data() or auth.cookie_signed_in()


def tiled() -> bool:
    """Load the clusters by tile: a big registry, and a data route to load them from (the
    tiles cannot travel inside the map)."""
    return data_route() and mapping.use_tiles(len(state.clusters()))


def map_data_now(revision: state.Revision) -> mapping.ClusterData:
    """The revision's map data, in the form this registry's size calls for."""
    return map_data.cluster_data(
        database_url(), revision, state.lang(), state.clusters, tiled=tiled()
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def _mask_of(
    url: str, revision: int, lang: str, tiled: bool, query: tuple[tuple[str, str], ...]
) -> str | None:
    data = map_data.cluster_data(url, revision, lang, state.clusters, tiled=tiled)
    chosen = state.chosen(ClusterFilter.from_query(dict(query)))
    return data.mask(c.id for c in chosen if c.id is not None)


def _mask(data: mapping.ClusterData, revision: int, flt: ClusterFilter) -> str | None:
    """The filter's mask over the revision's map data, kept for the last few filters (a
    click reruns the page with the same filter)."""
    query = tuple(sorted(flt.to_query().items()))
    return _mask_of(database_url(), revision, state.lang(), data.tiles is not None, query)


def the_map(
    basemap: mapping.Basemap,
    layers: list[mapping.ReferenceLayer],
    data: mapping.ClusterData,
    revision: state.Revision,
) -> folium.Map:
    """The base map with every cluster of the revision: loaded by the browser from the data
    route (once per revision, then kept), or carried in the map when there is no route.
    It changes only with the revision, the language, the basemap and the layers."""
    lang = state.lang()
    served = data_route()
    tiled = data.tiles is not None
    return mapping.add_clusters(
        mapping.base_map(basemap, layers, lang),
        data,
        lang,
        url=map_data.url(revision, lang, tiled=tiled) if served else None,
        tile_url=map_data.tile_url(revision, lang) if tiled else None,
        canvas=mapping.use_canvas(len(data.ids)),
    )


def render() -> None:
    t = state.t
    st.title(t("map.title"), anchor=False)
    flt = widgets.filter_sidebar()
    basemap = basemap_choice()
    chosen = state.chosen(flt)

    by_code = state.comparisons()
    registry_line(by_code)
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        widgets.match_line(state.tally(flt))
        if st.button(t("map.fit"), icon=":material/fit_screen:", disabled=not chosen):
            fit_to(chosen)

    layers = reference_layers()

    revision = state.revision()
    data = map_data_now(revision)
    place_view(flt, chosen)

    left, right = st.columns([3, 1])
    with left:
        if not chosen:
            st.warning(t("map.no_results"))
        st_folium(
            the_map(basemap, layers, data, revision),
            key=MAP_KEY,
            on_change=_on_map_change,
            feature_group_to_add=mapping.filter_layer(
                data, _mask(data, revision, flt), st.session_state.get(VIEW_KEY)
            ),
            returned_objects=mapping.RETURNED_OBJECTS,
            height=MAP_HEIGHT,
            use_container_width=True,
        )
    with right:
        with st.container(key=SUMMARY_KEY):
            summary(st.session_state.get(SELECTED_KEY))
            scroll_to_summary()
        legend(state.tally(flt), flt, by_code)
    export_buttons(chosen, flt, key="map_export")


if __name__ == "__main__":
    render()

"""Pieces the edit and new-cluster pages share: evidence inputs, the location tools, and the
one way a save's outcome (saved, errors, warnings to accept, a conflict) is shown. The field
inputs themselves are ``clusters.ui.fields``.

Saves run in widget callbacks, before the page is drawn, so a successful save can reset the
form's widgets and an unsuccessful one, refused for whatever reason (errors, a conflict, a
busy registry, a sign-in that ended), keeps everything the planner typed and says why.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
import streamlit as st
from streamlit_folium import st_folium

from clusters import i18n, locate, mapping, rules, stages
from clusters.errors import AccessDenied, ClusterError, ConflictError, Problem, ValidationError
from clusters.locate import Location
from clusters.model import DECISION_TYPES, Decision
from clusters.registry import WarningsNotAccepted
from clusters.store import ClusterStore
from clusters.ui import state, widgets
from clusters.ui.fields import EARLIEST, PERSIST, field_label

__all__ = ["EARLIEST", "field_label"]

EVIDENCE_KINDS = ("decision", "inspection", "none")
DOCUMENT_TYPES = tuple(d for d in DECISION_TYPES if d != "inspection")


@dataclass
class Outcome:
    """What the last save attempt of one form left to show."""

    saved: str | None = None  # a success message
    problems: list[Problem] = field(default_factory=list)  # errors that blocked it
    warnings: list[Problem] = field(default_factory=list)  # warnings awaiting an accept
    conflict: ConflictError | None = None
    error: ClusterError | None = None


def outcome(key: str) -> Outcome:
    found = st.session_state.get(key)
    if not isinstance(found, Outcome):
        found = Outcome()
        st.session_state[key] = found
    return found


def refused(key: str) -> bool:
    """Whether the last save of a form was refused for want of the role (a sign-in that
    ended, an account disabled or demoted meanwhile)."""
    found = st.session_state.get(key)
    return isinstance(found, Outcome) and isinstance(found.error, AccessDenied)


def forget_problems(key: str, name: str) -> None:
    """An input's callback: the planner changed it, so its last save's problem is gone."""
    result = outcome(key)
    result.problems = [p for p in result.problems if p.field != name]


def problem_at(key: str, name: str) -> Problem | None:
    """The last save's problem about one input, shown at that input."""
    return next((p for p in outcome(key).problems if p.field == name), None)


def _same(a: Sequence[Problem], b: Sequence[Problem]) -> bool:
    return [(p.code, p.field) for p in a] == [(p.code, p.field) for p in b]


def attempt(
    key: str, accept_key: str, save: Callable[[bool], str], on_saved: Callable[[], None]
) -> None:
    """Run ``save(accept_warnings)`` and keep its outcome under ``key``.

    Warnings count as accepted only when the planner ticked the box under the very warnings
    this save raises again; a changed set of warnings has to be read and accepted anew.
    """
    previous = outcome(key)
    accepted = bool(st.session_state.get(accept_key)) and bool(previous.warnings)
    result = Outcome()
    try:
        message = save(accepted)
    except WarningsNotAccepted as exc:
        result.warnings = exc.problems
    except ValidationError as exc:
        result.problems = exc.problems
    except ConflictError as exc:
        result.conflict = exc
    except ClusterError as exc:
        result.error = exc
    else:
        result.saved = message
        st.session_state[accept_key] = False
        on_saved()
        state.invalidate()
    if result.warnings and accepted and not _same(result.warnings, previous.warnings):
        st.session_state[accept_key] = False
    st.session_state[key] = result


def show_outcome(
    key: str, accept_key: str | None = None, shown: Collection[str | None] = ()
) -> None:
    """The outcome of the last save of a form: success, errors, warnings, a refusal. Problems
    about the inputs in ``shown`` are left out: the form shows those at their inputs."""
    result = outcome(key)
    if result.saved:
        st.success(widgets.md(result.saved), icon=":material/check_circle:")
    if result.error is not None:
        widgets.show_error(result.error)
        if not result.saved:
            st.caption(state.t("edit.input_kept"))
    for p in result.problems:
        if p.field in shown:
            continue
        label = field_label(p.field)
        text = p.text(state.lang())
        st.error(f"**{widgets.md(label)}**: {widgets.md(text)}" if label else widgets.md(text))
    if result.warnings:
        st.warning(
            "\n".join(
                [state.t("edit.warnings_intro")]
                + [
                    f"- **{widgets.md(field_label(p.field))}**: {widgets.md(p.text(state.lang()))}"
                    for p in result.warnings
                ]
            ),
            icon=":material/warning:",
        )
        if accept_key is not None:
            st.checkbox(state.t("edit.accept_warnings"), key=accept_key)


def evidence_inputs(
    prefix: str, suggested_doc_type: str | None, *, outcome_key: str, disabled: bool = False
) -> None:
    """Widgets for the evidence of a stage: a document or a dated inspection (or none); the
    last save's problem about one of them is shown under it."""
    t = state.t
    lang = state.lang()
    st.session_state.setdefault(f"{prefix}_ev_kind", "decision")
    if suggested_doc_type in DOCUMENT_TYPES:
        st.session_state.setdefault(f"{prefix}_doc_type", suggested_doc_type)
    kept: dict[str, Any] = {"disabled": disabled, "persist_state": PERSIST}
    st.radio(
        t("edit.evidence"),
        EVIDENCE_KINDS,
        format_func=lambda k: t(f"edit.evidence_{k}"),
        key=f"{prefix}_ev_kind",
        horizontal=True,
        help=t("edit.evidence_help"),
        **kept,
    )
    at_field(outcome_key, "evidence")
    left, right = st.columns(2)
    with left:
        st.selectbox(
            t("edit.field.doc_type"),
            DOCUMENT_TYPES,
            format_func=lambda c: i18n.value_label("doc_type", c, lang),
            key=f"{prefix}_doc_type",
            placeholder=t("edit.choose"),
            **kept,
        )
        st.date_input(
            t("edit.field.decision_date"),
            value=None,
            key=f"{prefix}_doc_date",
            format="DD/MM/YYYY",
            min_value=EARLIEST,
            **kept,
        )
        at_field(outcome_key, "decision_date")
    with right:
        st.text_input(
            t("edit.field.decision_number"),
            key=f"{prefix}_number",
            placeholder="2803/QĐ-UBND",
            **kept,
        )
        at_field(outcome_key, "decision_number")
        st.text_input(
            t("edit.field.issuer"), key=f"{prefix}_issuer", placeholder="UBND TP Hà Nội", **kept
        )
    st.text_input(t("edit.field.evidence_note"), key=f"{prefix}_ev_note", **kept)


EVIDENCE_INPUTS = ("evidence", "decision_date", "decision_number")
# The evidence widgets, by the end of their keys.
EVIDENCE_KEYS = ("ev_kind", "doc_type", "number", "doc_date", "issuer", "ev_note")
# The location tools' inputs, by the end of their keys.
LOCATION_KEYS = ("method", "lat", "lon", "file_crs", "marker_crs", "markers", "axis")


def at_field(outcome_key: str, name: str) -> None:
    """The last save's problem about an input, right under the input."""
    found = problem_at(outcome_key, name)
    if found is not None:
        st.error(widgets.md(found.text(state.lang())), icon=":material/error:")


def _text(key: str) -> str | None:
    value = st.session_state.get(key)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def evidence_from(prefix: str) -> Decision | None:
    """The evidence the widgets describe, or None when the planner chose none."""
    kind = st.session_state.get(f"{prefix}_ev_kind", "decision")
    if kind == "none":
        return None
    return Decision(
        doc_type="inspection" if kind == "inspection" else st.session_state[f"{prefix}_doc_type"],
        number=_text(f"{prefix}_number"),
        date=st.session_state.get(f"{prefix}_doc_date"),
        issuer=_text(f"{prefix}_issuer"),
        note=_text(f"{prefix}_ev_note"),
    )


def reset_widgets(prefix: str, defaults: Mapping[str, Any]) -> None:
    """Set widgets back to their defaults (in a callback: the browser is told the values;
    removing the keys would leave the old values on screen)."""
    for name, value in defaults.items():
        st.session_state[f"{prefix}_{name}"] = value


def evidence_defaults(suggested_doc_type: str | None) -> dict[str, Any]:
    doc_type = suggested_doc_type if suggested_doc_type in DOCUMENT_TYPES else DOCUMENT_TYPES[0]
    return {
        "ev_kind": "decision",
        "doc_type": doc_type,
        "number": "",
        "doc_date": None,
        "issuer": "",
        "ev_note": "",
    }


def suggested_doc_type(current_stage: str) -> str | None:
    """The document that usually marks the next stage on the normal path."""
    forward = stages.forward_moves(current_stage)
    return rules.ENTRY_DOCUMENT.get(forward[0]) if forward else None


# -- location tools ----------------------------------------------------------------------

LOCATION_METHODS = ("point", "file", "markers")


def _preview_key(prefix: str) -> str:
    return f"{prefix}_preview"


def chosen_location(prefix: str) -> Location | None:
    found = st.session_state.get(_preview_key(prefix))
    return found if isinstance(found, Location) else None


def forget_location(prefix: str) -> None:
    st.session_state.pop(_preview_key(prefix), None)


def _try(prefix: str, make: Callable[[], Location]) -> None:
    try:
        st.session_state[_preview_key(prefix)] = make()
        st.session_state.pop(f"{prefix}_problem", None)
    except ClusterError as exc:
        st.session_state.pop(_preview_key(prefix), None)
        st.session_state[f"{prefix}_problem"] = exc


def clicked_point(value: Any) -> tuple[float, float] | None:
    """The (latitude, longitude) of the last click on a picking map, if any."""
    if not isinstance(value, dict):
        return None
    click = value.get("last_clicked")
    if not isinstance(click, dict):
        return None
    try:
        return float(click["lat"]), float(click["lng"])
    except (KeyError, TypeError, ValueError):
        return None


def take_click(prefix: str, value: Any) -> None:
    """Copy a new map click into the latitude/longitude boxes (drawn after the map)."""
    point = clicked_point(value)
    if point is None or point == st.session_state.get(f"{prefix}_last_click"):
        return
    st.session_state[f"{prefix}_last_click"] = point
    st.session_state[f"{prefix}_lat"] = f"{point[0]:.6f}"
    st.session_state[f"{prefix}_lon"] = f"{point[1]:.6f}"


def _point_layer(found: Location | None) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="picked")
    if found is not None and found.geometry.geom_type == "Point":
        folium.CircleMarker(
            [found.geometry.y, found.geometry.x], radius=7, color="#d62728", fill=True
        ).add_to(group)
    return group


def location_tools(
    prefix: str, decided_area_ha: float | None, *, disabled: bool = False
) -> Location | None:
    """The three ways to give a location; returns the located geometry once checked."""
    t = state.t
    lang = state.lang()
    kept: dict[str, Any] = {"disabled": disabled, "persist_state": PERSIST}
    method = st.radio(
        t("locate.method"),
        LOCATION_METHODS,
        format_func=lambda m: t(f"locate.method_{m}"),
        key=f"{prefix}_method",
        horizontal=True,
        **kept,
    )
    if method == "point" and not disabled:
        st.caption(t("locate.pick_on_map"))
        picked = st_folium(
            mapping.base_map(mapping.basemap_from_env()),
            feature_group_to_add=_point_layer(chosen_location(prefix)),
            returned_objects=["last_clicked"],
            height=340,
            use_container_width=True,
            key=f"{prefix}_map",
        )
        take_click(prefix, picked)
    if method == "point":
        left, right = st.columns(2)
        left.text_input(t("locate.lat"), key=f"{prefix}_lat", placeholder="21,0285", **kept)
        right.text_input(t("locate.lon"), key=f"{prefix}_lon", placeholder="105,8542", **kept)
        st.caption(t("locate.point_help"))
        if st.button(t("locate.check"), key=f"{prefix}_check_point", disabled=disabled):
            _try(
                prefix,
                lambda: locate.point_from_latlon(
                    st.session_state.get(f"{prefix}_lat") or "",
                    st.session_state.get(f"{prefix}_lon") or "",
                ),
            )
    elif method == "file":
        upload = st.file_uploader(
            t("locate.file"),
            type=["geojson", "json", "gpkg", "kml", "kmz", "zip"],
            key=f"{prefix}_file",
            help=t("locate.file_help"),
            disabled=disabled,
        )
        crs = st.selectbox(
            t("locate.file_crs"),
            [None, *locate.MARKER_CRS, "EPSG:4756", "EPSG:32648", "EPSG:4326"],
            format_func=lambda c: t("locate.file_crs_own") if c is None else c,
            key=f"{prefix}_file_crs",
            placeholder=t("edit.choose"),
            **kept,
        )
        checked = st.button(t("locate.check"), key=f"{prefix}_check_file", disabled=disabled)
        if upload is not None and checked:
            data, name = upload.getvalue(), upload.name
            _try(prefix, lambda: locate.boundary_from_file(data, name, crs))
    else:
        crs = st.selectbox(
            t("locate.marker_crs"),
            list(locate.MARKER_CRS),
            format_func=lambda c: f"{c} — {locate.MARKER_CRS[c]}",
            key=f"{prefix}_marker_crs",
            placeholder=t("edit.choose"),
            **kept,
        )
        text = st.text_area(
            t("locate.markers"),
            key=f"{prefix}_markers",
            height=180,
            placeholder="M1\t2313412,52\t587214,31\nM2\t2313498,04\t587561,87\n…",
            help=t("locate.markers_help"),
            **kept,
        )
        order = st.radio(
            t("locate.axis_order"),
            list(locate.AXIS_ORDERS),
            format_func=lambda o: locate.AXIS_ORDERS[o][1 if lang == "en" else 0],
            key=f"{prefix}_axis",
            **kept,
        )
        if text and text.strip():
            try:
                detected = locate.detect_axis_order(locate.parse_markers(text), crs)
            except ClusterError:
                detected = None
            if detected is not None and detected != order:
                st.warning(
                    t(
                        "locate.axis_suggest",
                        order=locate.AXIS_ORDERS[detected][1 if lang == "en" else 0],
                    )
                )
        if st.button(t("locate.check"), key=f"{prefix}_check_markers", disabled=disabled):
            _try(
                prefix,
                lambda: locate.boundary_from_markers(locate.parse_markers(text or ""), crs, order),
            )
    problem = st.session_state.get(f"{prefix}_problem")
    if isinstance(problem, ValidationError):
        for p in problem.problems:
            st.error(f"**{widgets.md(field_label(p.field))}**: {widgets.md(p.text(lang))}")
    elif isinstance(problem, ClusterError):
        widgets.show_error(problem)
    found = chosen_location(prefix)
    if found is not None:
        describe_location(found, decided_area_ha)
    return found


def describe_location(found: Location, decided_area_ha: float | None) -> None:
    """The checked location: where it came from, and its area beside the decided one."""
    t = state.t
    lang = state.lang()
    st.success(widgets.md(found.source(lang)), icon=":material/location_on:")
    if found.area_ha is None:
        return
    cols = st.columns(3)
    cols[0].metric(t("locate.area_computed"), i18n.area(round(found.area_ha, 2), lang))
    cols[1].metric(t("locate.area_decided"), i18n.area(decided_area_ha, lang))
    if found.plane_area_ha is not None:
        cols[2].metric(t("locate.area_plane"), i18n.area(round(found.plane_area_ha, 2), lang))
    warning = locate.area_warning(found, decided_area_ha)
    if warning is not None:
        st.warning(widgets.md(warning.text(lang)), icon=":material/warning:")


def conflict_details(store: ClusterStore, cluster_id: int, based_on: int, mine: set[str]) -> None:
    """What others changed since the version the form was opened on; ``mine`` marks the
    fields the planner changed too."""
    t = state.t
    lang = state.lang()
    newer = [e for e in store.history(cluster_id) if e.version > based_on]
    rows: list[dict[str, Any]] = []
    for e in sorted(newer, key=lambda e: e.version):
        for ch in e.changes:
            rows.append(
                {
                    t("edit.col_version"): e.version,
                    t("cluster.col_who"): e.actor,
                    t("cluster.col_when"): i18n.format_datetime(e.at, lang),
                    t("cluster.col_field"): field_label(ch.field),
                    t("cluster.col_old"): _short(ch.old),
                    t("cluster.col_new"): _short(ch.new),
                    t("edit.col_also_mine"): ch.field in mine,
                }
            )
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")


def _short(value: Any) -> str:
    if value is None:
        return "—"
    text = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 80 else text[:77] + "…"

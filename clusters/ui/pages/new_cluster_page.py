"""Thêm cụm / New cluster: its location (one of three ways), then its record and stage.

Editors only. The location is checked first (a typed or clicked point, a boundary file, or
VN-2000 boundary markers); the record is created with its stage and evidence in one write.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from clusters import i18n, registry, stages
from clusters.model import BATCHES, CLUSTER_TYPES, Cluster
from clusters.ui import auth, editing, routes, state, widgets

P = "new"
LOCATION = "new_loc"
DEFAULTS: dict[str, Any] = {
    "name": "",
    "cluster_type": "general",
    "district_2019": "",
    "commune_2019": "",
    "area_ha": None,
    "batch": None,
    "investor": "",
    "sources": "",
    "stage": "planned",
    "date": None,
    "reason": "",
    "precision": "surveyed",
}


def _value(name: str) -> Any:
    return st.session_state.get(f"{P}_{name}")


def _text(name: str) -> str | None:
    value = str(_value(name) or "").strip()
    return value or None


def draft() -> Cluster:
    """The cluster the form describes."""
    found = editing.chosen_location(LOCATION)
    return Cluster(
        name=str(_value("name") or "").strip(),
        geometry=found.geometry if found else None,
        stage=_value("stage") or "planned",
        cluster_type=_value("cluster_type") or "general",
        location_precision=_value("precision") or "surveyed",
        district_2019=_text("district_2019"),
        commune_2019=_text("commune_2019"),
        area_ha=_value("area_ha"),
        batch=_value("batch"),
        investor=_text("investor"),
        stage_effective_date=_value("date"),
        sources=[s.strip() for s in str(_value("sources") or "").splitlines() if s.strip()],
    )


def create() -> None:
    def save(accept: bool) -> str:
        c = draft()
        evidence = editing.evidence_from(P)
        saved = registry.create_cluster(
            state.store(),
            c,
            auth.current_actor(),  # read again at the moment of writing
            evidence=[evidence] if evidence else [],
            reason=_text("reason"),
            accept_warnings=accept,
        )
        st.session_state[f"{P}_created_id"] = saved.cluster.id
        return state.t("new.created", name=saved.cluster.name, id=saved.cluster.id)

    def reset() -> None:
        editing.reset_widgets(P, {**DEFAULTS, **editing.evidence_defaults("establishment")})
        editing.reset_widgets(LOCATION, {"lat": "", "lon": "", "markers": ""})
        editing.forget_location(LOCATION)

    editing.attempt(f"{P}_outcome", f"{P}_accept", save, reset)


def details_form() -> None:
    t = state.t
    lang = state.lang()
    with st.form(P, border=True):
        st.text_input(editing.field_label("name"), key=f"{P}_name", placeholder="CCN …")
        left, right = st.columns(2)
        left.selectbox(
            editing.field_label("cluster_type"),
            CLUSTER_TYPES,
            format_func=lambda c: i18n.value_label("cluster_type", c, lang),
            key=f"{P}_cluster_type",
        )
        right.number_input(
            f"{editing.field_label('area_ha')} (ha)",
            value=None,
            step=0.01,
            format="%.2f",
            key=f"{P}_area_ha",
        )
        left.text_input(
            editing.field_label("district_2019"),
            key=f"{P}_district_2019",
            help=t("edit.old_address_help"),
        )
        right.text_input(
            editing.field_label("commune_2019"),
            key=f"{P}_commune_2019",
            help=t("edit.old_address_help"),
        )
        left.selectbox(
            editing.field_label("batch"),
            [None, *BATCHES],
            format_func=lambda c: i18n.value_label("batch", c, lang),
            key=f"{P}_batch",
        )
        right.text_input(editing.field_label("investor"), key=f"{P}_investor")
        st.text_area(
            editing.field_label("sources"), key=f"{P}_sources", help=t("edit.one_per_line")
        )
        st.selectbox(
            editing.field_label("location_precision"),
            ["surveyed", "commune", "commune_from_name", "district"],
            format_func=lambda v: i18n.value_label("precision", v, lang),
            key=f"{P}_precision",
        )
        st.subheader(t("new.stage"), anchor=False)
        left, right = st.columns(2)
        left.selectbox(
            editing.field_label("stage"),
            stages.STAGE_CODES[:-1],  # a new record is not created as removed
            format_func=widgets.stage_label,
            key=f"{P}_stage",
        )
        right.date_input(
            t("edit.effective_date"),
            value=None,
            key=f"{P}_date",
            format="DD/MM/YYYY",
            help=t("edit.effective_date_help"),
            min_value=editing.EARLIEST,
        )
        editing.evidence_inputs(P, "establishment")
        st.text_input(t("edit.why"), key=f"{P}_reason", help=t("edit.why_help"))
        if editing.chosen_location(LOCATION) is None:
            st.caption(t("new.no_location"))
        editing.show_outcome(f"{P}_outcome", f"{P}_accept")
        st.form_submit_button(t("new.create"), on_click=create, type="primary", key=f"{P}_save")


def render() -> None:
    t = state.t
    st.title(t("new.title"), anchor=False)
    if auth.require_role("editor") is None:
        return
    created = st.session_state.get(f"{P}_created_id")
    if created is not None and editing.outcome(f"{P}_outcome").saved:
        routes.link("cluster", t("new.open"), id=str(created))
    st.subheader(t("new.location"), anchor=False)
    area = _value("area_ha")
    editing.location_tools(LOCATION, area if isinstance(area, float) else None)
    st.subheader(t("new.details"), anchor=False)
    details_form()


if __name__ == "__main__":
    render()

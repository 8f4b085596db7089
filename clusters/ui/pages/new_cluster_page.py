"""Thêm cụm / New cluster: its location (one of three ways), then its record and stage.

Editors only. The location is checked first (a typed or clicked point, a boundary file, or
VN-2000 boundary markers); the record is created with its stage and evidence in one write.
The record's inputs are the edit page's (``fields.field_input``): what does not read as its
field is an error at that input, and nothing is created until it is corrected.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from clusters import registry, stages
from clusters.errors import ValidationError
from clusters.model import FIELD_BY_NAME, Cluster
from clusters.ui import auth, editing, fields, routes, state

P = "new"
LOCATION = "new_loc"
# The fields asked for when a cluster is added (the others are filled on the edit page).
RECORD_FIELDS = (
    "name",
    "cluster_type",
    "area_ha",
    "district_2019",
    "commune_2019",
    "batch",
    "investor",
    "sources",
    "location_precision",
)
STAGE_FIELDS = ("stage", "stage_effective_date")
# A new record is not created as removed.
NEW_STAGES = tuple(s for s in stages.STAGE_CODES if s != stages.TERMINAL)
DEFAULTS: dict[str, Any] = {
    **{name: None for name in (*RECORD_FIELDS, *STAGE_FIELDS)},
    "cluster_type": "general",
    "location_precision": "surveyed",
    "stage": "planned",
}
_INPUTS = (*RECORD_FIELDS, *STAGE_FIELDS, "reason", *editing.EVIDENCE_INPUTS, "geometry")


def _outcome_key() -> str:
    return f"{P}_outcome"


def draft() -> Cluster:
    """The cluster the form describes; ``ValidationError`` for inputs that do not read."""
    values, problems = fields.read_inputs(P, (*RECORD_FIELDS, *STAGE_FIELDS))
    if problems:
        raise ValidationError(problems)
    found = editing.chosen_location(LOCATION)
    given = {name: value for name, value in values.items() if value is not None}
    return Cluster(**{"name": "", **given}, geometry=found.geometry if found else None)


def create() -> None:
    def save(accept: bool) -> str:
        c = draft()
        evidence = editing.evidence_from(P)
        saved = registry.create_cluster(
            state.store(),
            c,
            auth.current_actor(),  # read again at the moment of writing
            evidence=[evidence] if evidence else [],
            reason=(st.session_state.get(f"{P}_reason") or "").strip() or None,
            accept_warnings=accept,
        )
        st.session_state[f"{P}_created_id"] = saved.cluster.id
        return state.t("new.created", name=saved.cluster.name, id=saved.cluster.id)

    def reset() -> None:
        fields.set_inputs(P, DEFAULTS)
        editing.reset_widgets(P, {"reason": "", **editing.evidence_defaults("establishment")})
        editing.reset_widgets(LOCATION, {"lat": "", "lon": "", "markers": ""})
        editing.forget_location(LOCATION)

    editing.attempt(_outcome_key(), f"{P}_accept", save, reset)


def _input(name: str, disabled: bool) -> None:
    fields.field_input(
        FIELD_BY_NAME[name],
        f"{P}_{name}",
        error=editing.problem_at(_outcome_key(), name),
        disabled=disabled,
        options=NEW_STAGES if name == "stage" else None,
    )


def details_form(disabled: bool = False) -> None:
    t = state.t
    for name, value in DEFAULTS.items():
        st.session_state.setdefault(f"{P}_{name}", fields.to_input(name, value))
    with st.form(P, border=True, enter_to_submit=False):
        _input("name", disabled)
        left, right = st.columns(2)
        for i, name in enumerate(RECORD_FIELDS[1:]):
            with left if i % 2 == 0 else right:
                _input(name, disabled)
        st.subheader(t("new.stage"), anchor=False)
        left, right = st.columns(2)
        for column, name in zip((left, right), STAGE_FIELDS, strict=True):
            with column:
                _input(name, disabled)
        editing.evidence_inputs(P, "establishment", outcome_key=_outcome_key(), disabled=disabled)
        st.text_input(
            t("edit.why"),
            key=f"{P}_reason",
            help=t("edit.why_help"),
            disabled=disabled,
            persist_state=fields.PERSIST,
        )
        editing.at_field(_outcome_key(), "reason")
        if editing.chosen_location(LOCATION) is None:
            st.caption(t("new.no_location"))
        editing.show_outcome(_outcome_key(), f"{P}_accept", shown=_INPUTS[:-1])
        st.form_submit_button(
            t("new.create"), on_click=create, type="primary", key=f"{P}_save", disabled=disabled
        )


def _area() -> float | None:
    """The decided area typed so far, to set beside a boundary's (nothing if unreadable)."""
    values, _ = fields.read_inputs(P, ("area_ha",))
    area = values.get("area_ha")
    return area if isinstance(area, float) else None


def render() -> None:
    t = state.t
    st.title(t("new.title"), anchor=False)
    read_only = auth.require_role("editor") is None
    if read_only:
        # A save refused because the sign-in ended: what was typed stays, read only.
        if not editing.refused(_outcome_key()):
            return
        st.info(t("edit.read_only"), icon=":material/edit_off:")
        fields.hold(
            [
                *(f"{P}_{k}" for k in (*RECORD_FIELDS, *STAGE_FIELDS, "reason")),
                *(f"{P}_{k}" for k in editing.EVIDENCE_KEYS),
                *(f"{LOCATION}_{k}" for k in editing.LOCATION_KEYS),
            ]
        )
    created = st.session_state.get(f"{P}_created_id")
    if created is not None and editing.outcome(_outcome_key()).saved:
        routes.link("cluster", t("new.open"), id=str(created))
    st.subheader(t("new.location"), anchor=False)
    editing.location_tools(LOCATION, _area(), disabled=read_only)
    st.subheader(t("new.details"), anchor=False)
    details_form(read_only)


if __name__ == "__main__":
    render()

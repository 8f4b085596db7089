"""Sửa cụm / Edit a cluster: its stage, its attributes, its location (editors only).

The forms carry the version they were opened on. A save made on an older version is refused
by the store; the page then shows what the other person changed, keeps the planner's input,
and offers to re-apply it on the current version.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from clusters import i18n, registry, stages
from clusters.errors import NotFoundError, Problem, ValidationError
from clusters.model import BATCHES, CLUSTER_TYPES, INVESTOR_TYPES, WWTP_STATUSES, Cluster
from clusters.ui import auth, editing, routes, state, widgets
from clusters.ui.pages.cluster_page import choose_cluster, display_value

# The attributes the form edits, in the order shown; stage and location have their own forms.
# The stage's effective date, evidence and verification are not among them: only a stage
# change, with its evidence, sets them.
ATTRIBUTES = (
    "name",
    "aliases",
    "cluster_type",
    "area_ha",
    "industrial_land_ha",
    "leased_land_ha",
    "investor",
    "investor_type",
    "batch",
    "wwtp_status",
    "district_2019",
    "commune_2019",
    "commune_2025_code",
    "commune_2025_name",
    "sources",
    "as_of",
    "notes",
)
_LISTS = {"aliases", "sources"}
_NUMBERS = {"area_ha", "industrial_land_ha", "leased_land_ha"}
_CHOICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "cluster_type": ("cluster_type", CLUSTER_TYPES),
    "investor_type": ("investor_type", INVESTOR_TYPES),
    "batch": ("batch", BATCHES),
    "wwtp_status": ("wwtp", WWTP_STATUSES),
}
_LONG_TEXT = {"notes"}


def based_key(cid: int) -> str:
    return f"edit_{cid}_based_on"


def _attr_key(cid: int, name: str) -> str:
    return f"attr_{cid}_{name}"


def _original_key(cid: int) -> str:
    return f"attr_{cid}_original"


# -- values between the record and the widgets --------------------------------------------


def to_widget(name: str, value: Any) -> Any:
    if name in _LISTS:
        return "\n".join(value or [])
    if name in _NUMBERS or name in _CHOICES:
        return value
    return value or ""


def from_widget(name: str, value: Any) -> Any:
    if name in _LISTS:
        return [line.strip() for line in str(value or "").splitlines() if line.strip()]
    if name in _NUMBERS:
        return None if value is None else float(value)
    if name in _CHOICES:
        return value or None
    text = str(value or "").strip()
    if name == "name":
        return text
    return text or None


def load_attributes(c: Cluster) -> None:
    """Put the record's values in the attribute widgets and remember them as the baseline."""
    assert c.id is not None
    original = {name: from_widget(name, to_widget(name, getattr(c, name))) for name in ATTRIBUTES}
    st.session_state[_original_key(c.id)] = original
    for name in ATTRIBUTES:
        st.session_state[_attr_key(c.id, name)] = to_widget(name, getattr(c, name))


def typed_changes(cid: int) -> dict[str, Any]:
    """The attributes the planner changed, against the version the form was opened on."""
    original: dict[str, Any] = st.session_state[_original_key(cid)]
    changes = {}
    for name in ATTRIBUTES:
        value = from_widget(name, st.session_state.get(_attr_key(cid, name)))
        if value != original.get(name):
            changes[name] = value
    return changes


def open_cluster(c: Cluster) -> int:
    """The version the forms were opened on (set on first view of this cluster)."""
    assert c.id is not None
    key = based_key(c.id)
    if key not in st.session_state:
        st.session_state[key] = c.version
        load_attributes(c)
    return int(st.session_state[key])


# -- saving (widget callbacks) --------------------------------------------------------------


def _stage_prefix(cid: int) -> str:
    return f"stage_{cid}"


def _required(field: str, vi: str, en: str) -> ValidationError:
    return ValidationError([Problem("required", field, vi, en)])


def save_stage(cid: int) -> None:
    p = _stage_prefix(cid)

    saved_stage: list[str] = []

    def save(accept: bool) -> str:
        new_stage = st.session_state.get(f"{p}_new")
        if not new_stage:
            raise _required("stage", "Chọn giai đoạn mới.", "Choose the new stage.")
        saved = registry.change_stage(
            state.store(),
            cid,
            new_stage,
            auth.current_actor(),  # read again at the moment of writing
            based_on=st.session_state[based_key(cid)],
            effective_date=st.session_state.get(f"{p}_date"),
            evidence=editing.evidence_from(p),
            reason=(st.session_state.get(f"{p}_reason") or "").strip() or None,
            accept_warnings=accept,
        )
        st.session_state[based_key(cid)] = saved.cluster.version
        saved_stage.append(saved.cluster.stage)
        return state.t(
            "edit.stage_saved",
            stage=widgets.stage_label(saved.cluster.stage),
            version=saved.cluster.version,
        )

    def reset() -> None:
        editing.reset_widgets(
            p,
            {
                "new": None,
                "date": None,
                "reason": "",
                **editing.evidence_defaults(editing.suggested_doc_type(saved_stage[0])),
            },
        )

    editing.attempt(f"{p}_outcome", f"{p}_accept", save, reset)


def save_attributes(cid: int) -> None:
    p = f"attr_{cid}"

    saved_record: list[Cluster] = []

    def save(accept: bool) -> str:
        changes = typed_changes(cid)
        if not changes:
            raise _required("name", "Chưa có gì thay đổi.", "Nothing was changed.")
        saved = registry.update_cluster(
            state.store(),
            cid,
            changes,
            auth.current_actor(),
            based_on=st.session_state[based_key(cid)],
            reason=(st.session_state.get(f"{p}_why") or "").strip() or None,
            accept_warnings=accept,
        )
        st.session_state[based_key(cid)] = saved.cluster.version
        saved_record.append(saved.cluster)
        labels = ", ".join(editing.field_label(n) for n in changes)
        return state.t("edit.attributes_saved", fields=labels, version=saved.cluster.version)

    def reset() -> None:
        load_attributes(saved_record[0])
        st.session_state[f"{p}_why"] = ""

    editing.attempt(f"{p}_outcome", f"{p}_accept", save, reset)


def save_location(cid: int) -> None:
    p = f"loc_{cid}"

    def save(accept: bool) -> str:
        found = editing.chosen_location(p)
        if found is None:
            raise _required(
                "geometry",
                "Hãy kiểm tra vị trí mới trước khi lưu.",
                "Check the new location before saving.",
            )
        saved = registry.update_cluster(
            state.store(),
            cid,
            {
                "geometry": found.geometry,
                "location_precision": st.session_state.get(f"{p}_precision") or "surveyed",
            },
            auth.current_actor(),
            based_on=st.session_state[based_key(cid)],
            reason=found.source(state.lang()),
            accept_warnings=accept,
        )
        st.session_state[based_key(cid)] = saved.cluster.version
        return state.t("edit.location_saved", version=saved.cluster.version)

    editing.attempt(f"{p}_outcome", f"{p}_accept", save, lambda: editing.forget_location(p))


def reapply(cid: int) -> None:
    """Move the forms onto the current version, keeping what the planner typed."""
    current = state.store().get(cid)
    st.session_state[based_key(cid)] = current.version
    p = _stage_prefix(cid)
    allowed = (*stages.forward_moves(current.stage), *stages.correction_moves(current.stage))
    if st.session_state.get(f"{p}_new") not in allowed:
        st.session_state[f"{p}_new"] = None
    for key in (f"{p}_outcome", f"attr_{cid}_outcome", f"loc_{cid}_outcome"):
        result = editing.outcome(key)
        result.conflict = None
    st.session_state["_reapplied"] = True


# -- the page -------------------------------------------------------------------------------


def stage_form(c: Cluster) -> None:
    assert c.id is not None
    t = state.t
    lang = state.lang()
    p = _stage_prefix(c.id)
    st.markdown(
        t(
            "edit.current_stage",
            stage=widgets.md(widgets.stage_label(c.stage)),
            date=i18n.format_date(c.stage_effective_date, lang),
        )
    )
    if c.stage_evidence:
        st.caption(widgets.md(t("edit.current_evidence", evidence=c.stage_evidence)))
    forward = stages.forward_moves(c.stage)
    corrections = stages.correction_moves(c.stage)

    def label(code: str) -> str:
        name = widgets.stage_label(code)
        return t("edit.correction_option", stage=name) if code in corrections else name

    with st.form(p, border=True):
        st.selectbox(
            t("edit.new_stage"),
            [*forward, *corrections],
            format_func=label,
            index=None,
            key=f"{p}_new",
            placeholder=t("edit.choose_stage"),
            help=t("edit.new_stage_help"),
        )
        st.date_input(
            t("edit.effective_date"),
            value=None,
            key=f"{p}_date",
            format="DD/MM/YYYY",
            help=t("edit.effective_date_help"),
            min_value=editing.EARLIEST,
        )
        editing.evidence_inputs(p, editing.suggested_doc_type(c.stage))
        st.text_area(t("edit.stage_reason"), key=f"{p}_reason", help=t("edit.stage_reason_help"))
        editing.show_outcome(f"{p}_outcome", f"{p}_accept")
        st.form_submit_button(
            t("edit.save_stage"), on_click=save_stage, args=(c.id,), type="primary", key=f"{p}_save"
        )


def _attribute_widget(cid: int, name: str) -> None:
    t = state.t
    lang = state.lang()
    label = editing.field_label(name)
    key = _attr_key(cid, name)
    if name in _CHOICES:
        kind, codes = _CHOICES[name]
        current = st.session_state.get(key)
        options: list[str | None] = [None, *codes]
        if current not in options:
            options.append(current)
        st.selectbox(
            label,
            options,
            format_func=lambda c: i18n.value_label(kind, c, lang),
            key=key,
        )
    elif name in _NUMBERS:
        st.number_input(f"{label} (ha)", value=None, step=0.01, format="%.2f", key=key)
    elif name in _LISTS:
        st.text_area(label, key=key, help=t("edit.one_per_line"), height=90)
    elif name in _LONG_TEXT:
        st.text_area(label, key=key, height=90)
    elif name == "as_of":
        st.text_input(label, key=key, help=t("edit.as_of_help"), placeholder="2025-06")
    elif name in ("district_2019", "commune_2019"):
        st.text_input(label, key=key, help=t("edit.old_address_help"))
    else:
        st.text_input(label, key=key)


def attribute_form(c: Cluster) -> None:
    assert c.id is not None
    t = state.t
    lang = state.lang()
    p = f"attr_{c.id}"
    st.caption(
        t(
            "edit.occupancy_derived",
            value=i18n.percent(c.occupancy_pct, lang),
            label=editing.field_label("occupancy_pct"),
        )
    )
    with st.form(p, border=True):
        left, right = st.columns(2)
        for i, name in enumerate(ATTRIBUTES):
            with left if i % 2 == 0 else right:
                _attribute_widget(c.id, name)
        st.text_input(t("edit.why"), key=f"{p}_why", help=t("edit.why_help"))
        editing.show_outcome(f"{p}_outcome", f"{p}_accept")
        st.form_submit_button(
            t("edit.save_attributes"),
            on_click=save_attributes,
            args=(c.id,),
            type="primary",
            key=f"{p}_save",
        )


def location_form(c: Cluster) -> None:
    assert c.id is not None
    t = state.t
    lang = state.lang()
    p = f"loc_{c.id}"
    st.markdown(
        t(
            "edit.current_location",
            location=widgets.md(display_value("geometry", c.geometry)),
            precision=i18n.value_label("precision", c.location_precision, lang),
        )
    )
    found = editing.location_tools(p, c.area_ha)
    if found is not None:
        st.selectbox(
            editing.field_label("location_precision"),
            ["surveyed", "commune", "commune_from_name", "district"],
            format_func=lambda v: i18n.value_label("precision", v, lang),
            key=f"{p}_precision",
        )
    editing.show_outcome(f"{p}_outcome", f"{p}_accept")
    st.button(
        t("edit.save_location"),
        on_click=save_location,
        args=(c.id,),
        type="primary",
        disabled=found is None,
        key=f"{p}_save",
    )


def conflict_panel(c: Cluster, based_on: int) -> None:
    """Shown when the record moved on since the forms were opened."""
    assert c.id is not None
    conflict = next(
        (
            r.conflict
            for r in (
                editing.outcome(f"{_stage_prefix(c.id)}_outcome"),
                editing.outcome(f"attr_{c.id}_outcome"),
                editing.outcome(f"loc_{c.id}_outcome"),
            )
            if r.conflict is not None
        ),
        None,
    )
    if conflict is None and c.version == based_on:
        return
    if conflict is not None:
        widgets.show_error(conflict)
    else:
        st.warning(_changed_since(c, based_on), icon=":material/sync_problem:")
    mine = set(typed_changes(c.id))
    editing.conflict_details(state.store(), c.id, based_on, mine)
    st.button(
        state.t("edit.reapply"),
        on_click=reapply,
        args=(c.id,),
        icon=":material/sync:",
        key=f"edit_{c.id}_reapply",
        help=state.t("edit.reapply_help"),
    )


def _changed_since(c: Cluster, based_on: int) -> str:
    return state.t(
        "edit.changed_since",
        version=based_on,
        who=widgets.md(c.updated_by or "—"),
        when=i18n.format_datetime(c.updated_at, state.lang()),
    )


def render() -> None:
    t = state.t
    st.title(t("edit.title"), anchor=False)
    if auth.require_role("editor") is None:
        return
    store = state.store()
    cid = choose_cluster(state.clusters())
    if cid is None:
        return
    try:
        c = store.get(cid)
    except NotFoundError:
        st.warning(t("cluster.not_found", id=cid))
        return
    based_on = open_cluster(c)
    st.header(widgets.md(c.name), anchor=False)
    st.html(widgets.stage_chip(c.stage))
    st.caption(t("edit.opened_on", version=based_on, current=c.version))
    routes.link("cluster", t("edit.back"), ":material/arrow_back:", id=str(cid))
    if st.session_state.pop("_reapplied", False):
        st.info(t("edit.reapplied", version=based_on), icon=":material/sync:")
    conflict_panel(c, based_on)
    stage_tab, attr_tab, loc_tab = st.tabs(
        [t("edit.tab_stage"), t("edit.tab_attributes"), t("edit.tab_location")]
    )
    with stage_tab:
        stage_form(c)
    with attr_tab:
        attribute_form(c)
    with loc_tab:
        location_form(c)


if __name__ == "__main__":
    render()

"""Sửa cụm / Edit a cluster: its stage, its attributes, its location (editors only).

The forms carry the version they were opened on. A save made on an older version is refused
by the store; the page then shows what the other person changed, keeps the planner's input,
and offers to re-apply it on the current version. The attribute form is the model's
attribute fields (``model.FORM_FIELDS``), each drawn by ``fields.field_input``: what was
typed is read as the import reads a cell, an input that does not read is an error at that
input, and the summary before saving lists every change, a cleared value among them.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from clusters import i18n, registry, stages
from clusters.errors import NotFoundError, Problem, ValidationError
from clusters.model import FIELD_BY_NAME, FORM_FIELDS, LOCATION_PRECISIONS, Cluster
from clusters.ui import auth, editing, fields, routes, state, widgets
from clusters.ui.pages.cluster_page import choose_cluster

# The stage form's own inputs that a problem may name, shown under them.
_STAGE_INPUTS = ("stage", "stage_effective_date", "reason", *editing.EVIDENCE_INPUTS)


def based_key(cid: int) -> str:
    return f"edit_{cid}_based_on"


def _attr_prefix(cid: int) -> str:
    return f"attr_{cid}"


def _original_key(cid: int) -> str:
    return f"attr_{cid}_original"


def _stage_prefix(cid: int) -> str:
    return f"stage_{cid}"


# -- values between the record and the inputs ---------------------------------------------


def load_attributes(c: Cluster) -> None:
    """Put the record's values in the attribute inputs and remember them, as read back from
    the inputs, as the baseline the changes are measured against."""
    assert c.id is not None
    p = _attr_prefix(c.id)
    fields.set_inputs(p, {name: getattr(c, name) for name in FORM_FIELDS})
    original, _ = fields.read_inputs(p, FORM_FIELDS)
    st.session_state[_original_key(c.id)] = original


def typed(cid: int) -> tuple[dict[str, Any], list[Problem]]:
    """The attributes the planner changed, against the version the form was opened on, and
    the inputs that do not read as their field."""
    original: dict[str, Any] = st.session_state[_original_key(cid)]
    values, problems = fields.read_inputs(_attr_prefix(cid), FORM_FIELDS)
    changes = {n: v for n, v in values.items() if v != original.get(n)}
    return changes, problems


def typed_changes(cid: int) -> set[str]:
    """The attributes the planner touched: changed, or typed into and not yet readable."""
    changes, problems = typed(cid)
    return set(changes) | {p.field for p in problems if p.field}


def open_cluster(c: Cluster) -> int:
    """The version the forms were opened on (set on first view of this cluster)."""
    assert c.id is not None
    key = based_key(c.id)
    if key not in st.session_state:
        st.session_state[key] = c.version
        load_attributes(c)
    return int(st.session_state[key])


# -- saving (widget callbacks) --------------------------------------------------------------


def _required(field: str | None, vi: str, en: str) -> ValidationError:
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
    p = _attr_prefix(cid)
    st.session_state[f"{p}_rerun"] = True  # the whole page shows the outcome (a conflict …)

    saved_record: list[Cluster] = []

    def save(accept: bool) -> str:
        changes, problems = typed(cid)
        if problems:
            raise ValidationError(problems)
        if not changes:
            raise _required(None, "Chưa có gì thay đổi.", "Nothing was changed.")
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
        labels = ", ".join(fields.field_label(n) for n in changes)
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


def stage_form(c: Cluster, disabled: bool = False) -> None:
    assert c.id is not None
    t = state.t
    lang = state.lang()
    p = _stage_prefix(c.id)
    result = f"{p}_outcome"
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

    kept: dict[str, Any] = {"disabled": disabled, "persist_state": fields.PERSIST}
    with st.form(p, border=True, enter_to_submit=False):
        st.selectbox(
            t("edit.new_stage"),
            [*forward, *corrections],
            format_func=label,
            index=None,
            key=f"{p}_new",
            placeholder=t("edit.choose_stage"),
            help=t("edit.new_stage_help"),
            **kept,
        )
        editing.at_field(result, "stage")
        st.date_input(
            t("edit.effective_date"),
            value=None,
            key=f"{p}_date",
            format="DD/MM/YYYY",
            help=t("edit.effective_date_help"),
            min_value=fields.EARLIEST,
            **kept,
        )
        editing.at_field(result, "stage_effective_date")
        editing.evidence_inputs(
            p, editing.suggested_doc_type(c.stage), outcome_key=result, disabled=disabled
        )
        st.text_area(
            t("edit.stage_reason"), key=f"{p}_reason", help=t("edit.stage_reason_help"), **kept
        )
        editing.at_field(result, "reason")
        editing.show_outcome(result, f"{p}_accept", shown=_STAGE_INPUTS)
        st.form_submit_button(
            t("edit.save_stage"),
            on_click=save_stage,
            args=(c.id,),
            type="primary",
            key=f"{p}_save",
            disabled=disabled,
        )


@st.fragment
def attribute_form(c: Cluster, disabled: bool = False) -> None:
    """The attribute inputs, the summary before saving, the reason and the save button.

    A fragment: an input the planner leaves reruns only this part of the page (its error
    and the summary follow at once); a save reruns the whole page."""
    assert c.id is not None
    t = state.t
    lang = state.lang()
    p = _attr_prefix(c.id)
    result = f"{p}_outcome"
    if st.session_state.pop(f"{p}_rerun", False):
        st.rerun()
    st.caption(
        t(
            "edit.occupancy_derived",
            value=i18n.percent(c.occupancy_pct, lang),
            label=fields.field_label("occupancy_pct"),
        )
    )
    changes, unreadable = typed(c.id)
    at_input = {q.field: q for q in unreadable}
    left, right = st.columns(2)
    for i, name in enumerate(FORM_FIELDS):
        with left if i % 2 == 0 else right:
            fields.field_input(
                FIELD_BY_NAME[name],
                f"{p}_{name}",
                error=at_input.get(name) or editing.problem_at(result, name),
                disabled=disabled,
                on_change=editing.forget_problems,
                args=(result, name),
            )
    fields.change_summary(st.session_state[_original_key(c.id)], changes)
    st.text_input(
        t("edit.why"),
        key=f"{p}_why",
        help=t("edit.why_help"),
        disabled=disabled,
        persist_state=fields.PERSIST,
        on_change=editing.forget_problems,
        args=(result, "reason"),
    )
    editing.at_field(result, "reason")
    editing.show_outcome(result, f"{p}_accept", shown=(*FORM_FIELDS, "reason"))
    st.button(
        t("edit.save_attributes"),
        on_click=save_attributes,
        args=(c.id,),
        type="primary",
        key=f"{p}_save",
        disabled=disabled,
    )


def location_form(c: Cluster, disabled: bool = False) -> None:
    assert c.id is not None
    t = state.t
    p = f"loc_{c.id}"
    precision = FIELD_BY_NAME["location_precision"]
    st.markdown(
        t(
            "edit.current_location",
            location=widgets.md(fields.display_value("geometry", c.geometry)),
            precision=fields.display_value("location_precision", c.location_precision),
        )
    )
    found = editing.location_tools(p, c.area_ha, disabled=disabled)
    if found is not None:
        fields.field_input(
            precision, f"{p}_precision", options=LOCATION_PRECISIONS, disabled=disabled
        )
    editing.show_outcome(f"{p}_outcome", f"{p}_accept")
    st.button(
        t("edit.save_location"),
        on_click=save_location,
        args=(c.id,),
        type="primary",
        disabled=disabled or found is None,
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
        st.caption(state.t("edit.input_kept"))
    else:
        st.warning(_changed_since(c, based_on), icon=":material/sync_problem:")
    editing.conflict_details(state.store(), c.id, based_on, typed_changes(c.id))
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


def _input_keys(cid: int) -> list[str]:
    """The keys of every input of the three forms."""
    stage, attr, loc = _stage_prefix(cid), _attr_prefix(cid), f"loc_{cid}"
    return [
        *(f"{stage}_{k}" for k in ("new", "date", "reason", *editing.EVIDENCE_KEYS)),
        *(f"{attr}_{k}" for k in (*FORM_FIELDS, "why")),
        *(f"{loc}_{k}" for k in (*editing.LOCATION_KEYS, "precision")),
    ]


def _refused_here() -> int | None:
    """The cluster whose save this tab was just refused for want of the role (to keep
    showing what was typed in its forms)."""
    cid = routes.query().cluster_id
    if cid is None or based_key(cid) not in st.session_state:
        return None
    prefixes = (_stage_prefix(cid), _attr_prefix(cid), f"loc_{cid}")
    refused = any(editing.refused(f"{p}_outcome") for p in prefixes)
    return cid if refused else None


def render() -> None:
    t = state.t
    st.title(t("edit.title"), anchor=False)
    read_only = auth.require_role("editor") is None
    if read_only:
        # A save refused because the sign-in ended (or the role changed): the forms stay,
        # read only, with everything typed in them.
        cid = _refused_here()
        if cid is None:
            return
        st.info(t("edit.read_only"), icon=":material/edit_off:")
        fields.hold(_input_keys(cid))
    else:
        cid = choose_cluster(state.clusters())
    if cid is None:
        return
    try:
        c = state.store().get(cid)
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
    if not read_only:
        conflict_panel(c, based_on)
    stage_tab, attr_tab, loc_tab = st.tabs(
        [t("edit.tab_stage"), t("edit.tab_attributes"), t("edit.tab_location")]
    )
    with stage_tab:
        stage_form(c, read_only)
    with attr_tab:
        attribute_form(c, read_only)
    with loc_tab:
        location_form(c, read_only)


if __name__ == "__main__":
    render()

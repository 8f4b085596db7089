"""Quản trị / Administration: accounts and the officially reported figures (admins only).

Every change goes through ``clusters.accounts`` or ``clusters.registry``, which check the
admin role again at the moment of writing. Passwords typed here are cleared from the session
when the form is submitted and are never shown or logged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from clusters import accounts, figures, i18n, mapping, registry
from clusters.errors import ClusterError
from clusters.io.readers import read_vector
from clusters.model import ReferenceLayerRecord, ReportedFigure
from clusters.roles import ROLE_LABELS, ROLES
from clusters.ui import auth, editing, state

ADD = "admin_add"
CHANGE = "admin_change"
FIGURE = "admin_figure"
LAYER = "admin_layer"
REMOVE_LAYER = "admin_remove_layer"


def _role(code: str) -> str:
    return ROLE_LABELS[code][1 if state.lang() == "en" else 0]


def _role_box(key: str) -> None:
    st.selectbox(
        editing.field_label("role"),
        ROLES,
        format_func=_role,
        placeholder=state.t("edit.choose"),
        key=key,
    )


def _take_text(key: str) -> str:
    """A password box's text, emptied in the session (and on screen) at once."""
    value = str(st.session_state.get(key) or "")
    st.session_state[key] = ""
    return value


def add_account() -> None:
    password = _take_text(f"{ADD}_password")
    repeat = _take_text(f"{ADD}_password2")

    def save(_accept: bool) -> str:
        no_password = bool(st.session_state.get(f"{ADD}_no_password"))
        if not no_password and password != repeat:
            raise ClusterError(
                "Hai lần nhập mật khẩu không khớp.",
                "The passwords do not match.",
                field="password",
            )
        added = accounts.add_account(
            auth.account_store_(),
            auth.current_actor(),
            str(st.session_state.get(f"{ADD}_name") or ""),
            str(st.session_state.get(f"{ADD}_role") or "viewer"),
            password=None if no_password else password,
            email=st.session_state.get(f"{ADD}_email") or None,
        )
        return state.t("admin.added", name=added.name)

    def reset() -> None:
        editing.reset_widgets(
            ADD, {"name": "", "role": "viewer", "email": "", "no_password": False}
        )

    editing.attempt(f"{ADD}_outcome", f"{ADD}_accept", save, reset)


def change_account() -> None:
    password = _take_text(f"{CHANGE}_password")

    def save(_accept: bool) -> str:
        store = auth.account_store_()
        actor = auth.current_actor()
        name = st.session_state.get(f"{CHANGE}_account")
        account = store.get(str(name)) if name else None
        if account is None:
            raise ClusterError("Chọn một tài khoản.", "Choose an account.", field="name")
        changed = False
        role = st.session_state.get(f"{CHANGE}_role") or account.role
        if role != account.role:
            accounts.set_role(store, actor, account.name, role)
            changed = True
        enabled = bool(st.session_state.get(f"{CHANGE}_enabled"))
        if enabled == account.disabled:
            accounts.set_disabled(store, actor, account.name, not enabled)
            changed = True
        if password:
            accounts.set_password(store, actor, account.name, password)
            changed = True
        if not changed:
            raise ClusterError("Không có gì thay đổi.", "Nothing changed.")
        return state.t("admin.changed", name=account.name)

    editing.attempt(f"{CHANGE}_outcome", f"{CHANGE}_accept", save, lambda: None)


def _load_change_widgets() -> None:
    """When another account is picked, show its current role and status."""
    name = st.session_state.get(f"{CHANGE}_account")
    account = auth.account_store_().get(str(name)) if name else None
    if account is not None:
        st.session_state[f"{CHANGE}_role"] = account.role
        st.session_state[f"{CHANGE}_enabled"] = not account.disabled


def add_figure() -> None:
    def save(_accept: bool) -> str:
        as_of: date | None = st.session_state.get(f"{FIGURE}_as_of")
        if as_of is None:
            raise ClusterError("Thiếu ngày báo cáo.", "The report date is required.")
        figure = ReportedFigure(
            as_of=as_of,
            category=str(st.session_state.get(f"{FIGURE}_category") or ""),
            count=st.session_state.get(f"{FIGURE}_count"),
            area_ha=st.session_state.get(f"{FIGURE}_area"),
            source=str(st.session_state.get(f"{FIGURE}_source") or "").strip(),
            note=str(st.session_state.get(f"{FIGURE}_note") or "").strip() or None,
        )
        registry.add_reported_figure(state.store(), figure, auth.current_actor())
        return state.t("admin.figure_added")

    def reset() -> None:
        editing.reset_widgets(
            FIGURE,
            {
                "as_of": None,
                "category": figures.CATEGORIES[0].code,
                "count": None,
                "area": None,
                "source": "",
                "note": "",
            },
        )

    editing.attempt(f"{FIGURE}_outcome", f"{FIGURE}_accept", save, reset)


def _section(title: str, hint: str) -> tuple[Callable[..., str], str]:
    """A section's heading and what it is for; the page's ``t`` and language."""
    st.subheader(state.t(title), anchor=False)
    st.caption(state.t(hint))
    return state.t, state.lang()


def _refused(key: str, field: str) -> ClusterError:
    return ClusterError(i18n.t(key, "vi"), i18n.t(key, "en"), field=field)


def _layer_file_key() -> str:
    """The uploader's key: a new one after each upload empties it (Streamlit does not let a
    page set an uploader's value)."""
    return f"{LAYER}_file_{st.session_state.get(f'{LAYER}_uploads', 0)}"


def add_layer() -> None:
    def save(_accept: bool) -> str:
        upload = st.session_state.get(_layer_file_key())
        if upload is None:
            raise _refused("admin.layer_no_file", "file")
        frame = read_vector(upload.getvalue(), upload.name)
        layer = ReferenceLayerRecord(
            name=str(st.session_state.get(f"{LAYER}_name") or ""),
            source=str(st.session_state.get(f"{LAYER}_source") or ""),
            features=mapping.labelled_features(frame),
            file_name=upload.name,
        )
        added = registry.add_reference_layer(state.store(), layer, auth.current_actor())
        return state.t("admin.layer_added", name=added.name, count=len(added.features))

    def reset() -> None:
        editing.reset_widgets(LAYER, {"name": "", "source": ""})
        st.session_state[f"{LAYER}_uploads"] = st.session_state.get(f"{LAYER}_uploads", 0) + 1

    editing.attempt(f"{LAYER}_outcome", f"{LAYER}_accept", save, reset)


def remove_layer() -> None:
    def save(_accept: bool) -> str:
        layer_id = st.session_state.get(f"{REMOVE_LAYER}_id")
        if layer_id is None:
            raise _refused("admin.choose_layer", "layer")
        removed = registry.remove_reference_layer(
            state.store(), int(layer_id), auth.current_actor()
        )
        return state.t("admin.layer_removed", name=removed.name)

    def reset() -> None:
        st.session_state[f"{REMOVE_LAYER}_id"] = None

    editing.attempt(f"{REMOVE_LAYER}_outcome", f"{REMOVE_LAYER}_accept", save, reset)


def layers_section() -> None:
    t, lang = _section("admin.layers", "admin.layers_hint")
    found = state.store().reference_layers()
    if found:
        st.dataframe(
            pd.DataFrame(
                {
                    t("admin.layer_name"): [layer.name for layer in found],
                    t("admin.layer_source"): [layer.source for layer in found],
                    t("admin.col_features"): [len(layer.features) for layer in found],
                    t("admin.col_file"): [layer.file_name or "" for layer in found],
                    t("admin.col_uploaded"): [
                        f"{layer.uploaded_by} · "
                        + (
                            i18n.format_datetime(layer.uploaded_at, lang)
                            if layer.uploaded_at
                            else ""
                        )
                        for layer in found
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption(t("admin.no_layers"))
    left, right = st.columns(2)
    with left, st.form(LAYER, border=True, enter_to_submit=False):
        st.markdown(f"**{t('admin.add_layer')}**")
        st.file_uploader(
            t("admin.layer_file"),
            type=["geojson", "json", "gpkg", "kml", "kmz", "zip"],
            key=_layer_file_key(),
        )
        st.text_input(
            t("admin.layer_name"),
            key=f"{LAYER}_name",
            placeholder=t("admin.layer_name_placeholder"),
        )
        st.text_input(
            t("admin.layer_source"),
            key=f"{LAYER}_source",
            placeholder=t("admin.layer_source_placeholder"),
        )
        editing.show_outcome(f"{LAYER}_outcome")
        st.form_submit_button(t("admin.add_layer"), on_click=add_layer, key=f"{LAYER}_save")
    with right, st.form(REMOVE_LAYER, border=True, enter_to_submit=False):
        st.markdown(f"**{t('admin.remove_layer')}**")
        names = {layer.id: layer.name for layer in found}
        st.selectbox(
            t("admin.layer_name"),
            list(names),
            index=None,
            format_func=lambda i: names.get(i, str(i)),
            placeholder=t("edit.choose"),
            key=f"{REMOVE_LAYER}_id",
        )
        editing.show_outcome(f"{REMOVE_LAYER}_outcome")
        st.form_submit_button(
            t("admin.remove_layer"),
            on_click=remove_layer,
            key=f"{REMOVE_LAYER}_save",
            disabled=not found,
        )


def accounts_section() -> None:
    t = state.t
    lang = state.lang()
    store = auth.account_store_()
    found = store.list_accounts()
    st.subheader(t("admin.accounts"), anchor=False)
    st.dataframe(
        pd.DataFrame(
            {
                t("auth.name"): [a.name for a in found],
                editing.field_label("role"): [_role(a.role) for a in found],
                editing.field_label("email"): [a.email or "" for a in found],
                t("admin.col_status"): [
                    t("admin.disabled" if a.disabled else "admin.active") for a in found
                ],
                t("admin.col_signin"): [
                    " + ".join(
                        m for m, ok in (("password", a.has_password), ("OIDC", bool(a.email))) if ok
                    )
                    for a in found
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    left, right = st.columns(2)
    with left, st.form(ADD, clear_on_submit=False, border=True, enter_to_submit=False):
        st.markdown(f"**{t('admin.add')}**")
        st.text_input(t("auth.name"), key=f"{ADD}_name")
        _role_box(f"{ADD}_role")
        st.text_input(editing.field_label("email"), key=f"{ADD}_email")
        st.text_input(
            t("auth.password"), type="password", key=f"{ADD}_password", autocomplete="new-password"
        )
        st.text_input(
            t("admin.password2"),
            type="password",
            key=f"{ADD}_password2",
            autocomplete="new-password",
        )
        st.checkbox(t("admin.no_password"), key=f"{ADD}_no_password")
        editing.show_outcome(f"{ADD}_outcome")
        st.form_submit_button(t("admin.add"), on_click=add_account, key=f"{ADD}_save")
    with right:
        st.markdown(f"**{t('admin.change')}**")
        st.selectbox(
            t("admin.account"),
            [a.name for a in found],
            index=None,
            placeholder=t("admin.choose_account"),
            key=f"{CHANGE}_account",
            on_change=_load_change_widgets,
        )
        with st.form(CHANGE, border=True, enter_to_submit=False):
            _role_box(f"{CHANGE}_role")
            st.session_state.setdefault(f"{CHANGE}_enabled", True)
            st.checkbox(t("admin.enabled"), key=f"{CHANGE}_enabled")
            st.text_input(
                t("admin.new_password"),
                type="password",
                key=f"{CHANGE}_password",
                autocomplete="new-password",
            )
            editing.show_outcome(f"{CHANGE}_outcome")
            st.form_submit_button(t("admin.apply"), on_click=change_account, key=f"{CHANGE}_save")
    st.markdown(f"**{t('admin.events')}**")
    trail = store.events(limit=100)
    st.dataframe(
        pd.DataFrame(
            {
                t("cluster.col_when"): [i18n.format_datetime(e.at, lang) for e in trail],
                t("cluster.col_who"): [e.actor for e in trail],
                t("admin.account"): [e.account for e in trail],
                t("admin.col_action"): [e.action for e in trail],
                t("admin.col_detail"): [e.detail or "" for e in trail],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def figures_section() -> None:
    t, lang = _section("admin.figures", "admin.figures_hint")
    found = state.store().reported_figures()
    labels = {c.code: c.label(lang) for c in figures.CATEGORIES}
    st.dataframe(
        pd.DataFrame(
            {
                t("overview.col_date"): [i18n.format_date(f.as_of, lang) for f in found],
                t("overview.col_category"): [labels.get(f.category, f.category) for f in found],
                t("overview.col_count"): [f.count for f in found],
                t("overview.col_area"): [f.area_ha for f in found],
                editing.field_label("source"): [f.source for f in found],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    with st.form(FIGURE, border=True, enter_to_submit=False):
        st.markdown(f"**{t('admin.add_figure')}**")
        left, right = st.columns(2)
        left.selectbox(
            editing.field_label("category"),
            list(labels),
            format_func=labels.__getitem__,
            placeholder=t("edit.choose"),
            key=f"{FIGURE}_category",
        )
        right.date_input(
            t("overview.col_date"),
            value=None,
            key=f"{FIGURE}_as_of",
            format="DD/MM/YYYY",
            min_value=editing.EARLIEST,
        )
        left.number_input(
            editing.field_label("count"), value=None, step=1, min_value=0, key=f"{FIGURE}_count"
        )
        right.number_input(
            t("overview.col_area"), value=None, step=1.0, min_value=0.0, key=f"{FIGURE}_area"
        )
        st.text_input(editing.field_label("source"), key=f"{FIGURE}_source")
        st.text_input(t("cluster.col_note"), key=f"{FIGURE}_note")
        editing.show_outcome(f"{FIGURE}_outcome")
        st.form_submit_button(t("admin.add_figure"), on_click=add_figure, key=f"{FIGURE}_save")


def render() -> None:
    st.title(state.t("admin.title"), anchor=False)
    if auth.require_role("admin") is None:
        return
    accounts_section()
    st.divider()
    figures_section()
    st.divider()
    layers_section()


if __name__ == "__main__":
    render()

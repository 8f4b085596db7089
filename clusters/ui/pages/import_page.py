"""Nhập dữ liệu / Import: a file in, a dry run with every problem, then one atomic commit.

Administrators only (the importer checks the role again when it writes). The steps read
top to bottom: the file and its coordinate system, the column mapping, the dry run (counts,
the problem report by row and field, a preview map, the make_valid offer), the commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from clusters import i18n, mapping, paths, registry
from clusters.errors import ClusterError
from clusters.importer import NEW, REJECTED, UNCHANGED, UPDATE, ImportPlan, commit, plan
from clusters.io import columns
from clusters.io.crs import CRS_CHOICES, crs_label
from clusters.io.readers import ACCEPTED_SUFFIXES, coordinate_columns, load
from clusters.io.table import RawTable
from clusters.model import Cluster
from clusters.roles import Actor
from clusters.ui import auth, state, widgets

P = "import"
PLAN_KEY = f"{P}_plan"
DONE_KEY = f"{P}_done"
PREVIEW_HEIGHT = 420


def _table(data: bytes, name: str) -> RawTable:
    """The file's rows, read once per upload."""
    digest = hashlib.sha256(data).hexdigest()
    cached = st.session_state.get(f"{P}_table")
    if cached and cached[0] == (digest, name):
        table: RawTable = cached[1]
        return table
    table = load(data, name)
    st.session_state[f"{P}_table"] = ((digest, name), table)
    return table


def _target_label(target: str) -> str:
    return f"{columns.target_label(target, state.lang())} ({target})"


def mapping_editor(table: RawTable, book: columns.MappingBook, file_key: str) -> dict[str, str]:
    """One choice per field; automatic (or saved) matches first."""
    t = state.t
    suggested = columns.mapping_for(table.headers, book)
    options: list[str | None] = [None, *table.headers]
    chosen: dict[str, str] = {}
    missing_coordinates = table.is_table and coordinate_columns(suggested) is None
    with st.expander(t("import.mapping"), expanded=missing_coordinates):
        st.caption(t("import.mapping_hint"))
        cols = st.columns(3)
        for n, target in enumerate(columns.TARGETS):
            header = cols[n % 3].selectbox(
                _target_label(target),
                options,
                index=options.index(suggested[target]) if target in suggested else 0,
                format_func=lambda h: t("import.not_used") if h is None else str(h),
                placeholder=t("edit.choose"),
                key=f"{P}_map_{file_key}_{target}",
            )
            if header is not None:
                chosen[target] = header
    return chosen


def counts(p: ImportPlan) -> None:
    t = state.t
    c = p.counts()
    cols = st.columns(4)
    cols[0].metric(t("import.new"), c[NEW])
    cols[1].metric(t("import.updated"), c[UPDATE])
    cols[2].metric(t("import.unchanged"), c[UNCHANGED])
    cols[3].metric(t("import.rejected"), c[REJECTED])
    st.caption(t("import.crs_used", crs=widgets.md(crs_label(p.crs))))
    if p.unmapped:
        st.caption(t("import.unmapped", columns=widgets.md(", ".join(p.unmapped))))


def problem_report(p: ImportPlan) -> None:
    t = state.t
    en = state.lang() == "en"
    issues = p.issues()
    st.subheader(t("import.problems"), anchor=False)
    if not issues:
        st.success(t("import.no_problems"), icon=":material/check_circle:")
        return
    frame = pd.DataFrame(
        [
            {
                "row": (i.row_en if en else i.row) or t("import.whole_file"),
                "field": _field(i.field),
                "level": t(f"import.level_{i.severity}"),
                "message": i.en if en else i.vi,
            }
            for i in issues
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        use_container_width=True,
        column_config={
            "row": t("import.col_row"),
            "field": t("import.col_field"),
            "level": t("import.col_level"),
            "message": st.column_config.TextColumn(t("import.col_message"), width="large"),
        },
    )


def _field(name: str | None) -> str:
    if name is None:
        return "—"
    if name in columns.TARGET_TITLES:
        return columns.target_label(name, state.lang())
    return name


def preview(p: ImportPlan) -> None:
    """New and changed clusters on the map, as they would be after the import."""
    # Invalid boundaries cannot be drawn (simplifying them fails): the report lists them.
    shown: Sequence[Cluster] = [
        r.cluster
        for r in p.rows
        if r.action in (NEW, UPDATE)
        and r.cluster is not None
        and r.cluster.geometry is not None
        and r.cluster.geometry.is_valid
    ]
    st.subheader(state.t("import.preview"), anchor=False)
    if not shown:
        st.caption(state.t("import.preview_empty"))
        return
    # Carried inside its map, the preview draws at most PREVIEW_MAX clusters (a file of
    # 100,000 would make a page of many megabytes); the report lists every row.
    most = mapping.PREVIEW_MAX
    if len(shown) > most:
        lang = state.lang()
        st.caption(
            state.t(
                "import.preview_first",
                shown=i18n.number(most, lang),
                total=i18n.number(len(shown), lang),
            )
        )
        shown = shown[:most]
    # New clusters have no id yet: the preview numbers them (its map returns no click).
    data = mapping.cluster_data([c.replace(id=i) for i, c in enumerate(shown, 1)], state.lang())
    bounds = mapping.bounds_of(shown)
    # The browser frames them at the map's real size (request 1: once per preview map).
    fit = mapping.Fit(bounds, 1) if bounds else None
    st_folium(
        mapping.add_clusters(
            mapping.base_map(mapping.basemap_from_env()),
            data,
            state.lang(),
            canvas=mapping.use_canvas(len(data.ids)),
        ),
        returned_objects=[],
        feature_group_to_add=mapping.filter_layer(data, None, fit),
        height=PREVIEW_HEIGHT,
        use_container_width=True,
        key=f"{P}_preview_map",
    )


def _dry_run(
    table: RawTable, name: str, actor: Actor, crs: str | None, chosen: dict[str, str], fix: bool
) -> ImportPlan:
    key = (id(table), name, crs, tuple(sorted(chosen.items())), fix, state.revision())
    cached: dict[tuple[object, ...], ImportPlan] = st.session_state.setdefault(PLAN_KEY, {})
    if key in cached:
        return cached[key]
    bar = st.progress(0.0, text=state.t("import.checking"))
    result = plan(
        state.store(),
        table,
        name,
        actor,
        crs=crs,
        mapping=chosen,
        make_valid=fix,
        progress=lambda f, m: bar.progress(min(f, 1.0), text=state.t("import.checking") + f" {m}"),
    )
    bar.empty()
    if len(cached) >= 4:
        cached.clear()
    cached[key] = result
    return result


def commit_step(p: ImportPlan, actor: Actor, book: columns.MappingBook) -> None:
    t = state.t
    todo = len(p.changed())
    if p.has_errors:
        st.error(t("import.blocked"), icon=":material/block:")
        return
    if not todo:
        st.info(t("import.nothing"), icon=":material/info:")
        return
    accepted = True
    if p.has_warnings:
        accepted = st.checkbox(t("import.accept"), key=f"{P}_accept")
    if st.button(
        t("import.commit", count=todo), type="primary", disabled=not accepted, key=f"{P}_commit"
    ):
        bar = st.progress(0.0, text=t("import.writing"))
        result = commit(
            state.store(),
            p,
            actor,
            accept_warnings=accepted,
            book=book,
            progress=lambda f, _m: bar.progress(min(f, 1.0), text=t("import.writing")),
        )
        bar.empty()
        state.invalidate()
        st.session_state.pop(PLAN_KEY, None)
        st.session_state[DONE_KEY] = t(
            "import.done",
            new=len(result.created),
            updated=len(result.updated),
            unchanged=result.unchanged,
            file=widgets.md(result.source),
        )
        st.rerun()


def render() -> None:
    t = state.t
    st.title(t("import.title"), anchor=False)
    actor = auth.require_role("admin")
    if actor is None:
        return
    done = st.session_state.pop(DONE_KEY, None)
    if done:
        st.success(done, icon=":material/check_circle:")
    st.markdown(t("import.intro"))
    upload = st.file_uploader(
        t("import.file"), type=[s.lstrip(".") for s in ACCEPTED_SUFFIXES], key=f"{P}_file"
    )
    crs = st.selectbox(
        t("import.crs"),
        [None, *CRS_CHOICES],
        format_func=lambda c: t("import.crs_from_file") if c is None else f"{c} — {CRS_CHOICES[c]}",
        placeholder=t("edit.choose"),
        key=f"{P}_crs",
        help=t("import.crs_help"),
    )
    if upload is None:
        return
    data, name = upload.getvalue(), upload.name
    book = registry.column_mappings(state.store(), actor, legacy=paths.legacy_mappings_file())
    try:
        table = _table(data, name)
        file_key = hashlib.sha256(data).hexdigest()[:12]
        chosen = mapping_editor(table, book, file_key)
        first = _dry_run(table, name, actor, crs, chosen, fix=False)
        fix = False
        if first.repairable:
            fix = st.checkbox(
                t("import.make_valid", count=first.repairable),
                key=f"{P}_fix_{file_key}",
                help=t("import.make_valid_help"),
            )
        current = _dry_run(table, name, actor, crs, chosen, fix) if fix else first
        st.subheader(t("import.dry_run"), anchor=False)
        counts(current)
        problem_report(current)
        preview(current)
        commit_step(current, actor, book)
    except ClusterError as exc:
        widgets.show_error(exc)


if __name__ == "__main__":
    render()

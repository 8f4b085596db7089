"""Báo cáo định kỳ / Periodic reports: Biểu 04 for the city or Biểu 03 for a commune, as the
registry stood at a period's cut-off, shown and offered as the Excel workbook the command line
writes (``clusters report``); and a cluster's Biểu 02, pre-filled for its investor, whose
returned file is taken in through a dry run (problems by cell) before an editor commits it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from clusters import clock, i18n, reports, snapshot
from clusters.errors import ClusterError
from clusters.reports import bieu02
from clusters.reports.compute import Report, at_cutoff
from clusters.reports.periods import Period, latest_periods
from clusters.reports.workbook import note
from clusters.store import database_url
from clusters.ui import auth, editing, state, widgets

FORMS = ("bieu04", "bieu03", "bieu02")
UPLOAD = "reports_bieu02_file"
COMMITTED = "reports_bieu02_outcome"


@st.cache_data(show_spinner=False, max_entries=4)
def _periods(url: str, rev: state.Revision, today: date) -> list[Period]:
    """The periods whose cut-off has passed and whose cut-off day the registry existed on."""
    start = snapshot.registry_start(state.store())
    first = clock.hanoi_date(start) if start else None
    return [p for p in latest_periods(today) if first is not None and p.cutoff >= first]


@st.cache_data(show_spinner=False, max_entries=16)
def _communes(url: str, rev: state.Revision, period: Period) -> dict[str, str]:
    return at_cutoff(state.store(), period).communes()


@st.cache_data(show_spinner=False, max_entries=16)
def _made(
    url: str, rev: state.Revision, period: Period, form: str, commune: str | None, today: date
) -> reports.Made:
    return reports.make(state.store(), period, form, commune)


def _rows(report: Report, lang: str) -> pd.DataFrame:
    t = state.t
    return pd.DataFrame(
        [
            {
                t("reports.col_number"): row.number,
                t("reports.col_heading"): row.en if lang == "en" and row.en else row.heading,
                t("reports.col_unit"): row.unit,
                t("reports.col_value"): report.values[row.number].value,
                t("reports.col_note"): note(report, row).text(lang),
            }
            for row in report.form.rows()
        ]
    )


def _cluster_choice(right: DeltaGenerator) -> int | None:
    names = {c.id: f"{c.name} (#{c.id})" for c in state.clusters() if c.id is not None}
    return right.selectbox(
        state.t("reports.cluster"),
        list(names),
        index=None,
        format_func=lambda i: names.get(i, str(i)),
        placeholder=state.t("edit.choose"),
        key="reports_cluster",
    )


def _choose() -> tuple[Period, str, str | None] | None:
    t = state.t
    lang = state.lang()
    periods = _periods(database_url(), state.revision(), clock.today())
    if not periods:
        return None
    left, middle, right = st.columns([2, 3, 2])
    form = left.radio(
        t("reports.form"), FORMS, format_func=lambda f: t(f"reports.{f}"), key="reports_form"
    )
    period = middle.selectbox(
        t("reports.period"), periods, format_func=lambda p: p.title(lang), key="reports_period"
    )
    if period is None:
        return None
    if form == "bieu02":
        cluster_id = _cluster_choice(right)
        return (period, form, str(cluster_id)) if cluster_id is not None else None
    if form != "bieu03":
        return period, form, None
    communes = _communes(database_url(), state.revision(), period)
    if not communes:
        raise ClusterError(
            "Tại ngày chốt số liệu chưa có cụm nào ghi mã xã/phường 2025.",
            "At the cut-off no cluster has a 2025 commune code.",
        )
    code = right.selectbox(
        t("reports.commune"),
        list(communes),
        format_func=lambda c: f"{communes[c]} ({c})",
        key="reports_commune",
    )
    return (period, form, code) if code else None


def render() -> None:
    t = state.t
    lang = state.lang()
    st.title(t("reports.title"), anchor=False)
    st.caption(t("reports.intro"))
    try:
        chosen = _choose()
        if chosen is None:
            st.info(t("reports.no_period"))
            return
        period, form, commune = chosen
        if form == "bieu02":
            _bieu02(period, int(commune or 0))
            return
        made = _made(database_url(), state.revision(), period, form, commune, clock.today())
    except ClusterError as exc:
        widgets.show_error(exc)
        return
    r = made.report
    st.download_button(
        t("reports.download"),
        data=made.content,
        file_name=made.file_name,
        mime=reports.MEDIA_TYPE,
        key="reports_download",
        on_click="ignore",
        icon=":material/download:",
        type="primary",
    )
    st.markdown(
        widgets.md(
            t(
                "reports.summary",
                date=i18n.format_date(period.cutoff, lang),
                count=len(r.facts),
                incomplete=sum(1 for v in r.values.values() if not v.complete),
                missing=len(r.missing),
                flags=len(made.flags),
            )
        )
    )
    st.dataframe(_rows(r, lang), hide_index=True, width="stretch")
    if made.flags:
        with st.expander(t("reports.flags"), icon=":material/warning:"):
            for f in made.flags:
                who = f"{f.cluster.name} ({f.cluster.id}) — " if f.cluster else ""
                st.markdown(f"- {widgets.md(who + f.text.text(lang))}")
    with st.expander(t("reports.rules"), icon=":material/rule:"):
        for rows, text in r.policy.statements():
            st.markdown(f"- **{widgets.md(rows)}**: {widgets.md(text.text(lang))}")


def _bieu02(period: Period, cluster_id: int) -> None:
    """The cluster's pre-filled Biểu 02 to send, and the returned file taken in."""
    t = state.t
    made = bieu02.export(state.store(), cluster_id, period, clock.today())
    st.caption(t("reports.bieu02_intro"))
    st.download_button(
        t("reports.bieu02_download"),
        data=made.content,
        file_name=made.file_name,
        mime=reports.MEDIA_TYPE,
        key="reports_download",
        on_click="ignore",
        icon=":material/download:",
        type="primary",
    )
    st.subheader(t("reports.bieu02_import"), anchor=False)
    upload = st.file_uploader(t("reports.bieu02_file"), type=["xlsx"], key=UPLOAD)
    done = editing.outcome(COMMITTED)
    if upload is None:
        editing.show_outcome(COMMITTED)
        return
    content = upload.getvalue()
    found = bieu02.read(state.store(), content, upload.name, period=period.code)
    _dry_run(found)
    if found.clean and auth.can("editor"):
        st.button(
            t("reports.bieu02_commit"),
            key="reports_bieu02_commit",
            type="primary",
            on_click=editing.attempt,
            args=(
                COMMITTED,
                f"{COMMITTED}_accept",
                _committer(content, upload.name, period.code, bieu02.seen_version(found)),
                lambda: None,
            ),
        )
    elif found.clean:
        st.info(t("reports.bieu02_editors"))
    if done.saved or done.error or done.problems:
        editing.show_outcome(COMMITTED)


def _committer(content: bytes, name: str, period: str, seen: int) -> Callable[[bool], str]:
    """The commit of the upload the dry run showed (read again: nothing else is written)."""

    def commit(_accept: bool) -> str:
        found = bieu02.read(state.store(), content, name, period=period)
        saved = bieu02.commit(state.store(), found, auth.current_actor(), based_on=seen)
        return state.t("reports.bieu02_saved", name=widgets.md(name), version=saved.version)

    return commit


def _dry_run(found: bieu02.Bieu02Import) -> None:
    """The problems by cell, or what would be stored."""
    t = state.t
    lang = state.lang()
    if found.problems:
        st.error(t("reports.bieu02_problems", count=len(found.problems)), icon=":material/error:")
        st.dataframe(
            pd.DataFrame(
                {
                    t("reports.col_cell"): [p.cell or "—" for p in found.problems],
                    t("reports.col_problem"): [p.message.text(lang) for p in found.problems],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        return
    assert found.cluster is not None and found.period is not None
    st.success(
        widgets.md(
            t("reports.bieu02_clean", cluster=found.cluster.name, period=found.period.title(lang))
        ),
        icon=":material/check_circle:",
    )
    st.dataframe(
        pd.DataFrame(
            {
                t("reports.col_number"): [f.row for f, _, _ in found.changes()],
                t("reports.col_heading"): [f.title.text(lang) for f, _, _ in found.changes()],
                t("reports.col_stored"): [_shown(old) for _, old, _ in found.changes()],
                t("reports.col_file"): [_shown(new) for _, _, new in found.changes()],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def _shown(value: object) -> str:
    if value is None:
        return "—"
    return (
        i18n.number(float(value), state.lang(), decimals=3)
        if isinstance(value, float)
        else str(value)
    )


if __name__ == "__main__":
    render()

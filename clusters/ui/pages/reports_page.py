"""Báo cáo định kỳ / Periodic reports: Biểu 04 for the city or Biểu 03 for a commune, as the
registry stood at a period's cut-off, shown and offered as the Excel workbook the command line
writes (``clusters report``)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from clusters import clock, i18n, reports, snapshot
from clusters.errors import ClusterError
from clusters.reports.compute import Report, at_cutoff
from clusters.reports.periods import Period, latest_periods
from clusters.reports.workbook import note
from clusters.store import database_url
from clusters.ui import state, widgets

FORMS = ("bieu04", "bieu03")


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


if __name__ == "__main__":
    render()

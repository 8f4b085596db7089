"""Writes by the wrong person, through every door: each one refused, logged, and nothing
written.

Direct calls: every operation of ``registry``, ``accounts`` and the importer that takes an
actor (a test fails when a new one is not in ``OPERATIONS``) is tried by everyone who lacks
its role: nobody, an actor with no role, a viewer, and — resolved as every session's write
resolves them, through ``accounts.current_actor`` — a viewer claiming a higher role, a
disabled editor, an editor demoted since signing in, an unknown name claiming admin; for
the admin operations an editor too, and an editor claiming admin.

App sessions (``AppTest``): each form is filled by someone allowed to use it, then the
session's state is swapped for a crafted one — the actor of a viewer, an unknown name, a
disabled or a demoted account claiming the form's role; the allowed person's actor with a
forged server-session id; a viewer's real session with an actor claiming the role; nobody at
all — and the form is saved. Last, the
allowed person saves the same form, which proves the form was filled well enough to write.

A try counts refused only when it raised ``AccessDenied``, logged exactly one refusal and
changed nothing in the registry or the accounts; anything else counts let in.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import mapping
from streamlit.testing.v1 import AppTest

from clusters import accounts, importer, registry
from clusters.errors import AccessDenied, ClusterError
from clusters.io import columns
from clusters.io.readers import load
from clusters.model import ReferenceLayerRecord, ReportedFigure, TenantProject
from clusters.reports.period_fields import BIEU02_FIELDS
from clusters.roles import CLI_ACTOR, Actor
from clusters.store import ClusterStore, open_store
from clusters.store.accounts import Account, AccountStore, account_store
from clusters.store.periods import FigureSet
from clusters.ui import auth
from tests.builders import cluster, decision, square
from tests.fixtures.period_fixture import PERIOD

APP = str(Path(__file__).resolve().parents[2] / "app.py")
ROLES = {
    "lan": "editor",
    "hoa": "editor",
    "tuan": "editor",
    "minh": "viewer",
    "thu": "viewer",  # whose role the change-account form changes
    "root": "admin",
}
CSV = "Tên CCN,Giai đoạn,Quận/huyện,Kinh độ,Vĩ độ\nCCN Lén,Trong quy hoạch,Đan Phượng,105.6,21.1\n"
# Public functions taking an actor that are not writes needing a role, and why.
NOT_GATED = {
    "registry.require_role": "the role check itself",
    "accounts.current_actor": "reads who an actor is now",
    "accounts.can_read": "reads whether an actor may read",
    "accounts.start_session": "opens the session of someone sign_in has just let in",
    "registry.column_mappings": "hands out the mapping book; it saves through "
    "registry.save_column_mapping, tried here",
}


@functools.cache
def password_hash(name: str) -> str:
    return accounts.hash_password(f"{name}-mat-khau-2025")


@pytest.fixture
def registry_db(db_url, monkeypatch) -> ClusterStore:
    """Two clusters; six accounts, of which tuan is disabled and hoa demoted to viewer."""
    monkeypatch.setenv("CLUSTERS_DATABASE_URL", db_url)
    monkeypatch.delenv("CLUSTERS_ANONYMOUS_READ", raising=False)
    store = open_store(db_url)
    store.create(cluster(id=1, name="CCN Ngọc Hồi"), actor="seed")
    store.create(cluster(id=2, name="CCN Hữu Bằng", geometry=square(), area_ha=10.35), actor="seed")
    store.add_reference_layer(LAYER, actor="seed")
    store.add_project(TenantProject(1, "Dự án thử (dữ liệu thử)"), actor="seed")
    acc = account_store(store)
    for name, role in ROLES.items():
        hashed = password_hash(name)
        acc.add(Account(name, role, password_hash=hashed), actor="cli", at=datetime.now(UTC))
    accounts.set_disabled(acc, CLI_ACTOR, "tuan")
    accounts.set_role(acc, CLI_ACTOR, "hoa", "viewer")
    yield store
    store.close()


# A layer an admin uploaded (test data: a square near Hanoi), and the headers of a file whose
# column mapping a write could keep.
LAYER = ReferenceLayerRecord(
    name="Lớp thử (dữ liệu thử)",
    source="dữ liệu thử của bộ kiểm thử",
    features=[{"type": "Feature", "geometry": mapping(square()), "properties": {"label": "ô"}}],
)
HEADERS = ["Tên cụm", "Diện tích"]


def snapshot(store: ClusterStore, acc: AccountStore) -> tuple[Any, ...]:
    """Everything a write could change."""
    return (
        [(r.id, r.name, r.source) for r in store.reference_layers()],
        store.column_mapping(columns.signature(HEADERS)),
        [(c.id, c.version, c.name, c.investor, c.stage) for c in store.list_clusters()],
        len(store.history()),
        len(store.decisions()),
        [(p.id, p.version, p.name, p.status) for p in store.projects()],
        len(store.project_history()),
        [(f.as_of, f.category, f.count) for f in store.reported_figures()],
        [(a.name, a.role, a.disabled, a.email, a.password_hash) for a in acc.list_accounts()],
        len(acc.events(limit=None)),
    )


def refusals(caplog: pytest.LogCaptureFixture) -> int:
    return sum(
        r.levelno >= logging.WARNING
        and "refused" in r.getMessage()
        and r.name.startswith("clusters")
        for r in caplog.records
    )


class Tries:
    """Counts each try into the table: refused (denied, logged once, nothing changed) or
    let in."""

    def __init__(self, store: ClusterStore, acc: AccountStore, caplog, outcome) -> None:
        self.store, self.acc, self.caplog, self.outcome = store, acc, caplog, outcome

    def attempt(self, label: str, write: Callable[[], object]) -> None:
        self.outcome.attempted += 1
        before, logged = snapshot(self.store, self.acc), refusals(self.caplog)
        what = "not refused"
        try:
            write()
        except AccessDenied:
            what = "denied"
        except ClusterError as exc:
            what = f"refused for another reason first: {exc.en}"
        self.judge(label, what, before, logged)

    def judge(self, label: str, what: str, before: tuple[Any, ...], logged: int) -> None:
        changed = snapshot(self.store, self.acc) != before
        new_logs = refusals(self.caplog) - logged
        if what == "denied" and not changed and new_logs == 1:
            self.outcome.refused += 1
        else:
            self.outcome.note(
                "let_in",
                f"{label}: {what}; {'written' if changed else 'nothing written'}; "
                f"{new_logs} refusal(s) logged",
            )


# -- direct calls ---------------------------------------------------------------------------

Operation = Callable[[ClusterStore, AccountStore, Actor | None], object]


def _plan(store: ClusterStore, actor: Actor | None) -> importer.ImportPlan:
    return importer.plan_file(store, CSV.encode(), "lén.csv", actor)


OPERATIONS: dict[str, tuple[str, Operation]] = {
    "registry.create_cluster": (
        "editor",
        lambda s, a, who: registry.create_cluster(s, cluster(name="CCN Lén"), who),
    ),
    "registry.update_cluster": (
        "editor",
        lambda s, a, who: registry.update_cluster(s, 1, {"investor": "Kẻ lạ"}, who, based_on=1),
    ),
    "registry.change_stage": (
        "editor",
        lambda s, a, who: registry.change_stage(
            s,
            1,
            "under_construction",
            who,
            based_on=1,
            effective_date=date(2025, 3, 14),
            evidence=decision(date=date(2025, 3, 10)),
        ),
    ),
    "registry.write_batch": (
        "editor",
        lambda s, a, who: registry.write_batch(
            s,
            who,
            new=[registry.NewCluster(cluster(name="CCN Lén"))],
            edits=[registry.ClusterEdit(1, 1, changes={"investor": "Kẻ lạ"})],
        ),
    ),
    "registry.add_reported_figure": (
        "admin",
        lambda s, a, who: registry.add_reported_figure(
            s, ReportedFigure(date(2025, 6, 14), "operating", 999, "giả mạo"), who
        ),
    ),
    "accounts.add_account": (
        "admin",
        lambda s, a, who: accounts.add_account(a, who, "ke-la", "admin", password="ke-la-mat-khau"),
    ),
    "accounts.set_password": (
        "admin",
        lambda s, a, who: accounts.set_password(a, who, "root", "mat-khau-moi-cua-ke-la"),
    ),
    "accounts.set_disabled": ("admin", lambda s, a, who: accounts.set_disabled(a, who, "root")),
    "accounts.set_role": ("admin", lambda s, a, who: accounts.set_role(a, who, "minh", "admin")),
    "accounts.set_email": (
        "admin",
        lambda s, a, who: accounts.set_email(a, who, "root", "ke-la@example.org"),
    ),
    "importer.plan_file": ("admin", lambda s, a, who: _plan(s, who)),
    "registry.save_column_mapping": (
        "editor",
        lambda s, a, who: registry.save_column_mapping(s, HEADERS, {"name": "Tên cụm"}, who),
    ),
    "registry.add_reference_layer": (
        "admin",
        lambda s, a, who: registry.add_reference_layer(
            s, dataclasses.replace(LAYER, name="Lớp lạ"), who
        ),
    ),
    "registry.remove_reference_layer": (
        "admin",
        lambda s, a, who: registry.remove_reference_layer(s, s.reference_layers()[0].id, who),
    ),
    "registry.add_project": (
        "editor",
        lambda s, a, who: registry.add_project(s, TenantProject(1, "Dự án lạ"), who),
    ),
    "registry.update_project": (
        "editor",
        lambda s, a, who: registry.update_project(s, 1, {"name": "Dự án lạ"}, who, based_on=1),
    ),
    "registry.save_period_figures": (
        "editor",
        lambda s, a, who: registry.save_period_figures(
            s,
            FigureSet(
                "bieu02",
                1,
                PERIOD,
                {"revenue_bn": 4.0, "budget_bn": 0.6, "workers": 25, "income_mn": 12.0},
                source="Biểu 02 lạ (dữ liệu thử)",
            ),
            who,
            fields=BIEU02_FIELDS,
        ),
    ),
    "importer.plan": (
        "admin",
        lambda s, a, who: importer.plan(s, load(CSV.encode(), "lén.csv"), "lén.csv", who),
    ),
    "importer.commit": (
        "admin",
        lambda s, a, who: importer.commit(s, _plan(s, CLI_ACTOR), who, accept_warnings=True),
    ),
}

# Who tries: (label, the actor a write receives, the highest role they hold or None).
CallerFactory = Callable[[AccountStore], Actor | None]
CALLERS: list[tuple[str, CallerFactory, str | None]] = [
    ("anonymous", lambda acc: None, None),
    ("an actor with no role", lambda acc: Actor("ghost", None), None),
    ("viewer", lambda acc: Actor("minh", "viewer"), "viewer"),
    (
        "viewer claiming admin",
        lambda acc: accounts.current_actor(acc, Actor("minh", "admin")),
        "viewer",
    ),
    ("disabled editor", lambda acc: accounts.current_actor(acc, Actor("tuan", "editor")), None),
    ("demoted editor", lambda acc: accounts.current_actor(acc, Actor("hoa", "editor")), "viewer"),
    (
        "unknown name claiming admin",
        lambda acc: accounts.current_actor(acc, Actor("ghost", "admin")),
        None,
    ),
    ("editor", lambda acc: Actor("lan", "editor"), "editor"),
    (
        "editor claiming admin",
        lambda acc: accounts.current_actor(acc, Actor("lan", "admin")),
        "editor",
    ),
]
RANK = {None: 0, "viewer": 1, "editor": 2, "admin": 3}


def test_every_write_operation_taking_an_actor_is_tried():
    found = {
        f"{module.__name__.rsplit('.', 1)[1]}.{name}"
        for module in (registry, accounts, importer)
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__ == module.__name__
        and not name.startswith("_")
        and "actor" in inspect.signature(fn).parameters
    }
    assert found - set(NOT_GATED) == set(OPERATIONS)


def test_direct_writes_by_the_wrong_role_are_refused_and_logged(registry_db, caplog, outcome):
    caplog.set_level(logging.INFO)
    acc = account_store(registry_db)
    tries = Tries(registry_db, acc, caplog, outcome)
    for op, (needed, write) in OPERATIONS.items():
        for label, who, holds in CALLERS:
            if RANK[holds] >= RANK[needed]:
                continue
            actor = who(acc)
            tries.attempt(f"{op} by {label}", lambda w=write, a=actor: w(registry_db, acc, a))
    outcome.name = f"wrong role · direct calls · {len(OPERATIONS)} operations"
    outcome.verify()


# -- app sessions with crafted state ------------------------------------------------------


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def fill_stage(at: AppTest) -> str:
    at.selectbox(key="stage_1_new").set_value("under_construction")
    at.date_input(key="stage_1_date").set_value(date(2025, 3, 14))
    at.text_input(key="stage_1_number").input("2803/QĐ-UBND")
    at.date_input(key="stage_1_doc_date").set_value(date(2025, 3, 10))
    return "stage_1_save"


def fill_attributes(at: AppTest) -> str:
    at.text_input(key="attr_1_investor").input("Công ty Kẻ Lạ")
    return "attr_1_save"


def fill_location(at: AppTest) -> str:
    at.text_input(key="loc_1_lat").input("21,0012")
    at.text_input(key="loc_1_lon").input("105,8123")
    at.button(key="loc_1_check_point").click().run()
    return "loc_1_save"


def fill_new_cluster(at: AppTest) -> str:
    at.text_input(key="new_loc_lat").input("20.86")
    at.text_input(key="new_loc_lon").input("105.77")
    at.button(key="new_loc_check_point").click().run()
    at.text_input(key="new_name").input("CCN Lén")
    at.selectbox(key="new_stage").set_value("planned")  # in the plan: no decision needed
    at.radio(key="new_ev_kind").set_value("none")
    return "new_save"


def fill_add_account(at: AppTest) -> str:
    at.text_input(key="admin_add_name").input("ke-la")
    at.selectbox(key="admin_add_role").set_value("admin")
    at.text_input(key="admin_add_password").input("ke-la-mat-khau-2025")
    at.text_input(key="admin_add_password2").input("ke-la-mat-khau-2025")
    return "admin_add_save"


def fill_change_account(at: AppTest) -> str:
    at.selectbox(key="admin_change_account").set_value("thu").run()
    at.selectbox(key="admin_change_role").set_value("admin")
    return "admin_change_save"


def fill_figure(at: AppTest) -> str:
    at.selectbox(key="admin_figure_category").set_value("operating")
    at.date_input(key="admin_figure_as_of").set_value(date(2025, 6, 14))
    at.number_input(key="admin_figure_count").set_value(999)
    at.text_input(key="admin_figure_source").input("Báo cáo giả")
    return "admin_figure_save"


def fill_project(at: AppTest) -> str:
    at.text_input(key="proj_new_name").input("Dự án lạ")
    return "proj_new_save"


# (form, page, query, role needed, who may use it, how to fill it: returns the save button)
FORMS = [
    ("stage", "edit_page", {"id": "1"}, "editor", "lan", fill_stage),
    ("attributes", "edit_page", {"id": "1"}, "editor", "lan", fill_attributes),
    ("location", "edit_page", {"id": "1"}, "editor", "lan", fill_location),
    ("new cluster", "new_cluster_page", {}, "editor", "lan", fill_new_cluster),
    ("add account", "admin_page", {}, "admin", "root", fill_add_account),
    ("change account", "admin_page", {}, "admin", "root", fill_change_account),
    ("reported figure", "admin_page", {}, "admin", "root", fill_figure),
    ("tenant project", "projects_page", {"id": "1"}, "editor", "lan", fill_project),
]


FORGED_SESSION = 10**9  # a session id no sign-in handed out


def crafted(role: str, allowed: str, acc: AccountStore) -> list[tuple[str, dict[str, Any]]]:
    """Session states a tampered session could hold when the form needs ``role``: the
    actor it claims and the server session it names, if any."""
    viewer = accounts.start_session(acc, Actor("minh", "viewer"), cookie=False)
    sessions: list[tuple[str, dict[str, Any]]] = [
        ("nobody", {}),
        (f"viewer claiming {role}", {auth.ACTOR_KEY: Actor("minh", role)}),
        (f"unknown name claiming {role}", {auth.ACTOR_KEY: Actor("ghost", role)}),
        (f"disabled account claiming {role}", {auth.ACTOR_KEY: Actor("tuan", role)}),
        (f"demoted account claiming {role}", {auth.ACTOR_KEY: Actor("hoa", role)}),
        (
            f"forged session claiming {allowed}",
            {auth.ACTOR_KEY: Actor(allowed, role), auth.SESSION_KEY: FORGED_SESSION},
        ),
        (
            f"viewer's own session claiming {role}",
            {auth.ACTOR_KEY: Actor("minh", role), auth.SESSION_KEY: viewer.id},
        ),
    ]
    if role == "admin":
        sessions.append(("editor claiming admin", {auth.ACTOR_KEY: Actor("lan", "admin")}))
    return sessions


def open_as(actor: Actor, page: str, query: dict[str, str]) -> AppTest:
    """A fresh session of ``actor`` on ``page`` (fresh: a form left and reopened in one
    session loses its loaded values, which is not what is tested here)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[auth.ACTOR_KEY] = actor
    at.run()  # the router registers the pages on its first run
    at.switch_page(f"clusters/ui/pages/{page}.py")
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def test_crafted_sessions_cannot_save_any_form(registry_db, caplog, outcome):
    caplog.set_level(logging.INFO)
    acc = account_store(registry_db)
    tries = Tries(registry_db, acc, caplog, outcome)
    for form, page, query, role, allowed, fill in FORMS:
        for label, session in crafted(role, allowed, acc):
            at = open_as(Actor(allowed, ROLES[allowed]), page, query)
            button = fill(at)
            before, logged = snapshot(registry_db, acc), refusals(caplog)
            shown_before = [e.value for e in at.success]  # e.g. a location checked
            for key in (auth.ACTOR_KEY, auth.SESSION_KEY):
                if key in session:
                    at.session_state[key] = session[key]
                elif key in at.session_state:
                    del at.session_state[key]
            at.button(key=button).click().run()
            outcome.attempted += 1
            shown = "\n".join(
                str(v) for v in (e.value for e in at.success) if v not in shown_before
            )
            what = "denied" if not shown and not at.exception else f"shown: {shown[:80]}"
            tries.judge(f"{form} form, session of {label}", what, before, logged)
        # The allowed person saves the same form: it was filled well enough to write.
        at = open_as(Actor(allowed, ROLES[allowed]), page, query)
        button = fill(at)
        before = snapshot(registry_db, acc)
        at.button(key=button).click().run()
        assert snapshot(registry_db, acc) != before, f"{form}: {texts(at.error)}"
    outcome.name = f"wrong role · app sessions · {len(FORMS)} forms"
    outcome.verify()

import logging
from datetime import date

import pytest

from clusters import registry
from clusters.errors import AccessDenied, ConflictError, ValidationError
from clusters.roles import Actor
from tests.builders import cluster, decision

EDITOR = Actor("lan", "editor")
VIEWER = Actor("minh", "viewer")
TODAY = date(2026, 11, 24)
ESTABLISHED = decision(doc_type="establishment", number="4754/QĐ-UBND", date=date(2017, 7, 20))


def create(store, actor=EDITOR, **overrides):
    """A new cluster past "planned", with its effective date and evidence."""
    overrides.setdefault("stage_effective_date", date(2017, 7, 20))
    return registry.create_cluster(
        store, cluster(**overrides), actor, evidence=[ESTABLISHED], today=TODAY
    ).cluster


def test_editor_creates_a_cluster_and_history_names_them(store):
    saved = create(store)
    assert saved.id is not None and saved.version == 1
    [event] = store.history(saved.id)
    assert (event.actor, event.kind, event.version) == ("lan", "create", 1)


@pytest.mark.parametrize("actor", [VIEWER, Actor("anon"), None])
def test_write_without_the_editor_role_is_refused_and_logged(store, actor, caplog):
    with caplog.at_level(logging.WARNING), pytest.raises(AccessDenied):
        registry.create_cluster(store, cluster(), actor, today=TODAY)
    assert store.count() == 0
    assert "refused write" in caplog.text


def test_invalid_record_writes_nothing(store):
    with pytest.raises(ValidationError) as err:
        registry.create_cluster(store, cluster(name=""), EDITOR, today=TODAY)
    assert err.value.field == "name"
    assert store.count() == 0


def test_warnings_need_an_explicit_accept(store):
    with pytest.raises(registry.WarningsNotAccepted):
        registry.create_cluster(store, cluster(area_ha=5.0, stage="planned"), EDITOR, today=TODAY)
    assert store.count() == 0
    saved = registry.create_cluster(
        store, cluster(area_ha=5.0, stage="planned"), EDITOR, today=TODAY, accept_warnings=True
    )
    assert [w.code for w in saved.warnings] == ["area_range"]
    assert store.count() == 1


def test_update_records_old_and_new_values_and_reason(store):
    c = create(store)
    registry.update_cluster(
        store,
        c.id,
        {"investor": "Công ty CP Hồng Hà"},
        EDITOR,
        based_on=1,
        reason="theo báo cáo quý",
        today=TODAY,
    )
    event = store.history(c.id)[0]
    assert event.version == 2 and event.reason == "theo báo cáo quý"
    assert [(ch.field, ch.old, ch.new) for ch in event.changes] == [
        ("investor", None, "Công ty CP Hồng Hà")
    ]


def test_update_cannot_change_the_stage(store):
    c = create(store)
    with pytest.raises(ValueError, match="change_stage"):
        registry.update_cluster(store, c.id, {"stage": "operating"}, EDITOR, based_on=1)


def test_change_stage_commits_stage_decision_and_event_together(store):
    c = create(store)
    saved = registry.change_stage(
        store,
        c.id,
        "under_construction",
        EDITOR,
        based_on=1,
        effective_date=date(2024, 5, 2),
        evidence=decision(),
        today=TODAY,
    ).cluster
    assert saved.stage == "under_construction" and saved.version == 2
    assert saved.stage_effective_date == date(2024, 5, 2)
    assert "2803/QĐ-UBND" in saved.stage_evidence
    [established, d] = store.decisions(c.id)
    event = store.history(c.id)[0]
    assert established.number == "4754/QĐ-UBND"
    assert d.number == "2803/QĐ-UBND" and d.event_id == event.id
    assert event.kind == "stage"
    assert ("stage", "established", "under_construction") in [
        (ch.field, ch.old, ch.new) for ch in event.changes
    ]


def test_backward_stage_change_is_recorded_as_a_correction(store):
    c = create(store, stage="operating")
    registry.change_stage(
        store,
        c.id,
        "completing",
        EDITOR,
        based_on=1,
        effective_date=date(2024, 5, 2),
        evidence=None,
        reason="nhập nhầm",
        today=TODAY,
    )
    event = store.history(c.id)[0]
    assert (event.kind, event.reason) == ("correction", "nhập nhầm")


def test_stale_stage_change_is_refused_and_writes_nothing(store):
    c = create(store)
    registry.update_cluster(store, c.id, {"notes": "x"}, Actor("hoa", "editor"), based_on=1)
    with pytest.raises(ConflictError) as err:
        registry.change_stage(
            store,
            c.id,
            "under_construction",
            EDITOR,
            based_on=1,
            effective_date=date(2024, 5, 2),
            evidence=decision(),
            today=TODAY,
        )
    assert "hoa" in err.value.en and "Notes" in err.value.en
    assert "Ghi chú" in err.value.vi
    assert store.get(c.id).stage == "established"
    assert [d.number for d in store.decisions(c.id)] == ["4754/QĐ-UBND"]


def test_new_cluster_past_planned_needs_effective_date_and_evidence(store):
    with pytest.raises(ValidationError) as err:
        registry.create_cluster(store, cluster(stage="under_construction"), EDITOR, today=TODAY)
    assert [p.code for p in err.value.problems] == ["required", "evidence_required"]
    assert store.count() == 0


def test_new_planned_cluster_needs_no_evidence(store):
    saved = registry.create_cluster(store, cluster(stage="planned"), EDITOR, today=TODAY)
    assert saved.cluster.stage == "planned"
    assert store.decisions(saved.cluster.id) == []


def test_new_cluster_keeps_its_establishment_decision(store):
    c = create(store)
    [d] = store.decisions(c.id)
    assert (d.doc_type, d.number) == ("establishment", "4754/QĐ-UBND")


@pytest.mark.parametrize(
    "changes",
    [
        {"stage_evidence": "Biên bản 7/BB"},
        {"stage_verified": True},
        {"stage_effective_date": date(2025, 1, 1)},
        {"investor": "Công ty A", "stage_verified": True},
    ],
)
def test_the_attribute_update_refuses_the_stage_fields(store, changes):
    c = create(store)
    with pytest.raises(ValueError, match="change_stage"):
        registry.update_cluster(store, c.id, changes, EDITOR, based_on=1, today=TODAY)
    assert store.get(c.id).version == 1


def test_a_stage_change_with_evidence_is_verified_and_a_correction_without_is_not(store):
    c = create(store, stage="completing")
    moved = registry.change_stage(
        store,
        c.id,
        "operating",
        EDITOR,
        based_on=1,
        effective_date=date(2024, 5, 2),
        evidence=decision(doc_type="operation"),
        today=TODAY,
    ).cluster
    assert (moved.stage_evidence, moved.stage_verified) == (
        "2803/QĐ-UBND ngày 02/05/2024 UBND TP Hà Nội",
        True,
    )
    back = registry.change_stage(
        store,
        c.id,
        "completing",
        EDITOR,
        based_on=2,
        effective_date=date(2024, 6, 1),
        evidence=None,
        reason="nhập nhầm",
        today=TODAY,
    ).cluster
    assert (back.stage_evidence, back.stage_verified) == (None, False)


def test_a_typed_record_takes_its_documents_evidence(store):
    c = create(store)
    assert (c.stage_evidence, c.stage_verified) == (
        "4754/QĐ-UBND ngày 20/07/2017 UBND TP Hà Nội",
        True,
    )


def test_a_record_from_a_named_source_keeps_its_stated_stage_and_names_the_source(store):
    origin = registry.Origin("import", "ds.csv", "Nhập từ tệp «ds.csv»")
    stated = cluster(stage="operating", stage_evidence="operating (2014 list)")
    saved = registry.create_cluster(
        store, stated, Actor("quan-tri", "admin"), origin=origin, reason="dòng 2", today=TODAY
    ).cluster
    assert (saved.stage, saved.stage_evidence, saved.stage_verified) == (
        "operating",
        "operating (2014 list)",
        False,
    )
    [event] = store.history(saved.id)
    assert (event.kind, event.source, event.reason) == (
        "import",
        "ds.csv",
        "dòng 2 — Nhập từ tệp «ds.csv»",
    )


def test_operations_in_one_transaction_commit_together_or_not_at_all(store):
    with pytest.raises(ValidationError), store.transaction() as tx:
        registry.create_cluster(tx, cluster(stage="planned"), EDITOR, today=TODAY)
        registry.create_cluster(tx, cluster(stage="planned", name=""), EDITOR, today=TODAY)
    assert store.count() == 0
    with store.transaction() as tx:
        made = registry.create_cluster(tx, cluster(stage="planned"), EDITOR, today=TODAY).cluster
        registry.change_stage(
            tx,
            made.id,
            "established",
            EDITOR,
            based_on=made.version,
            effective_date=date(2017, 7, 20),
            evidence=ESTABLISHED,
            today=TODAY,
        )
    assert [c.stage for c in store.list_clusters()] == ["established"]

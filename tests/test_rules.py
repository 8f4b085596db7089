from datetime import date

import pytest
from shapely.geometry import LineString, Point, Polygon

from clusters import rules
from clusters.errors import ValidationError
from clusters.registry import describe_evidence
from clusters.stages import Move
from tests.builders import cluster, decision, square

TODAY = date(2026, 11, 24)


def codes(problems, severity=None):
    return {(p.code, p.field) for p in problems if severity in (None, p.severity)}


def test_a_good_record_has_no_problems():
    assert rules.check_cluster(cluster(), TODAY) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"name": "  "}, ("required", "name")),
        ({"name": "x" * 201}, ("too_long", "name")),
        ({"cluster_type": "big"}, ("choice", "cluster_type")),
        ({"stage": "done"}, ("choice", "stage")),
        ({"batch": "2019"}, ("choice", "batch")),
        ({"wwtp_status": "ok"}, ("choice", "wwtp_status")),
        ({"investor_type": "person"}, ("choice", "investor_type")),
        ({"location_precision": "exact"}, ("choice", "location_precision")),
        ({"confidence": "sure"}, ("choice", "confidence")),
        ({"commune_2025_code": "123"}, ("commune_code", "commune_2025_code")),
        ({"id": 4, "parent_id": 4}, ("parent_self", "parent_id")),
        ({"area_ha": -1.0}, ("negative", "area_ha")),
        (
            {"industrial_land_ha": 10.0, "leased_land_ha": 12.0},
            ("leased_gt_industrial", "leased_land_ha"),
        ),
        (
            {"area_ha": 20.0, "industrial_land_ha": 25.0},
            ("industrial_gt_total", "industrial_land_ha"),
        ),
        ({"geometry": None}, ("no_location", "geometry")),
        ({"geometry": LineString([(105.8, 21.0), (105.9, 21.0)])}, ("geom_type", "geometry")),
        (
            {"geometry": Polygon([(105.8, 21.0), (105.81, 21.01), (105.81, 21.0), (105.8, 21.01)])},
            ("geom_invalid", "geometry"),
        ),
        ({"geometry": Point(21.0, 105.8)}, ("outside_hanoi", "geometry")),
        ({"geometry": Point(float("nan"), 21.0)}, ("geom_not_finite", "geometry")),
        ({"geometry": Point(105.8, float("inf"))}, ("geom_not_finite", "geometry")),
        ({"geometry": Point(106.3, 20.9)}, ("outside_hanoi", "geometry")),
        ({"stage_effective_date": date(2026, 12, 1)}, ("future_date", "stage_effective_date")),
        ({"as_of": "2027"}, ("future_date", "as_of")),
        ({"as_of": "12/2024"}, ("as_of_format", "as_of")),
    ],
)
def test_each_error(overrides, expected):
    problems = rules.check_cluster(cluster(**overrides), TODAY)
    assert expected in codes(problems, "error")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"area_ha": 7.0}, ("area_range", "area_ha")),
        ({"area_ha": 80.0}, ("area_range", "area_ha")),
        ({"area_ha": 3.0, "cluster_type": "craft_village"}, ("area_range", "area_ha")),
        ({"area_ha": 30.0, "geometry": square()}, ("area_mismatch", "geometry")),
    ],
)
def test_each_warning(overrides, expected):
    problems = rules.check_cluster(cluster(**overrides), TODAY)
    assert expected in codes(problems, "warning")
    assert not rules.errors(problems)


def test_craft_village_may_be_small():
    assert rules.check_cluster(cluster(area_ha=6.0, cluster_type="craft_village"), TODAY) == []


def test_boundary_matching_its_decided_area_has_no_warning():
    poly = square()
    from clusters.geo import area_ha

    assert rules.check_cluster(cluster(geometry=poly, area_ha=round(area_ha(poly), 2)), TODAY) == []


def test_errors_come_before_warnings():
    problems = rules.check_cluster(cluster(area_ha=80.0, name=""), TODAY)
    assert [p.severity for p in problems] == ["error", "warning"]


def test_messages_are_bilingual():
    for p in rules.check_cluster(cluster(name="", area_ha=-2.0, geometry=None), TODAY):
        assert p.vi and p.en and p.vi != p.en


def test_forward_stage_change_with_evidence_is_allowed():
    move = rules.check_stage_change(
        cluster(stage="established"),
        "under_construction",
        date(2024, 5, 2),
        decision(),
        None,
        TODAY,
    )
    assert move is Move.FORWARD


def test_forward_stage_change_without_evidence_is_refused():
    with pytest.raises(ValidationError) as err:
        rules.check_stage_change(
            cluster(), "under_construction", date(2024, 5, 2), None, None, TODAY
        )
    assert err.value.problems[0].code == "evidence_required"


def test_change_stage_rejects_backward_move_without_reason():
    with pytest.raises(ValidationError) as err:
        rules.check_stage_change(
            cluster(stage="operating"), "completing", date(2024, 5, 2), None, "  ", TODAY
        )
    assert [p.code for p in err.value.problems] == ["correction_reason"]


def test_backward_move_with_reason_is_a_correction():
    move = rules.check_stage_change(
        cluster(stage="operating"),
        "completing",
        date(2024, 5, 2),
        None,
        "typed in the wrong row",
        TODAY,
    )
    assert move is Move.CORRECTION


def test_leaving_removed_needs_a_reason():
    with pytest.raises(ValidationError):
        rules.check_stage_change(
            cluster(stage="removed"), "planned", date(2024, 5, 2), decision(), None, TODAY
        )
    assert (
        rules.check_stage_change(
            cluster(stage="removed"), "planned", date(2024, 5, 2), None, "decision annulled", TODAY
        )
        is Move.CORRECTION
    )


@pytest.mark.parametrize(
    ("new_stage", "when", "code"),
    [
        ("established", date(2024, 1, 1), "same_stage"),
        ("finished", date(2024, 1, 1), "choice"),
        ("operating", None, "required"),
        ("operating", date(2027, 1, 1), "future_date"),
    ],
)
def test_stage_change_errors(new_stage, when, code):
    with pytest.raises(ValidationError) as err:
        rules.check_stage_change(cluster(), new_stage, when, decision(), None, TODAY)
    assert code in [p.code for p in err.value.problems]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"number": ""}, "required"),
        ({"doc_type": "memo"}, "choice"),
        ({"date": date(2027, 1, 1)}, "future_date"),
        ({"doc_type": "inspection", "number": None, "date": None}, "required"),
    ],
)
def test_evidence_errors(overrides, code):
    with pytest.raises(ValidationError) as err:
        rules.check_stage_change(
            cluster(), "under_construction", date(2024, 5, 2), decision(**overrides), None, TODAY
        )
    assert code in [p.code for p in err.value.problems]


def test_dated_inspection_is_evidence_enough():
    ev = decision(doc_type="inspection", number=None, date=date(2024, 6, 1))
    assert (
        rules.check_stage_change(cluster(), "under_construction", date(2024, 6, 1), ev, None, TODAY)
        is Move.FORWARD
    )


def test_stage_dated_before_the_current_one_warns():
    current = cluster(stage_effective_date=date(2024, 6, 1))
    assert [p.code for p in rules.stage_date_warnings(current, date(2024, 1, 1))] == ["date_order"]
    assert rules.stage_date_warnings(current, date(2024, 7, 1)) == []


def test_occupancy_is_derived_from_leased_and_industrial_land():
    assert cluster(industrial_land_ha=40.0, leased_land_ha=10.0).occupancy_pct == 25.0
    assert cluster(industrial_land_ha=None, leased_land_ha=10.0).occupancy_pct is None
    assert cluster(industrial_land_ha=0.0, leased_land_ha=0.0).occupancy_pct is None


# --- what backs a stage: records from a source, and an import's stage moves ---------------


def test_a_typed_record_past_planned_needs_date_and_evidence_but_a_stated_one_does_not():
    c = cluster(stage="operating", stage_evidence="operating (listed in 2014)")
    typed = rules.check_new_record(c, [], TODAY)
    assert {p.code for p in typed} == {"required", "evidence_required"}
    assert rules.check_new_record(c, [], TODAY, stated=True) == []


def test_a_stated_document_may_lack_its_number_but_not_its_future_date():
    unnumbered = decision(doc_type="establishment", number=None, date=date(2025, 3, 11))
    assert rules.check_decision(unnumbered, TODAY, stated=True) == []
    assert [p.code for p in rules.check_decision(unnumbered, TODAY)] == ["required"]
    future = decision(date=date(2027, 1, 1))
    assert [p.code for p in rules.check_decision(future, TODAY, stated=True)] == ["future_date"]


def test_evidence_written_out_keeps_its_reference_and_reads_its_date():
    d = rules.evidence_from_text("Báo cáo 123/BC-SCT ngày 14/06/2025")
    assert (d.doc_type, d.number, d.date) == ("other", "Báo cáo 123/BC-SCT", date(2025, 6, 14))
    undated = rules.evidence_from_text("  Báo cáo 123/BC-SCT  ")
    assert (undated.number, undated.date) == ("Báo cáo 123/BC-SCT", None)


@pytest.mark.parametrize(
    ("text", "code"), [("  ", "required"), ("QĐ 1 ngày 31/02/2025", "bad_date")]
)
def test_evidence_written_out_refuses_nothing_and_impossible_days(text, code):
    with pytest.raises(ValidationError) as err:
        rules.evidence_from_text(text)
    assert [(p.code, p.field) for p in err.value.problems] == [(code, "evidence")]


def test_the_import_takes_the_rows_basis_then_the_files_then_the_evidence_date():
    own = decision(date=date(2024, 5, 2))
    report = decision(doc_type="other", number="Báo cáo 1/BC", date=date(2025, 6, 14))
    whole_file = rules.StageBasis(report, None, "rà soát 2025")
    bare = rules.import_basis(rules.StageBasis(), whole_file)
    assert (bare.evidence, bare.effective_date, bare.reason) == (
        report,
        date(2025, 6, 14),
        "rà soát 2025",
    )
    dated = rules.import_basis(rules.StageBasis(own, date(2024, 6, 1), "sửa"), whole_file)
    assert (dated.evidence, dated.effective_date, dated.reason) == (own, date(2024, 6, 1), "sửa")
    with_file_date = rules.import_basis(
        rules.StageBasis(own), rules.StageBasis(None, date(2025, 1, 1))
    )
    assert with_file_date.effective_date == date(
        2025, 1, 1
    )  # the file's date before the evidence's


def test_a_rows_evidence_is_one_document_or_one_inspection_or_one_text():
    doc, problems = rules.row_evidence(
        "under_construction", number="2803/QĐ-UBND", document_date=date(2024, 5, 2)
    )
    assert problems == [] and (doc.doc_type, doc.number) == ("groundbreaking", "2803/QĐ-UBND")
    seen, _ = rules.row_evidence("operating", inspection_date=date(2025, 3, 10))
    assert (seen.doc_type, seen.date) == ("inspection", date(2025, 3, 10))
    none, problems = rules.row_evidence(
        "operating", number="1/QĐ", document_date=date(2025, 1, 1), written="Biên bản 2"
    )
    assert none is None and [(p.code, p.field) for p in problems] == [
        ("two_evidences", "stage_evidence")
    ]
    assert rules.row_evidence("operating") == (None, [])


def test_an_import_move_is_held_to_the_stage_rule_in_a_files_words():
    move, problems = rules.check_import_move(
        cluster(stage="established"), "operating", rules.StageBasis(), TODAY
    )
    assert move is Move.FORWARD
    assert [(p.code, p.field) for p in problems] == [
        ("required", "stage_effective_date"),
        ("evidence_required", "evidence"),
    ]
    assert all("--" in p.en for p in problems)  # names the option that gives it for the file
    basis = rules.StageBasis(decision(date=date(2024, 1, 1)), date(2024, 1, 1))
    current = cluster(stage_effective_date=date(2024, 6, 1))
    _, warned = rules.check_import_move(current, "operating", basis, TODAY)
    assert [p.code for p in warned] == ["date_order"]


def test_evidence_written_out_comes_back_as_written():
    for text in ("Báo cáo 123/BC-SCT ngày 14/06/2025", "Báo cáo 123 ngày 14/06/2025 của Sở"):
        assert describe_evidence(rules.evidence_from_text(text)) == text
    assert rules.evidence_from_text("Báo cáo 123 ngày 14/06/2025 của Sở").date is None

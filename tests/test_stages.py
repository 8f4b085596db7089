import pytest

from clusters import stages
from clusters.stages import Move, classify_move


def test_stage_table_has_the_domain_order():
    assert stages.STAGE_CODES == (
        "planned",
        "established",
        "site_clearance",
        "under_construction",
        "completing",
        "operating",
        "removed",
    )


def test_every_stage_has_both_labels_and_a_distinct_colour():
    for s in stages.STAGES:
        assert s.label_vi and s.label_en and s.entry_vi and s.entry_en
        assert s.colour.startswith("#") and len(s.colour) == 7
    assert len({s.colour for s in stages.STAGES}) == len(stages.STAGES)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("planned", "established"),
        ("planned", "under_construction"),  # skipping forward is allowed
        ("established", "site_clearance"),
        ("established", "under_construction"),
        ("under_construction", "completing"),
        ("completing", "operating"),
        ("operating", "removed"),
        ("planned", "removed"),
    ],
)
def test_forward_moves(old, new):
    assert classify_move(old, new) is Move.FORWARD
    assert new in stages.forward_moves(old)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("operating", "completing"),
        ("under_construction", "established"),
        ("established", "planned"),
        ("removed", "planned"),
        ("removed", "operating"),
    ],
)
def test_backward_and_leaving_removed_are_corrections(old, new):
    assert classify_move(old, new) is Move.CORRECTION
    assert new in stages.correction_moves(old)
    assert new not in stages.forward_moves(old)


def test_same_stage_is_no_move():
    for code in stages.STAGE_CODES:
        assert classify_move(code, code) is Move.NONE


def test_removed_is_terminal():
    assert stages.forward_moves("removed") == ()


def test_sql_check_lists_every_code():
    text = stages.sql_check("stage")
    for code in stages.STAGE_CODES:
        assert f"'{code}'" in text

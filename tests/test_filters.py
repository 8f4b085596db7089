import pytest

from clusters.filters import ClusterFilter, districts_of, options, tally
from tests.builders import cluster

CS = [
    cluster(name="CCN Ngọc Hồi", stage="operating", area_ha=20.0, stage_verified=True),
    cluster(
        name="CCN Hà Bình Phương",
        stage="removed",
        district_2019="Thường Tín",
        commune_2019="Xã Văn Bình",
        area_ha=41.6,
        aliases=["KCN Phụng Hiệp"],
    ),
    cluster(
        name="CCN làng nghề Tân Hòa",
        stage="planned",
        cluster_type="craft_village",
        district_2019="Quốc Oai; Thạch Thất",
        commune_2019=None,
        area_ha=None,
        batch=None,
        commune_2025_code="09910",
        commune_2025_name="Xã Quốc Oai",
    ),
]


def names(flt):
    return [c.name for c in flt.apply(CS)]


def test_default_filter_hides_removed_clusters():
    assert names(ClusterFilter()) == ["CCN Ngọc Hồi", "CCN làng nghề Tân Hòa"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ngoc hoi", ["CCN Ngọc Hồi"]),
        ("NGỌC", ["CCN Ngọc Hồi"]),
        ("phung hiep", ["CCN Hà Bình Phương"]),
        ("tan hoa lang nghe", ["CCN làng nghề Tân Hòa"]),
        ("quoc oai", ["CCN làng nghề Tân Hòa"]),
    ],
)
def test_text_search_ignores_diacritics_and_case_and_finds_aliases(query, expected):
    assert names(ClusterFilter(stages=(), text=query)) == expected


def test_each_filter_narrows():
    assert names(ClusterFilter(stages=(), districts=("Thạch Thất",))) == ["CCN làng nghề Tân Hòa"]
    assert names(ClusterFilter(stages=(), types=("craft_village",))) == ["CCN làng nghề Tân Hòa"]
    assert names(ClusterFilter(stages=(), verified_only=True)) == ["CCN Ngọc Hồi"]
    assert names(ClusterFilter(stages=(), area_min=30)) == ["CCN Hà Bình Phương"]
    assert names(ClusterFilter(stages=(), area_max=30)) == ["CCN Ngọc Hồi"]
    assert names(ClusterFilter(stages=(), batches=("unknown",))) == ["CCN làng nghề Tân Hòa"]
    assert names(ClusterFilter(stages=(), wwtp=("unknown",))) == [c.name for c in CS]
    assert names(ClusterFilter(stages=(), communes=("09910",))) == ["CCN làng nghề Tân Hòa"]


def test_filter_round_trips_through_query_parameters():
    flt = ClusterFilter(
        stages=("operating", "completing"),
        districts=("Thường Tín",),
        verified_only=True,
        area_min=10.0,
        text="ngọc hồi",
    )
    assert ClusterFilter.from_query(flt.to_query()) == flt
    assert ClusterFilter().to_query() == {}
    assert ClusterFilter.from_query({"stages": "-"}).stages == ()


def test_bad_query_parameters_are_ignored():
    flt = ClusterFilter.from_query({"stages": "operating,bogus", "area_min": "abc"})
    assert flt.stages == ("operating",) and flt.area_min is None


def test_options_and_summary():
    opts = options(CS)
    assert opts.districts == ("Quốc Oai", "Thạch Thất", "Thanh Trì", "Thường Tín")
    assert opts.communes == (("09910", "Xã Quốc Oai"),)
    assert districts_of(CS[2]) == ["Quốc Oai", "Thạch Thất"]
    totals = tally(CS)
    assert (totals.count, totals.area_ha) == (3, 61.6)
    assert totals.with_area == sum(1 for c in CS if c.area_ha is not None)
    assert totals.by_stage == {s: sum(1 for c in CS if c.stage == s) for s in {c.stage for c in CS}}


def test_text_search_puts_the_best_match_first_and_keeps_the_order_of_equals():
    registry = [
        cluster(id=1, name="CCN Liên Hà 2", district_2019="Đông Anh"),
        cluster(id=2, name="CCN Nguyên Khê (CCN Đông Anh)"),
        cluster(id=3, name="CCN Thụy Lâm", district_2019="Đông Anh"),
        cluster(id=4, name="CCN Đông Anh"),
    ]
    found = ClusterFilter(text="dong anh", stages=()).apply(registry)
    assert [c.id for c in found] == [4, 2, 1, 3]
    assert [c.id for c in ClusterFilter(stages=()).apply(registry)] == [1, 2, 3, 4]

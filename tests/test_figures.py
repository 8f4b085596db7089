from datetime import date

from clusters import figures
from clusters.model import ReportedFigure
from tests.builders import cluster


def test_registry_counts_beside_the_newest_reported_figures():
    cs = [
        cluster(stage="operating", batch="before_2018"),
        cluster(stage="completing"),
        cluster(stage="site_clearance"),
        cluster(stage="established", batch="2021_2025"),
        cluster(stage="removed"),
    ]
    reported = [
        ReportedFigure(date(2024, 6, 14), "operating", 65, "old"),
        ReportedFigure(date(2025, 1, 9), "operating", 70, "review"),
    ]
    by_code = {c.category.code: c for c in figures.compare(cs, reported)}
    assert by_code["operating"].registry == 1
    assert by_code["operating"].reported.count == 70
    assert by_code["operating"].gap == 69
    assert by_code["batch_2018_2020_completing"].registry == 1
    assert by_code["batch_2018_2020_not_started"].registry == 1
    assert by_code["batch_2018_2020_total"].registry == 2
    assert by_code["plan_2030"].registry == 4
    assert by_code["plan_2030"].gap is None


def test_seeded_registry_against_the_review(seeded_store):
    by_code = {
        c.category.code: c
        for c in figures.compare(seeded_store.list_clusters(), seeded_store.reported_figures())
    }
    assert by_code["operating"].registry == 33
    assert by_code["operating"].gap == 37

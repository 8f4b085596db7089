"""Small readable builders for test records."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from unittest import mock

from shapely.geometry import Point, Polygon

from clusters.model import FIELD_BY_NAME as FIELDS
from clusters.model import Cluster, Decision, Kind

NGOC_HOI = Point(105.8433, 20.9125)


def square(lon: float = 105.80, lat: float = 20.95, side_deg: float = 0.003) -> Polygon:
    """A small square near Hanoi; 0.003° is roughly 310 m × 330 m (about 10 ha)."""
    return Polygon(
        [(lon, lat), (lon + side_deg, lat), (lon + side_deg, lat + side_deg), (lon, lat + side_deg)]
    )


def cluster(**overrides: Any) -> Cluster:
    values: dict[str, Any] = {
        "name": "CCN Ngọc Hồi",
        "geometry": NGOC_HOI,
        "stage": "established",
        "cluster_type": "general",
        "location_precision": "commune",
        "district_2019": "Thanh Trì",
        "commune_2019": "Xã Ngọc Hồi",
        "area_ha": 20.0,
        "batch": "2018_2020",
        "sources": ["https://example.org/decision"],
    }
    values.update(overrides)
    return Cluster(**values)


def decision(**overrides: Any) -> Decision:
    values: dict[str, Any] = {
        "doc_type": "groundbreaking",
        "number": "2803/QĐ-UBND",
        "date": date(2024, 5, 2),
        "issuer": "UBND TP Hà Nội",
    }
    values.update(overrides)
    return Decision(**values)


def boundary_with_hole(lon: float = 105.6012345678, lat: float = 21.0512345678) -> Polygon:
    """A surveyed-looking boundary (~17 ha): clockwise outer ring, a hole, 10 decimals."""
    d = 0.004
    outer = [(lon, lat), (lon, lat + d), (lon + d, lat + d), (lon + d, lat), (lon, lat)]
    hole = [
        (lon + 0.001, lat + 0.001),
        (lon + 0.002, lat + 0.001),
        (lon + 0.002, lat + 0.002),
        (lon + 0.001, lat + 0.002),
    ]
    return Polygon(outer, [hole])


def full_cluster(**overrides: Any) -> Cluster:
    """A cluster with every attribute filled in, for round trips through the file formats."""
    values: dict[str, Any] = {
        "id": 201,
        "name": 'Cụm công nghiệp Phùng Xá <mở rộng> & "giai đoạn 2"',
        "aliases": ["CCN Phùng Xá 2", "Phùng Xá mở rộng"],
        "cluster_type": "craft_village",
        "parent_id": None,
        "geometry": boundary_with_hole(),
        "stage": "under_construction",
        "stage_effective_date": date(2024, 5, 2),
        "stage_evidence": "2803/QĐ-UBND ngày 02/05/2024",
        "stage_verified": True,
        "as_of": "2024-12",
        "batch": "2021_2025",
        "location_precision": "surveyed",
        "district_2019": "Thạch Thất",
        "commune_2019": "Xã Phùng Xá",
        "commune_2025_code": "09955",
        "commune_2025_name": "Xã Tây Phương",
        "area_ha": 16.75,
        "industrial_land_ha": 12.3,
        "leased_land_ha": 4.56,
        "occupancy_note": "khoảng 37%",
        "investor": "Công ty CP Đầu tư Phùng Xá",
        "investor_type": "enterprise",
        "wwtp_status": "under_construction",
        "wwtp_note": "trạm 1.000 m³/ngày đêm",
        "specialised": True,
        "plan_area_ha": 17.0,
        "detailed_plan_approved_on": date(2022, 3, 4),
        "infra_project_approved_on": date(2023, 1, 9),
        "infra_investment_bn": 250.5,
        "capital_paid_bn": 80.25,
        "serviced_land_ha": 6.5,
        "committed_land_ha": 5.1,
        "confidence": "medium",
        "sources": ["https://example.org/qd-2803", "Báo cáo Sở Công Thương 2024"],
        "notes": "Ghi chú có dấu phẩy, chấm phẩy; và xuống\ndòng",
    }
    values.update(overrides)
    return Cluster(**values)


def add_boundary_clusters(store: Any) -> None:
    """Three boundaries beside the seed's points: one with a hole (id 201), one in two parts
    that expands it (202), one removed from the plan (203)."""
    from shapely.geometry import MultiPolygon, box

    store.create(full_cluster(), actor="seed")
    two_parts = MultiPolygon(
        [box(105.70, 21.0, 105.702, 21.002), box(105.71, 21.0, 105.712, 21.002)]
    )
    store.create(
        full_cluster(
            id=202,
            name="CCN Phùng Xá giai đoạn 2",
            parent_id=201,
            geometry=two_parts,
            area_ha=9.0,
            industrial_land_ha=6.0,
            leased_land_ha=2.0,
        ),
        actor="seed",
    )
    store.create(
        full_cluster(
            id=203,
            name="CCN Đã bỏ",
            stage="removed",
            geometry=box(105.5, 21.1, 105.503, 21.103),
            area_ha=10.35,
            industrial_land_ha=8.0,
            leased_land_ha=3.0,
        ),
        actor="seed",
    )


@contextmanager
def written_at(when: datetime) -> Iterator[None]:
    """Writes inside the block are stamped ``when``, so a test can build a registry with a
    past; only the store's stamps move: the rules still judge dates by today (to freeze every
    reading of the clock, use ``clusters.clock.frozen``)."""
    from clusters.store import sql

    with mock.patch.object(sql, "now_utc", lambda: when):
        yield


def move_stage(store: Any, cluster_id: int, stage: str, when: Any) -> None:
    """An editor moves a cluster to ``stage`` at the past moment ``when``, with evidence."""
    from clusters import registry
    from clusters.roles import Actor

    with written_at(when):
        current = store.get(cluster_id)
        registry.change_stage(
            store,
            cluster_id,
            stage,
            Actor("planner", "editor"),
            based_on=current.version,
            effective_date=when.date(),
            evidence=decision(date=when.date()),
            accept_warnings=True,
        )


_TEXT_KINDS = (Kind.TEXT, Kind.LONG_TEXT, Kind.LIST, Kind.PARTIAL_DATE)


def text_fields() -> tuple[str, ...]:
    """The cluster's text fields: those an export writes as text or joined lists."""
    return tuple(
        name for name, f in FIELDS.items() if f.editable and f.exported and f.kind in _TEXT_KINDS
    )


# Text fields whose format the rules check, so that an import refuses a formula there.
CHECKED_TEXT_FIELDS = frozenset({"as_of", "commune_2025_code"})


def formula_cluster(cluster_id: int, trigger: str, skip: frozenset[str] = frozenset()) -> Cluster:
    """A cluster whose every text field (but ``skip``) starts with ``trigger``, as an
    injected spreadsheet formula would (the lists in their first item)."""

    def formula(what: str) -> str:
        return f'{trigger}HYPERLINK("http://example.org/?{what}","bấm {cluster_id}")'

    values: dict[str, Any] = {
        f: [formula(f), "mục thứ hai"] if FIELDS[f].kind is Kind.LIST else formula(f)
        for f in text_fields()
        if f not in skip
    }
    return full_cluster(id=cluster_id, **values)

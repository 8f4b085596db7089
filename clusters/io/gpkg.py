"""GeoPackage export that QGIS opens directly.

Layers: ``clusters_polygons`` (MultiPolygon) and ``clusters_points`` (Point) — one geometry
type per layer, as QGIS expects — each keyed by the cluster id; ``decisions`` and
``history`` as attribute tables; ``export_info`` saying when and with which filter.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio

from clusters.geo import WGS84
from clusters.io.export import ExportSet
from clusters.io.frame import to_frame

VN2000_TM3 = "EPSG:5897"
POLYGON_LAYER = "clusters_polygons"
POINT_LAYER = "clusters_points"


def _decisions_frame(data: ExportSet) -> pd.DataFrame:
    names = {c.id: c.name for c in data.clusters}
    rows = [
        {
            "decision_id": d.id,
            "cluster_id": d.cluster_id,
            "cluster_name": names.get(d.cluster_id),
            "doc_type": d.doc_type,
            "number": d.number,
            "date": d.date.isoformat() if d.date else None,
            "issuer": d.issuer,
            "note": d.note,
            "event_id": d.event_id,
        }
        for d in data.decisions
    ]
    cols = ["decision_id", "cluster_id", "cluster_name", "doc_type", "number", "date"]
    return pd.DataFrame(rows, columns=[*cols, "issuer", "note", "event_id"])


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _history_frame(data: ExportSet) -> pd.DataFrame:
    """One row per changed field (an event without field changes keeps one row)."""
    rows = []
    for e in data.history:
        base = {
            "event_id": e.id,
            "cluster_id": e.cluster_id,
            "version": e.version,
            "at": e.at.isoformat(timespec="seconds"),
            "actor": e.actor,
            "kind": e.kind,
            "reason": e.reason,
            "source": e.source,
        }
        if not e.changes:
            rows.append({**base, "field": None, "old_value": None, "new_value": None})
        for ch in e.changes:
            rows.append(
                {**base, "field": ch.field, "old_value": _json(ch.old), "new_value": _json(ch.new)}
            )
    cols = ["event_id", "cluster_id", "version", "at", "actor", "kind", "reason", "source"]
    return pd.DataFrame(rows, columns=[*cols, "field", "old_value", "new_value"])


def _info_frame(data: ExportSet, crs: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("exported_at", data.stamp),
            ("filter", data.filter_text),
            ("clusters", str(len(data.clusters))),
            ("crs", crs),
            ("source", "Sổ đăng ký cụm công nghiệp Hà Nội / Hanoi industrial cluster registry"),
        ],
        columns=["key", "value"],
    )


def _write(frame: Any, path: Path, layer: str, **kw: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG", **kw)


def gpkg_bytes(
    data: ExportSet, *, vn2000: bool = False, progress: Callable[[float, str], object] | None = None
) -> bytes:
    report = progress or (lambda _f, _m: None)
    crs = VN2000_TM3 if vn2000 else WGS84
    frame = to_frame(data.clusters)
    frame["id"] = frame["id"].astype("int64")  # the layers' key, even when there is no row
    if vn2000:
        frame = frame.to_crs(crs)
    kinds = frame.geometry.geom_type
    parts = {
        POLYGON_LAYER: (frame[kinds.isin(["Polygon", "MultiPolygon"])], "MultiPolygon"),
        POINT_LAYER: (frame[kinds == "Point"], "Point"),
    }
    if all(len(f) == 0 for f, _ in parts.values()):
        parts = {POINT_LAYER: parts[POINT_LAYER]}
    else:
        parts = {k: v for k, v in parts.items() if len(v[0])}
    description = data.description()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.gpkg"
        for n, (layer, (part, geometry_type)) in enumerate(parts.items()):
            report(0.1 + 0.2 * n, layer)
            _write(
                part,
                path,
                layer,
                geometry_type=geometry_type,
                promote_to_multi=geometry_type == "MultiPolygon",
                layer_options={"FID": "id", "DESCRIPTION": description},
            )
        report(0.6, "decisions")
        _write(
            _decisions_frame(data), path, "decisions", layer_options={"DESCRIPTION": description}
        )
        report(0.8, "history")
        _write(_history_frame(data), path, "history", layer_options={"DESCRIPTION": description})
        _write(_info_frame(data, crs), path, "export_info")
        return path.read_bytes()

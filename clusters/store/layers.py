"""Reference layers in the registry: one row per layer, its features as GeoJSON text (WGS84).

Called by the SQL store's transaction (writes, which bump the registry's revision with them)
and by its reads; nothing else touches the table.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from clusters.clock import now_utc
from clusters.errors import NotFoundError, StorageError
from clusters.model import ReferenceLayerRecord
from clusters.store import schema as s

_t = s.reference_layers


def _record(r: RowMapping) -> ReferenceLayerRecord:
    at: datetime = r["uploaded_at"]
    return ReferenceLayerRecord(
        id=r["id"],
        name=r["name"],
        source=r["source"],
        file_name=r["file_name"],
        features=json.loads(r["features"]),
        uploaded_by=r["uploaded_by"],
        uploaded_at=at if at.tzinfo else at.replace(tzinfo=UTC),
    )


def add(conn: Connection, layer: ReferenceLayerRecord, *, actor: str) -> ReferenceLayerRecord:
    """Insert a layer; a layer of the same name is refused (remove it first to replace it)."""
    values = {
        "name": layer.name,
        "source": layer.source,
        "file_name": layer.file_name,
        "features": json.dumps(layer.features, ensure_ascii=False, separators=(",", ":")),
        "uploaded_by": actor,
        "uploaded_at": now_utc(),
    }
    taken = StorageError(
        f"Đã có lớp tham chiếu tên «{layer.name}»: hãy đặt tên khác hoặc xoá lớp cũ trước.",
        f"A reference layer named '{layer.name}' exists: choose another name or remove the "
        "old one first.",
        field="name",
    )
    if conn.execute(sa.select(_t.c.id).where(_t.c.name == layer.name)).first() is not None:
        raise taken
    try:
        key = conn.execute(sa.insert(_t).values(**values)).inserted_primary_key
    except sa.exc.IntegrityError as exc:  # another instance took the name meanwhile
        raise taken from exc
    assert key is not None
    return get(conn, int(key[0]))


def get(conn: Connection, layer_id: int) -> ReferenceLayerRecord:
    row = conn.execute(sa.select(_t).where(_t.c.id == layer_id)).mappings().first()
    if row is None:
        raise NotFoundError(
            f"Không có lớp tham chiếu mã {layer_id}.", f"There is no reference layer {layer_id}."
        )
    return _record(row)


def remove(conn: Connection, layer_id: int) -> ReferenceLayerRecord:
    """Delete a layer; returns what was removed."""
    removed = get(conn, layer_id)
    conn.execute(sa.delete(_t).where(_t.c.id == layer_id))
    return removed


def all_layers(conn: Connection) -> list[ReferenceLayerRecord]:
    """Every layer, in the order they were uploaded."""
    return [_record(r) for r in conn.execute(sa.select(_t).order_by(_t.c.id)).mappings()]

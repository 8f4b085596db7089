"""GIS clients on PostGIS: the public cluster layer, a read-only login role for QGIS and the
like, and an OGC API – Features service (pygeoapi) over that layer.

- ``PUBLIC_VIEW`` (``clusters_public``): the clusters with the exported fields only (those of
  the data dictionary, no account names) and the PostGIS ``geom``; refreshed by ``grant-reader``
  and ``ogcapi``.
- ``grant_reader``: a login role that may SELECT the cluster layer (the ``clusters`` table and
  the public view), the decisions and the history, and nothing else — no account, password
  hash, session or sign-in failure.
- ``pygeoapi_config``: pygeoapi's configuration for one collection, ``clusters``, served by its
  PostgreSQL provider from the public view. The database password is not written into the
  file: pygeoapi reads it from ``PASSWORD_VARIABLE`` in its environment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from clusters.errors import StorageError
from clusters.model import STORED_FIELDS, Kind
from clusters.store import connect, database_url, migrations
from clusters.store import schema as s

PUBLIC_VIEW = "clusters_public"
GEOMETRY_COLUMN = "geom"  # the PostGIS column of ``clusters`` (store/postgis.py)
COLLECTION = "clusters"
PASSWORD_VARIABLE = "CLUSTERS_OGCAPI_DB_PASSWORD"  # noqa: S105 (a variable's name)
# What the reader role may read besides the public view.
READABLE_TABLES: tuple[sa.Table, ...] = (s.clusters, s.events, s.event_changes, s.decisions)
PUBLIC_COLUMNS: tuple[str, ...] = tuple(
    f.name for f in STORED_FIELDS if f.exported and f.kind is not Kind.GEOMETRY
)
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def needs_postgis(url: str) -> sa.URL:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise StorageError(
            "Lệnh này cần PostgreSQL/PostGIS (CLUSTERS_DATABASE_URL=postgresql+psycopg://…); "
            "với SQLite, xuất GeoPackage cho QGIS: clusters export --format gpkg.",
            "This command needs PostgreSQL/PostGIS (CLUSTERS_DATABASE_URL=postgresql+psycopg://…); "
            "on SQLite, export a GeoPackage for QGIS: clusters export --format gpkg.",
        )
    return parsed


def _current_schema(conn: Connection) -> str:
    return str(conn.execute(sa.text("SELECT current_schema()")).scalar_one())


def ensure_public_view(conn: Connection) -> None:
    """Create or refresh ``PUBLIC_VIEW`` (needs the registry's PostGIS geometry column)."""
    if not sa.inspect(conn).has_table(s.meta.name):
        raise StorageError(
            "Chưa có sổ đăng ký ở cơ sở dữ liệu này (tạo bằng clusters seed hoặc clusters copy).",
            "There is no registry in this database (make one with clusters seed or clusters copy).",
        )
    migrations.check_up_to_date(conn)  # an older registry: 'clusters migrate' first
    has_geom = conn.execute(
        sa.text(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = :t AND column_name = :c"
        ),
        {"t": s.clusters.name, "c": GEOMETRY_COLUMN},
    ).scalar()
    if not has_geom:
        raise StorageError(
            "Sổ đăng ký này không có cột hình học PostGIS (chưa cài PostGIS trên máy chủ?).",
            "This registry has no PostGIS geometry column (is PostGIS installed on the server?).",
        )
    columns = ", ".join(f'"{c}"' for c in (*PUBLIC_COLUMNS, GEOMETRY_COLUMN))
    # Only names of the schema's own columns go into this statement.
    view = f"CREATE OR REPLACE VIEW {PUBLIC_VIEW} AS SELECT {columns} FROM {s.clusters.name}"  # noqa: S608
    conn.exec_driver_sql(view)
    conn.exec_driver_sql(
        f"COMMENT ON VIEW {PUBLIC_VIEW} IS 'Cụm công nghiệp Hà Nội — Hanoi industrial "
        "clusters: the exported fields only (see the README data dictionary)'"
    )


@dataclass(frozen=True)
class ReaderAccess:
    """What to give a GIS user: where to connect and what to open."""

    host: str
    port: int
    database: str
    schema: str
    user: str
    tables: tuple[str, ...]

    def lines(self, lang: str) -> list[str]:
        en = lang == "en"
        return [
            f"{'host' if en else 'máy chủ'}: {self.host}",
            f"port: {self.port}",
            f"{'database' if en else 'cơ sở dữ liệu'}: {self.database}",
            f"schema: {self.schema}",
            f"{'user' if en else 'người dùng'}: {self.user}",
            f"{'password' if en else 'mật khẩu'}: "
            + ("the one just given (not shown)" if en else "mật khẩu vừa nhập (không hiển thị)"),
            f"{'layer' if en else 'lớp'}: {self.schema}.{PUBLIC_VIEW} (geom, EPSG:4326)",
            f"{'also readable' if en else 'đọc được thêm'}: {', '.join(self.tables)}",
            f"URL: postgresql://{self.user}@{self.host}:{self.port}/{self.database}",
        ]


def check_role_name(name: str) -> str:
    if not _ROLE_NAME.match(name):
        raise StorageError(
            f"Tên vai trò «{name}» không hợp lệ: chữ thường không dấu, số, «_» (tối đa 63).",
            f"'{name}' is not a valid role name: lower-case letters, digits and '_' (at most 63).",
        )
    return name


def grant_reader(name: str, password: str, url: str | None = None) -> ReaderAccess:
    """Create (or update) the login role ``name`` that reads the cluster layer, decisions
    and history and nothing else; in one transaction."""
    from psycopg import sql  # the PostGIS driver (the 'postgis' extra)

    check_role_name(name)
    if not password:
        raise StorageError("Mật khẩu trống.", "The password is empty.")
    parsed = needs_postgis(url or database_url())
    engine, _ = connect(parsed.render_as_string(hide_password=False))
    try:
        with engine.begin() as conn:
            me = conn.execute(sa.text("SELECT current_user")).scalar_one()
            if name == me:
                raise StorageError(
                    f"«{name}» là người dùng của ứng dụng; chọn tên khác cho người đọc.",
                    f"'{name}' is the application's own user; choose another name.",
                )
            found = conn.execute(
                sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = :n"), {"n": name}
            ).first()
            if found is not None and found[0]:
                raise StorageError(
                    f"«{name}» là siêu người dùng; không dùng được làm vai trò chỉ đọc.",
                    f"'{name}' is a superuser; it cannot be made a read-only role.",
                )
            ensure_public_view(conn)
            schema = _current_schema(conn)
            raw = conn.connection.driver_connection
            assert raw is not None
            role = sql.Identifier(name)
            verb = "ALTER" if found is not None else "CREATE"
            with raw.cursor() as cur:
                cur.execute(
                    sql.SQL(
                        verb + " ROLE {} LOGIN NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD {}"
                    ).format(role, sql.Literal(password))
                )
                cur.execute(
                    sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(role)
                )
                everything = [t.name for t in s.metadata.sorted_tables] + [PUBLIC_VIEW]
                cur.execute(
                    sql.SQL("REVOKE ALL ON {} FROM {}").format(
                        sql.SQL(", ").join(sql.Identifier(schema, t) for t in everything), role
                    )
                )
                readable = [t.name for t in READABLE_TABLES] + [PUBLIC_VIEW]
                cur.execute(
                    sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), role)
                )
                cur.execute(
                    sql.SQL("GRANT SELECT ON {} TO {}").format(
                        sql.SQL(", ").join(sql.Identifier(schema, t) for t in readable), role
                    )
                )
                if schema != "public":  # PostGIS's own tables (spatial_ref_sys …) live there
                    cur.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
            database = conn.execute(sa.text("SELECT current_database()")).scalar_one()
    finally:
        engine.dispose()
    return ReaderAccess(
        host=parsed.host or "localhost",
        port=parsed.port or 5432,
        database=str(database),
        schema=schema,
        user=name,
        tables=(*(t.name for t in READABLE_TABLES),),
    )


# --- OGC API – Features (pygeoapi) --------------------------------------------------------


def _search_path(parsed: sa.URL) -> list[str]:
    """The schemas the URL's ``options=-csearch_path=…`` names, else ``public``."""
    options = parsed.query.get("options")
    text = options if isinstance(options, str) else " ".join(options or ())
    found = re.search(r"search_path\s*=\s*([\w,\s]+)", text)
    if not found:
        return ["public"]
    return [p.strip() for p in found.group(1).split(",") if p.strip()]


def _extent(conn: Connection) -> list[float]:
    c = s.clusters.c
    row = conn.execute(
        sa.select(
            sa.func.min(c.min_x), sa.func.min(c.min_y), sa.func.max(c.max_x), sa.func.max(c.max_y)
        )
    ).first()
    if row is None or row[0] is None:
        return [-180.0, -90.0, 180.0, 90.0]
    return [float(v) for v in row]


def prepare(url: str | None = None) -> tuple[sa.URL, list[float]]:
    """Refresh the public view; the database URL and the layer's extent."""
    parsed = needs_postgis(url or database_url())
    engine, _ = connect(parsed.render_as_string(hide_password=False))
    try:
        with engine.begin() as conn:
            ensure_public_view(conn)
            extent = _extent(conn)
    finally:
        engine.dispose()
    return parsed, extent


def pygeoapi_config(
    parsed: sa.URL,
    extent: list[float],
    *,
    host: str,
    port: int,
    public_url: str,
    tiles: tuple[str, str],
) -> dict[str, Any]:
    """pygeoapi's configuration (a mapping; written as JSON, which YAML reads)."""
    data: dict[str, Any] = {
        "host": parsed.host or "localhost",
        "port": parsed.port or 5432,
        "dbname": parsed.database,
        "user": parsed.username,
        "search_path": _search_path(parsed),
    }
    if parsed.password is not None:
        data["password"] = "${" + PASSWORD_VARIABLE + "}"
    tile_url, attribution = tiles
    return {
        "server": {
            "bind": {"host": host, "port": port},
            "url": public_url.rstrip("/"),
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["vi", "en"],
            "limits": {"default_items": 100, "max_items": 10000},
            "map": {"url": tile_url, "attribution": attribution},
            "cors": True,
            "pretty_print": False,
        },
        "logging": {"level": "WARNING"},
        "metadata": {
            "identification": {
                "title": {
                    "vi": "Sổ đăng ký cụm công nghiệp Hà Nội",
                    "en": "Hanoi industrial cluster registry",
                },
                "description": {
                    "vi": "Các cụm công nghiệp của Hà Nội (OGC API – Features), trực tiếp từ "
                    "sổ đăng ký",
                    "en": "Hanoi's industrial clusters (OGC API – Features), live from the "
                    "registry",
                },
                "keywords": {
                    "vi": ["cụm công nghiệp", "Hà Nội"],
                    "en": ["industrial clusters", "Hanoi"],
                },
                "url": public_url.rstrip("/"),
                "terms_of_service": "",
            },
            # Each cluster lists its sources, each with its own terms.
            "license": {
                "name": "Xem nguồn của từng cụm / see each cluster's sources",
                "url": public_url.rstrip("/"),
            },
            "provider": {"name": "Sở Công Thương Hà Nội — Hanoi Department of Industry and Trade"},
            "contact": {"name": "Sở Công Thương Hà Nội"},
        },
        "resources": {
            COLLECTION: {
                "type": "collection",
                "title": {"vi": "Cụm công nghiệp", "en": "Industrial clusters"},
                "description": {
                    "vi": "Cụm công nghiệp Hà Nội: các trường công khai của sổ đăng ký",
                    "en": "Hanoi's industrial clusters: the registry's public fields",
                },
                "keywords": {"vi": ["cụm công nghiệp"], "en": ["industrial clusters"]},
                "links": [],
                "extents": {
                    "spatial": {
                        "bbox": extent,
                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                    }
                },
                "providers": [
                    {
                        "type": "feature",
                        "name": "PostgreSQL",
                        "data": data,
                        "id_field": "id",
                        "table": PUBLIC_VIEW,
                        "geom_field": GEOMETRY_COLUMN,
                    }
                ],
            }
        },
    }


def config_text(config: Mapping[str, Any]) -> str:
    return json.dumps(config, ensure_ascii=False, indent=2) + "\n"


def service_environment(parsed: sa.URL, config_file: str, openapi_file: str) -> dict[str, str]:
    """The variables pygeoapi runs with: its two files and the database password."""
    env = {"PYGEOAPI_CONFIG": config_file, "PYGEOAPI_OPENAPI": openapi_file}
    if parsed.password is not None:
        env[PASSWORD_VARIABLE] = parsed.password
    return env

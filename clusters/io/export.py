"""Export formats: what one export holds (``ExportSet``), in which format, under which file
name. Every file records when it was exported and with which filter. Which clusters go in is
read from the registry by ``clusters.snapshot.collect``."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from clusters import clock
from clusters.filters import ClusterFilter
from clusters.model import ChangeEvent, Cluster, Decision, ReportedFigure
from clusters.texts import counted

FORMATS: tuple[str, ...] = ("geojson", "gpkg", "csv", "xlsx", "kml")
SUFFIXES = {"geojson": "geojson", "gpkg": "gpkg", "csv": "csv", "xlsx": "xlsx", "kml": "kml"}
# The formats that write the decisions and the history beside the clusters.
WITH_RECORDS = frozenset({"gpkg"})
MEDIA_TYPES = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "kml": "application/vnd.google-earth.kml+xml",
}
FORMAT_LABELS = {
    "geojson": ("GeoJSON (RFC 7946)", "GeoJSON (RFC 7946)"),
    "gpkg": ("GeoPackage (QGIS)", "GeoPackage (QGIS)"),
    "csv": ("CSV (Excel, UTF-8)", "CSV (Excel, UTF-8)"),
    "xlsx": ("Báo cáo Excel (.xlsx)", "Excel report (.xlsx)"),
    "kml": ("KML (Google Earth)", "KML (Google Earth)"),
}
FILE_STEM = "cum-cong-nghiep-ha-noi"
ALL_CLUSTERS = ClusterFilter(stages=())

Progress = Callable[[float, str], object]


def describe_filter(flt: ClusterFilter) -> str:
    """The filter as it is written into exported files."""
    if flt == ALL_CLUSTERS:
        return "all clusters, removed ones included (tất cả, kể cả cụm đã đưa ra khỏi quy hoạch)"
    if flt.is_default():
        return "all clusters except removed ones (mọi cụm trừ cụm đã đưa ra khỏi quy hoạch)"
    return flt.describe()


def describe_as_of(day: date) -> str:
    """How an export of the registry as it stood at a cut-off date says so."""
    return (
        f"as of {day.isoformat()}, end of day Hanoi time "
        f"(số liệu tại cuối ngày {day:%d/%m/%Y}, giờ Hà Nội)"
    )


@dataclass
class ExportSet:
    """What one export holds: the chosen clusters with their decisions and history."""

    clusters: list[Cluster]
    filter_text: str
    when: datetime = field(default_factory=clock.now_utc)
    decisions: list[Decision] = field(default_factory=list)
    history: list[ChangeEvent] = field(default_factory=list)
    figures: list[ReportedFigure] = field(default_factory=list)
    as_of: date | None = None  # the registry as it stood at the end of this day (Hanoi)

    @property
    def stamp(self) -> str:
        return self.when.astimezone(UTC).isoformat(timespec="seconds")

    @property
    def stamp_hanoi(self) -> str:
        return f"{self.when.astimezone(clock.HANOI):%d/%m/%Y %H:%M} (giờ Hà Nội, UTC+7)"

    @property
    def data_time_hanoi(self) -> str:
        """When the exported data stood so: the export time, or the end of the as-of day."""
        if self.as_of is None:
            return self.stamp_hanoi
        return f"cuối ngày {self.as_of:%d/%m/%Y} (giờ Hà Nội, UTC+7)"

    def description(self) -> str:
        return (
            f"Hanoi industrial cluster registry (Sổ đăng ký cụm công nghiệp Hà Nội); "
            f"exported {self.stamp}; {counted(len(self.clusters), 'cụm', 'cluster').en}; "
            f"filter: {self.filter_text}"
        )


def file_name(fmt: str, when: datetime, vn2000: bool = False, as_of: date | None = None) -> str:
    """E.g. cum-cong-nghiep-ha-noi_2025-06-14.gpkg (the date in Hanoi), or
    cum-cong-nghiep-ha-noi_as-of-2025-06-14.gpkg for the registry as of a cut-off date."""
    day = clock.hanoi_date(when).isoformat() if as_of is None else f"as-of-{as_of}"
    crs = "_vn2000" if vn2000 and fmt == "gpkg" else ""
    return f"{FILE_STEM}_{day}{crs}.{SUFFIXES[fmt]}"


def write_to(
    out: BinaryIO,
    fmt: str,
    data: ExportSet,
    *,
    vn2000: bool = False,
    progress: Progress | None = None,
) -> None:
    """Write the file's content into ``out``. ``vn2000`` writes the GeoPackage in VN-2000
    (EPSG:5897). GeoJSON is written as it is made; the other formats are made whole."""
    # Only the format's own writer is imported (fastkml, openpyxl … cost start-up time).
    report = progress or (lambda _f, _m: None)
    report(0.0, fmt)
    if fmt == "geojson":
        from clusters.io import geojson

        geojson.write_geojson(out, data.clusters, data.filter_text, data.when)
    elif fmt == "gpkg":
        from clusters.io import gpkg

        out.write(gpkg.gpkg_bytes(data, vn2000=vn2000, progress=report))
    elif fmt == "csv":
        from clusters.io import tabular

        out.write(tabular.csv_bytes(data))
    elif fmt == "xlsx":
        from clusters.io import xlsx

        out.write(xlsx.xlsx_bytes(data, progress=report))
    elif fmt == "kml":
        from clusters.io import kml

        out.write(kml.kml_bytes(data))
    else:
        raise ValueError(f"unknown format {fmt!r}")
    report(1.0, fmt)


def export_bytes(
    fmt: str, data: ExportSet, *, vn2000: bool = False, progress: Progress | None = None
) -> bytes:
    """The file's content, as ``write_to`` writes it."""
    buffer = io.BytesIO()
    write_to(buffer, fmt, data, vn2000=vn2000, progress=progress)
    return buffer.getvalue()


def write_export(
    fmt: str,
    data: ExportSet,
    target: Path,
    *,
    vn2000: bool = False,
    progress: Progress | None = None,
) -> None:
    """The file at ``target``, written beside it first and moved there once whole (an
    unknown format or a failure leaves no file, and the previous one as it was)."""
    tmp = target.with_name(target.name + ".part")
    try:
        with tmp.open("wb") as out:
            write_to(out, fmt, data, vn2000=vn2000, progress=progress)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(target)

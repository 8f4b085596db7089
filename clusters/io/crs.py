"""Coordinate systems of imported files: what a file states, what a planner chooses."""

from __future__ import annotations

from pyproj import CRS
from pyproj.exceptions import CRSError

from clusters.geo import VN2000_CRS, WGS84
from clusters.io.errors import ImportFileError

# Coordinate systems offered by name when a file does not state its own.
CRS_CHOICES: dict[str, str] = {
    WGS84: "WGS 84 (kinh độ/vĩ độ — GPS, Google Earth / longitude, latitude)",
    **VN2000_CRS,
}


def crs_code(value: str) -> str:
    """ "EPSG:nnnn" for a coordinate system when one is known, else its WKT."""
    try:
        crs = CRS.from_user_input(value)
    except CRSError as exc:
        raise ImportFileError(
            f"Không hiểu hệ tọa độ «{value[:80]}».",
            f"The coordinate system '{value[:80]}' is not understood.",
        ) from exc
    if crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return WGS84
    code = crs.to_epsg(min_confidence=90)
    return f"EPSG:{code}" if code else crs.to_wkt()


def crs_label(code: str) -> str:
    """ "EPSG:5897 (VN-2000 / TM-3 zone 482)": the code and the name the EPSG registry gives."""
    try:
        name = CRS.from_user_input(code).name
    except CRSError:
        return code[:60]
    return f"{code} ({name})" if code.startswith("EPSG:") else name


def resolve_crs(stated: str | None, chosen: str | None, fallback: str | None) -> str:
    if chosen is not None:
        chosen = crs_code(chosen)
    if stated is not None:
        if chosen is not None and not CRS.from_user_input(chosen).equals(
            CRS.from_user_input(stated), ignore_axis_order=True
        ):
            raise ImportFileError(
                f"Tệp đã ghi hệ tọa độ {crs_label(stated)}, khác với {crs_label(chosen)} "
                "bạn chọn. Hãy bỏ lựa chọn hệ tọa độ (dùng hệ của tệp) hoặc sửa tệp.",
                f"The file states its coordinate system, {crs_label(stated)}, which differs "
                f"from the {crs_label(chosen)} you chose. Clear your choice (use the file's) "
                "or correct the file.",
            )
        return stated
    if chosen is not None:
        return chosen
    if fallback is not None:
        return fallback
    raise ImportFileError(
        "Tệp không ghi hệ tọa độ: hãy chọn (VN-2000 EPSG:5897, 3405, 4756 hoặc WGS 84).",
        "The file does not state its coordinate system: choose one (VN-2000 EPSG:5897, "
        "3405, 4756 or WGS 84).",
    )

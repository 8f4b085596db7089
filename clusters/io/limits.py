"""Limits on what an import will read, and a zip reader that refuses zip bombs.

The limits are configurable through the environment so a server can lower or raise them:
``CLUSTERS_IMPORT_MAX_MB`` (file size) and ``CLUSTERS_IMPORT_MAX_FEATURES`` (rows/features).
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass

from clusters.io.errors import ImportFileError

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * MB
    max_features: int = 10_000
    # A zip (a zipped Shapefile, a KMZ, an .xlsx) may unpack to at most this much in total …
    max_unzipped_bytes: int = 200 * MB
    # … with at most this many members, none expanding more than ``max_ratio`` times.
    max_members: int = 200
    max_ratio: int = 200

    @classmethod
    def from_env(cls) -> Limits:
        kw: dict[str, int] = {}
        mb = _env_int("CLUSTERS_IMPORT_MAX_MB")
        if mb is not None:
            kw["max_bytes"] = mb * MB
        features = _env_int("CLUSTERS_IMPORT_MAX_FEATURES")
        if features is not None:
            kw["max_features"] = features
        return cls(**kw)


def _env_int(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value > 0 else None


def _mb(n: int) -> str:
    return f"{n / MB:.1f}"


def check_size(data: bytes, limits: Limits) -> None:
    if not data.strip():
        raise ImportFileError(
            "Tệp rỗng: không có dữ liệu để nhập.",
            "The file is empty: there is nothing to import.",
        )
    if len(data) > limits.max_bytes:
        raise ImportFileError(
            f"Tệp lớn {_mb(len(data))} MB, vượt giới hạn {_mb(limits.max_bytes)} MB.",
            f"The file is {_mb(len(data))} MB, over the {_mb(limits.max_bytes)} MB limit.",
        )


def check_feature_count(count: int, limits: Limits) -> None:
    if count > limits.max_features:
        raise ImportFileError(
            f"Tệp có hơn {limits.max_features} dòng hoặc đối tượng, vượt giới hạn.",
            f"The file holds more than {limits.max_features} rows or features, over the limit.",
        )


def _bomb() -> ImportFileError:
    return ImportFileError(
        "Tệp nén giải nén ra quá lớn so với kích thước (nghi là «zip bomb»): không đọc.",
        "The zip expands far beyond its size (a suspected zip bomb): not read.",
    )


def unzip(data: bytes, limits: Limits) -> dict[str, bytes]:
    """Every file in a zip, read within the limits; directories are skipped.

    The sizes the zip declares are checked before anything is unpacked.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError(
            "Tệp nén .zip bị hỏng hoặc không phải tệp zip.",
            "The .zip file is damaged or not a zip file.",
        ) from exc
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > limits.max_members:
            raise ImportFileError(
                f"Tệp nén chứa {len(infos)} tệp, vượt giới hạn {limits.max_members}.",
                f"The zip holds {len(infos)} files, over the limit of {limits.max_members}.",
            )
        total = sum(i.file_size for i in infos)
        if total > limits.max_unzipped_bytes:
            raise _bomb()
        for i in infos:
            if i.flag_bits & 0x1:
                raise ImportFileError(
                    "Tệp nén có mật khẩu: hãy nén lại không đặt mật khẩu.",
                    "The zip is password-protected: zip it again without a password.",
                )
            if i.file_size > MB and i.file_size > limits.max_ratio * max(i.compress_size, 1):
                raise _bomb()
        out: dict[str, bytes] = {}
        for i in infos:
            try:
                # zipfile never returns more than the declared size, and a member whose
                # declared size is a lie fails its CRC check here.
                out[i.filename] = zf.read(i)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                raise ImportFileError(
                    f"Không giải nén được «{i.filename}» trong tệp zip.",
                    f"Cannot unpack '{i.filename}' from the zip.",
                ) from exc
        return out

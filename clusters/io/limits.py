"""Limits on what an import will read, and a zip reader that refuses zip bombs.

The limits are configurable through the environment so a server can lower or raise them:
``CLUSTERS_IMPORT_MAX_MB`` (file size) and ``CLUSTERS_IMPORT_MAX_FEATURES`` (rows/features).
Every limit is checked before the work it bounds: a file's size before it is read, a zip's
declared sizes before it is unpacked, a table's width before its rows are built.
"""

from __future__ import annotations

import io
import logging
import lzma
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from clusters.io.errors import ImportFileError
from clusters.texts import plural

MB = 1024 * 1024
log = logging.getLogger(__name__)

# What zipfile raises on a damaged archive: a bad header (BadZipFile, struct.error), a
# garbage offset (ValueError: negative seek), a broken stream (zlib/lzma errors, EOFError),
# an unknown compression method (NotImplementedError).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    struct.error,
    zlib.error,
    lzma.LZMAError,
    NotImplementedError,
)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * MB
    max_features: int = 10_000
    # Registry files have about 30 columns; thousands are a damaged or hostile file.
    max_columns: int = 500
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


def check_byte_count(size: int, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise ImportFileError(
            f"Tệp lớn {_mb(size)} MB, vượt giới hạn {_mb(limits.max_bytes)} MB.",
            f"The file is {_mb(size)} MB, over the {_mb(limits.max_bytes)} MB limit.",
        )


def check_size(data: bytes, limits: Limits) -> None:
    check_byte_count(len(data), limits)  # first: the emptiness test reads every byte
    if not data or data.isspace():
        raise ImportFileError(
            "Tệp rỗng: không có dữ liệu để nhập.",
            "The file is empty: there is nothing to import.",
        )


def read_file(path: Path, limits: Limits | None = None) -> bytes:
    """A file's bytes, its size checked before it is read (a 1 GB file is never loaded)."""
    limits = limits or Limits.from_env()
    try:
        check_byte_count(path.stat().st_size, limits)
        with path.open("rb") as f:
            data = f.read(limits.max_bytes + 1)  # a file growing meanwhile stays bounded
    except OSError as exc:
        raise ImportFileError(
            f"Không đọc được tệp «{path.name}».", f"Cannot read the file '{path.name}'."
        ) from exc
    check_size(data, limits)
    return data


def check_feature_count(count: int, limits: Limits) -> None:
    if count > limits.max_features:
        raise ImportFileError(
            f"Tệp có hơn {limits.max_features} dòng hoặc đối tượng, vượt giới hạn.",
            f"The file holds more than {limits.max_features} "
            f"{plural(limits.max_features, 'row or feature', 'rows or features')}, over the limit.",
        )


def too_many_columns(limits: Limits) -> ImportFileError:
    return ImportFileError(
        f"Tệp có hơn {limits.max_columns} cột (thuộc tính), vượt giới hạn: tệp bị hỏng, "
        "hoặc hãy bỏ bớt cột rồi gửi lại.",
        f"The file has more than {limits.max_columns} "
        f"{plural(limits.max_columns, 'column (attribute)', 'columns (attributes)')}, over the "
        "limit: the file is damaged, or remove the columns not needed and send it again.",
    )


def check_column_count(count: int, limits: Limits) -> None:
    if count > limits.max_columns:
        raise too_many_columns(limits)


def _bomb() -> ImportFileError:
    return ImportFileError(
        "Tệp nén giải nén ra quá lớn so với kích thước (nghi là «zip bomb»): không đọc.",
        "The zip expands far beyond its size (a suspected zip bomb): not read.",
    )


def _damaged_zip() -> ImportFileError:
    return ImportFileError(
        "Tệp nén .zip bị hỏng hoặc không phải tệp zip.",
        "The .zip file is damaged or not a zip file.",
    )


def unzip(data: bytes, limits: Limits) -> dict[str, bytes]:
    """Every file in a zip, read within the limits; directories are skipped.

    The sizes the zip declares are checked before anything is unpacked.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in zf.infolist() if not i.is_dir()]
    except ZIP_ERRORS as exc:
        raise _damaged_zip() from exc
    with zf:
        if len(infos) > limits.max_members:
            raise ImportFileError(
                f"Tệp nén chứa {len(infos)} tệp, vượt giới hạn {limits.max_members}.",
                f"The zip holds {len(infos)} {plural(len(infos), 'file')}, over the limit of "
                f"{limits.max_members}.",
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
            except ZIP_ERRORS as exc:
                log.info("zip member %r unreadable: %r", i.filename, exc)
                raise ImportFileError(
                    f"Không giải nén được «{i.filename}» trong tệp zip.",
                    f"Cannot unpack '{i.filename}' from the zip.",
                ) from exc
        return out

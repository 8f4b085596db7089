"""The one error a file that cannot be read or imported raises."""

from __future__ import annotations

from clusters.errors import ClusterError


class ImportFileError(ClusterError):
    """A file that cannot be read or imported, with a message saying why and what to do.

    Raised before anything is written: an import either commits every row or nothing.
    """

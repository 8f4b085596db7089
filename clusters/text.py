"""Text folding for search: "ngoc hoi" finds "Ngọc Hồi"."""

from __future__ import annotations

import re

from unidecode import unidecode

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case ASCII with single spaces; Vietnamese diacritics and đ removed."""
    if not text:
        return ""
    return _SPACES.sub(" ", unidecode(text).lower()).strip()


def matches(query: str, *texts: str | None) -> bool:
    """Every word of the query appears in one of the texts, ignoring diacritics and case."""
    words = fold(query).split()
    haystack = " | ".join(fold(t) for t in texts if t)
    return all(w in haystack for w in words)

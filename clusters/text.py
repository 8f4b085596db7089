"""Text folding and search: "ngoc hoi" and "ngochoi" find "Ngọc Hồi"; "Liên Hà 2" does not
find "Liên Hiệp giai đoạn 2".

A query word matches a text when it is the start of a word of that text, or of several
consecutive words written together ("ngochoi"). Every query word must match; diacritics and
case are ignored. ``match_score`` ranks the matches: the name before other fields, whole
words before prefixes, the whole name before part of it.
"""

from __future__ import annotations

import re

from unidecode import unidecode

_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9]+")

# Scores of one query word (higher is better), by where and how it matched.
_IN_NAME_WHOLE, _IN_NAME_PREFIX, _ELSEWHERE_WHOLE, _ELSEWHERE_PREFIX = 4, 3, 2, 1
_WHOLE_NAME_BONUS = 100  # the query is the whole name (or all of it but "CCN")


def fold(text: str | None) -> str:
    """Lower-case ASCII with single spaces; Vietnamese diacritics and đ removed."""
    if not text:
        return ""
    return _SPACES.sub(" ", unidecode(text).lower()).strip()


def words(text: str | None) -> list[str]:
    """The folded words of ``text``: letters and digits, punctuation dropped."""
    return _WORD.findall(fold(text))


def _word_match(word: str, text_words: list[str]) -> int:
    """0 if ``word`` starts no run of words of the text; 2 for a whole word; 1 for a prefix."""
    best = 0
    for i, w in enumerate(text_words):
        if w == word:
            return 2
        if w.startswith(word):
            best = 1
        elif word.startswith(w):
            joined = "".join(text_words[i:])  # words written together: "ngochoi"
            if joined.startswith(word):
                best = max(best, 2 if _ends_at_word(word, text_words[i:]) else 1)
    return best


def _ends_at_word(word: str, text_words: list[str]) -> bool:
    length = 0
    for w in text_words:
        length += len(w)
        if length == len(word):
            return True
        if length > len(word):
            return False
    return False


def match_score(query: str, name: str | None, *others: str | None) -> int | None:
    """How well the cluster's texts match ``query``; None when some word matches nowhere."""
    q = words(query)
    if not q:
        return 0
    name_words = words(name)
    other_words = [words(t) for t in others if t]
    score = 0
    for word in q:
        in_name = _word_match(word, name_words)
        if in_name:
            score += _IN_NAME_WHOLE if in_name == 2 else _IN_NAME_PREFIX
            continue
        elsewhere = max((_word_match(word, ws) for ws in other_words), default=0)
        if not elsewhere:
            return None
        score += _ELSEWHERE_WHOLE if elsewhere == 2 else _ELSEWHERE_PREFIX
    if q in (name_words, name_words[1:]):
        score += _WHOLE_NAME_BONUS
    return score


def matches(query: str, name: str | None, *others: str | None) -> bool:
    """Every word of the query starts a word (or words written together) of some text."""
    return match_score(query, name, *others) is not None

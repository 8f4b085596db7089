"""One bilingual message: the same words in Vietnamese and in English.

``Text`` is what labels, problems, errors and figures carry; the place that shows it (a page,
the command line) picks the language. Counted words go through ``counted`` so English says
"1 row" and "2 rows" (Vietnamese nouns do not change). Text folding for search is
``clusters.text``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LANGS = ("vi", "en")


@dataclass(frozen=True)
class Text:
    vi: str
    en: str

    def text(self, lang: str = "vi") -> str:
        return self.en if lang == "en" else self.vi

    def format(self, **values: object) -> Text:
        """Both languages with ``values`` filled in; a ``Text`` value fills in its own
        language's words."""

        def filled(lang: str) -> dict[str, object]:
            return {k: v.text(lang) if isinstance(v, Text) else v for k, v in values.items()}

        return Text(self.vi.format(**filled("vi")), self.en.format(**filled("en")))

    def __add__(self, other: Text) -> Text:
        return Text(self.vi + other.vi, self.en + other.en)

    def __str__(self) -> str:
        return self.vi


def join(texts: Iterable[Text], sep: str = "; ") -> Text:
    found = list(texts)
    return Text(sep.join(t.vi for t in found), sep.join(t.en for t in found))


def plural(count: int, one: str, many: str | None = None) -> str:
    """The English noun for ``count`` things: ``one`` for exactly one, else ``many``."""
    return one if count == 1 else (many or one + "s")


def counted(count: int, vi: str, one: str, many: str | None = None) -> Text:
    """``3 cụm`` / ``3 clusters``, ``1 cụm`` / ``1 cluster``."""
    return Text(f"{count} {vi}", f"{count} {plural(count, one, many)}")

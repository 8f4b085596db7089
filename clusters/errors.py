"""Errors that carry a message safe to show a user, in Vietnamese and English.

Expected, user-correctable problems raise a ``ClusterError`` subclass; the UI and the CLI
turn them into a message in exactly one place each. Programmer errors propagate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clusters.texts import Text, join


@dataclass(frozen=True)
class Problem:
    """One finding of a rule: an error blocks, a warning is shown and may be accepted.

    ``field`` names the field (or the form's input) it is about, so a form can show it there.
    """

    code: str
    field: str | None
    vi: str
    en: str
    severity: str = "error"  # "error" | "warning"

    @classmethod
    def of(cls, code: str, field: str | None, message: Text, severity: str = "error") -> Problem:
        return cls(code, field, message.vi, message.en, severity)

    @property
    def message(self) -> Text:
        return Text(self.vi, self.en)

    def text(self, lang: str = "vi") -> str:
        return self.message.text(lang)

    def at(self, field: str | None) -> Problem:
        """The same finding about another field (or input)."""
        return Problem(self.code, field, self.vi, self.en, self.severity)


class ClusterError(Exception):
    """Base of all user-facing errors: a ``Text``, or its Vietnamese and English."""

    def __init__(self, vi: str | Text, en: str | None = None, *, field: str | None = None) -> None:
        message = vi if isinstance(vi, Text) else Text(vi, en if en is not None else vi)
        super().__init__(message.en)
        self.message = message
        self.field = field

    @property
    def vi(self) -> str:
        return self.message.vi

    @property
    def en(self) -> str:
        return self.message.en

    def text(self, lang: str = "vi") -> str:
        return self.message.text(lang)


class ValidationError(ClusterError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0].field if problems else None
        super().__init__(join(p.message for p in problems), field=first)


class NotFoundError(ClusterError):
    pass


@dataclass
class ConcurrentChange:
    """What someone else changed since the version a form was opened on."""

    version: int
    actor: str
    at: str
    fields: list[str] = field(default_factory=list)


class ConflictError(ClusterError):
    def __init__(self, cluster_id: int, based_on: int, changes: list[ConcurrentChange]) -> None:
        self.cluster_id = cluster_id
        self.based_on = based_on
        self.changes = changes
        who_vi = "; ".join(
            f"{c.actor} lúc {c.at} (phiên bản {c.version}: {_labels(c.fields, 'vi')})"
            for c in changes
        )
        who_en = "; ".join(
            f"{c.actor} at {c.at} (version {c.version}: {_labels(c.fields, 'en')})" for c in changes
        )
        super().__init__(
            f"Cụm #{cluster_id} đã được người khác sửa sau phiên bản {based_on} bạn mở: "
            f"{who_vi}. Không có gì được ghi; hãy xem lại và lưu lại.",
            f"Cluster #{cluster_id} was changed by someone else after version {based_on} you "
            f"opened: {who_en}. Nothing was written; review and save again.",
        )


def _labels(fields: list[str], lang: str) -> str:
    """Field names in the planners' words."""
    from clusters.model import FIELD_BY_NAME  # the model's labels; the model needs no errors

    return (
        ", ".join(FIELD_BY_NAME[f].label(lang) if f in FIELD_BY_NAME else f for f in fields) or "—"
    )


class AccessDenied(ClusterError):
    pass


class StorageError(ClusterError):
    pass


class RegistryBusy(StorageError):
    """Another writer (a long import) held the database past the wait for it: nothing was
    written, and the same save succeeds once that writer is done."""

    retryable = True

    def __init__(self) -> None:
        super().__init__(
            "Sổ đăng ký đang bận (một lần nhập khác đang ghi); hãy thử lại sau ít phút. "
            "Nội dung bạn nhập vẫn được giữ.",
            "The registry is busy (another import is writing); try again in a few minutes. "
            "What you entered is kept.",
        )


class BadLink(ClusterError):
    """A query parameter of the page's address that cannot be read: the page says so and
    opens without it."""

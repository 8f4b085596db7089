"""Who may do what. Checked where every write happens, not only in the UI."""

from __future__ import annotations

from dataclasses import dataclass

from clusters.errors import AccessDenied

ROLES = ("viewer", "editor", "admin")
_RANK = {r: i for i, r in enumerate(ROLES)}
ROLE_LABELS = {
    "viewer": ("Người xem", "Viewer"),
    "editor": ("Biên tập viên", "Editor"),
    "admin": ("Quản trị", "Administrator"),
}


@dataclass(frozen=True)
class Actor:
    """The person (or process) doing something; ``role`` None means anonymous."""

    name: str
    role: str | None = None

    def can(self, role: str) -> bool:
        return self.role is not None and _RANK[self.role] >= _RANK[role]


# Processes that write on the registry's own behalf (first start, CLI on the server).
SEED_ACTOR = Actor("seed", "admin")
CLI_ACTOR = Actor("cli", "admin")


def require(actor: Actor | None, role: str) -> Actor:
    if actor is None or not actor.can(role):
        who = actor.name if actor else "anonymous"
        raise AccessDenied(
            f"Tài khoản «{who}» không có quyền thực hiện việc này (cần vai trò "
            f"{ROLE_LABELS[role][0]}).",
            f"Account '{who}' is not allowed to do this (needs the {role} role).",
        )
    return actor

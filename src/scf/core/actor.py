"""Who is acting: a user of an organization with that organization's roles."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    user_id: str | None
    org_id: str | None
    roles: frozenset[str] = field(default_factory=frozenset)
    username: str = ""
    is_admin: bool = False
    # The session or API token the user acts with (None for the system and in-process calls).
    token_id: str | None = None

    @classmethod
    def system(cls) -> Actor:
        """The platform itself (migrations, scheduled jobs, the demo loader)."""
        return cls(user_id=None, org_id=None, roles=frozenset({"system"}), username="system")

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_system(self) -> bool:
        return "system" in self.roles

    @property
    def is_regulator(self) -> bool:
        return "regulator" in self.roles

    @property
    def is_operator(self) -> bool:
        return "operator" in self.roles

"""The API's OAuth2 scopes. `admin` holds every other one."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from enum import StrEnum

from plmsync.domain.errors import ConfigError


class Scope(StrEnum):
    CHANGES_WRITE = "changes:write"
    CHANGES_READ = "changes:read"
    REVIEWS_APPROVE = "reviews:approve"
    DEADLETTERS_MANAGE = "deadletters:manage"
    ADMIN = "admin"


DESCRIPTIONS: dict[str, str] = {
    Scope.CHANGES_WRITE: "Submit change packages.",
    Scope.CHANGES_READ: "Read changes, plans, plants, ERP items, dead letters, reviews, audit, "
    "metrics; validate packages (no writes).",
    Scope.REVIEWS_APPROVE: "Approve or reject review tasks.",
    Scope.DEADLETTERS_MANAGE: "Replay or discard dead letters.",
    Scope.ADMIN: "Everything above.",
}


def parse_scopes(names: Iterable[str]) -> list[Scope]:
    """Known scopes, in canonical order; ConfigError naming any unknown one."""
    wanted = {n.strip() for name in names for n in name.replace(",", " ").split() if n.strip()}
    unknown = sorted(wanted - {s.value for s in Scope})
    if unknown:
        raise ConfigError(
            f"unknown scope(s): {', '.join(unknown)}",
            remedy=f"Use some of: {', '.join(s.value for s in Scope)}.",
        )
    if not wanted:
        raise ConfigError("no scope given", remedy="Name at least one scope, e.g. changes:read.")
    return [s for s in Scope if s.value in wanted]


def allows(granted: Collection[str], required: str) -> bool:
    return required in granted or Scope.ADMIN in granted

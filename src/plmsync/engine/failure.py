"""An exception, as the engine keeps it: a stable code, a message a planner can read, the
ERP's own words, and the object it concerns — plus the attempt history a dead letter shows.

Attempts are read back from the job's transitions (the store's one row per change of state),
whose reason the engine writes as `CODE: message`; a reclaimed job (its worker died) shows
the store's own reason with no code.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from plmsync.domain.errors import PlmsyncError, RejectedError, ValidationFailed
from plmsync.domain.issues import Issue
from plmsync.engine.errors import LEASE_EXPIRED
from plmsync.engine.model import Attempt, JobState, Transition

INTERNAL = "PLMSYNC-INTERNAL"
WAITING = "waiting"  # reason prefix of a job that waits (not an attempt, not an error)
_REASON = re.compile(r"^(PLMSYNC-[A-Z0-9-]+): (.*)$", re.DOTALL)


@dataclass(frozen=True)
class Failure:
    code: str
    message: str
    erp_messages: tuple[dict[str, Any], ...] = ()
    object_key: str = ""

    @classmethod
    def of(cls, error: BaseException) -> Failure:
        if isinstance(error, ValidationFailed):
            return cls(error.code, validation_message(error))
        if isinstance(error, RejectedError):
            messages = tuple(dataclasses.asdict(m) for m in error.erp_messages)
            return cls(error.code, error.message, messages, error.object_key)
        if isinstance(error, PlmsyncError):
            return cls(error.code, error.message)
        return cls(INTERNAL, f"{type(error).__name__}: {error}")

    @property
    def reason(self) -> str:
        """For the transition row: the code first, so attempts can be read back."""
        return f"{self.code}: {self.message}"


def validation_message(error: ValidationFailed) -> str:
    """Every blocking issue on its own line: a dead letter lists them all."""
    blocking = [i for i in error.issues if i.blocking]
    return "\n".join([error.message, *(f"- {_issue_line(i)}" for i in blocking)])


def _issue_line(issue: Issue) -> str:
    where = f"{issue.object_kind} {issue.object_key}" + (f" @{issue.plant}" if issue.plant else "")
    return f"{issue.code} {where}: {issue.message}"


def attempts(transitions: Iterable[Transition]) -> tuple[Attempt, ...]:
    """Every attempt that ended in an error (or a lost worker), oldest first."""
    ended = [t for t in transitions if _failed_attempt(t)]
    return tuple(Attempt(n, t.at, *split_reason(t.reason)) for n, t in enumerate(ended, 1))


def failures_since_replay(transitions: Iterable[Transition]) -> int:
    """Failed attempts since the job last came back from a dead letter: a replay starts a
    fresh retry budget, or a replayed job would die on its first transient error."""
    count = 0
    for transition in transitions:
        if transition.from_state == JobState.DEAD:
            count = 0
        elif _failed_attempt(transition):
            count += 1
    return count


def split_reason(reason: str) -> tuple[str, str]:
    match = _REASON.match(reason)
    if match:
        return match.group(1), match.group(2)
    # the store's own reason when it reclaims the job of a worker that died
    return (LEASE_EXPIRED if reason.startswith("lease expired") else ""), reason


def _failed_attempt(transition: Transition) -> bool:
    return (
        transition.from_state == JobState.RUNNING
        and transition.to_state in (JobState.RETRYING, JobState.DEAD)
        and not transition.reason.startswith(WAITING)
    )

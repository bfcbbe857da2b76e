"""Operator actions on dead letters: replay (as is, or with an edited payload) and discard.

- Replay as is (after fixing configuration or the ERP): the dead job goes back to the queue
  with a fresh retry budget and runs against live ERP state like any other attempt.
- Replay with an edited payload: the edit is submitted as a new event
  `<original event id>#replay-<n>` (so it is deduplicated and audited like any delivery); the
  edit is kept on every open letter of the original event, which are marked replayed, and
  their dead jobs are cancelled — the new event's jobs replace them for every plant.
- Discard: the letter is closed and its job cancelled; nothing is posted.
Every action is audited with who did it and the hashes of the payloads involved.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from plmsync.domain.errors import PlmsyncError
from plmsync.engine import intake
from plmsync.engine.model import DeadLetter, DeadLetterStatus, InboxEvent, JobState
from plmsync.ports.store import AuditDraft, JobStore, Received

REPLAY_MARK = "#replay-"


class ReplayRefused(PlmsyncError):
    code = "PLMSYNC-REPLAY-REFUSED"
    remedy = "Check the letter with `plmsync dead show ID`."


@dataclass(frozen=True)
class ReplayResult:
    letter: DeadLetter
    requeued_job: int | None = None
    received: Received | None = None  # set when an edited payload was submitted


def replay(
    store: JobStore, letter_id: int, *, payload: bytes | None = None, by: str
) -> ReplayResult:
    letter = _open_letter(store, letter_id)
    if payload is None:
        return _requeue(store, letter, by)
    return _resubmit(store, letter, payload, by)


def discard(store: JobStore, letter_id: int, *, by: str) -> DeadLetter:
    letter = _open_letter(store, letter_id)
    if letter.job is not None:
        store.transition(
            letter.job, JobState.CANCELLED, reason=f"dead letter {letter.id} discarded by {by}"
        )
    resolved = store.resolve_dead_letter(letter.id, DeadLetterStatus.DISCARDED, by=by)
    store.audit(_entry(store.event(letter.event), "deadletter.discarded", by, letter=letter.id))
    return resolved


def _requeue(store: JobStore, letter: DeadLetter, by: str) -> ReplayResult:
    if letter.job is None:
        raise ReplayRefused(
            f"dead letter {letter.id} holds a payload that is not a valid change package",
            remedy="Correct the payload and replay it: `plmsync dead replay ID --payload FILE`.",
        )
    store.transition(
        letter.job, JobState.QUEUED, reason=f"replayed from dead letter {letter.id} by {by}"
    )
    resolved = store.resolve_dead_letter(letter.id, DeadLetterStatus.REPLAYED, by=by)
    event = store.event(letter.event)
    store.audit(_entry(event, "deadletter.replayed", by, letter=letter.id, job=letter.job))
    return ReplayResult(resolved, requeued_job=letter.job)


def _resubmit(store: JobStore, letter: DeadLetter, payload: bytes, by: str) -> ReplayResult:
    original = store.event(letter.event)
    replay_id = _next_replay_id(store, original)
    received = intake.submit(store, payload, event_id=replay_id, actor=by)
    resolved = [
        _close_with_edit(store, other, payload, by) for other in _letters_of(store, original)
    ]
    store.audit(
        _entry(
            original,
            "deadletter.edited",
            by,
            change=original.change_number or received.event.change_number,
            letters=[r.id for r in resolved],
            edited_payload_hash=_sha256(payload),
            replay_event_id=replay_id,
            replay_event=received.event.id,
        )
    )
    mine = next(r for r in resolved if r.id == letter.id)
    return ReplayResult(mine, received=received)


def _close_with_edit(store: JobStore, letter: DeadLetter, payload: bytes, by: str) -> DeadLetter:
    if letter.job is not None:
        reason = f"replaced by an edited replay of dead letter {letter.id} ({by})"
        store.transition(letter.job, JobState.CANCELLED, reason=reason)
    return store.resolve_dead_letter(
        letter.id, DeadLetterStatus.REPLAYED, by=by, edited_payload=payload
    )


def _letters_of(store: JobStore, event: InboxEvent) -> list[DeadLetter]:
    return [d for d in store.dead_letters(status=DeadLetterStatus.OPEN) if d.event == event.id]


def _next_replay_id(store: JobStore, original: InboxEvent) -> str:
    base = original.event_id.split(REPLAY_MARK)[0]
    earlier = [
        e
        for e in store.events_for(original.change_number)
        if e.event_id.startswith(base + REPLAY_MARK)
    ]
    return f"{base}{REPLAY_MARK}{len(earlier) + 1}"


def _open_letter(store: JobStore, letter_id: int) -> DeadLetter:
    letter = store.dead_letter_by_id(letter_id)
    if letter.status != DeadLetterStatus.OPEN:
        raise ReplayRefused(
            f"dead letter {letter.id} is already {letter.status} (by {letter.resolved_by})"
        )
    return letter


def _entry(
    event: InboxEvent, action: str, by: str, *, change: str = "", **details: object
) -> AuditDraft:
    """`change` for an event refused before its change number could be read."""
    return AuditDraft(
        change_number=change or event.change_number,
        action=action,
        event_id=event.event_id,
        payload_hash=event.content_hash,
        actor=by,
        outcome=action.removeprefix("deadletter."),
        details={"event": event.id, **details},
    )


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()

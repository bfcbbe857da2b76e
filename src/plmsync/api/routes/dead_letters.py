"""Dead letters: list and read (changes:read); replay or discard (deadletters:manage)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from plmsync.api.deps import ChangesReader, DeadLetterManager, EngineDep, RawBody, Services, StoreId
from plmsync.api.models.operations import DeadLetterDetail, DeadLetterList, DeadLetterOut, ReplayOut
from plmsync.api.openapi import package_body
from plmsync.api.problems import AUTHENTICATED, documented
from plmsync.api.views import operations as views
from plmsync.api.views.changes import accepted

router = APIRouter(prefix="/v1/dead-letters", tags=["dead letters"], responses=AUTHENTICATED)
Status = Literal["open", "replayed", "discarded", "all"]


@router.get("", response_model=DeadLetterList, responses=documented(422))
def list_dead_letters(
    _: ChangesReader, engine: EngineDep, status: Annotated[Status, Query()] = "open"
) -> DeadLetterList:
    letters = engine.dead_letters(None if status == "all" else status)
    return DeadLetterList(dead_letters=[views.dead_letter(engine, d) for d in letters])


@router.get("/{letter}", response_model=DeadLetterDetail, responses=documented(404, 422))
def show_dead_letter(_: ChangesReader, engine: EngineDep, letter: StoreId) -> DeadLetterDetail:
    """What failed, the step, the ERP's words, every attempt and the original payload."""
    return views.dead_letter_detail(engine, engine.dead_letter(letter))


@router.post(
    "/{letter}/replay",
    response_model=ReplayOut,
    responses=documented(400, 404, 409, 413, 422),
    openapi_extra=package_body(
        required=False,
        description="Optional: a corrected change package to replay instead of the original.",
    ),
)
def replay_dead_letter(
    caller: DeadLetterManager, found: Services, letter: StoreId, raw: RawBody
) -> ReplayOut:
    """Replay as is (empty body: the dead job is queued again with a fresh retry budget),
    or with an edited payload (submitted as a new event; the edit is kept and audited)."""
    engine = found.engine
    result = engine.replay(letter, payload=raw or None, by=caller.actor)
    if result.received is not None:
        found.metrics.received(result.received)
    resubmitted = (
        accepted(engine, result.received, f"/v1/changes/{result.received.event.change_number}")
        if result.received is not None
        else None
    )
    return ReplayOut(
        letter=views.dead_letter(engine, result.letter),
        requeued_job=result.requeued_job,
        resubmitted=resubmitted,
    )


@router.post("/{letter}/discard", response_model=DeadLetterOut, responses=documented(404, 409, 422))
def discard_dead_letter(
    caller: DeadLetterManager, engine: EngineDep, letter: StoreId
) -> DeadLetterOut:
    """Give up: the letter is closed, its job cancelled, nothing is posted (audited)."""
    return views.dead_letter(engine, engine.discard(letter, by=caller.actor))

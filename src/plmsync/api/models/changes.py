"""Changes: what was accepted, and per plant its state, steps, errors and plans."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from plmsync.api.models.problem import IssueOut


class JobRef(BaseModel):
    id: int
    plant: str
    state: str
    effective_from: dt.date | None = None


class Accepted(BaseModel):
    """A stored change package (202): where to follow it."""

    change: str
    event: int = Field(description="Inbox id of the stored payload.")
    event_id: str
    status: str = Field(description="accepted | duplicate | rejected")
    duplicate: bool
    jobs: list[JobRef] = Field(description="The jobs that sync it (the original's if duplicate).")
    status_url: str


class ErrorOut(BaseModel):
    code: str
    message: str


class PlantStatus(BaseModel):
    plant: str
    job: int
    state: str
    steps_done: int
    steps_total: int
    attempts: int
    next_activation: dt.date | None = None
    next_attempt: dt.datetime | None = None
    last_error: ErrorOut | None = None
    updated_at: dt.datetime | None = None


class ChangeSummary(BaseModel):
    number: str
    plants: list[PlantStatus]


class ChangeList(BaseModel):
    total: int
    changes: list[ChangeSummary]


class StepOut(BaseModel):
    """A step as the engine recorded it around the ERP call."""

    kind: str
    object_key: str
    action: str
    revision: str
    status: str = Field(description="started | posted | failed")
    attempt: int
    erp_model: str = ""
    record_ids: list[int | str] = Field(default_factory=list)
    error_code: str = ""


class TransitionOut(BaseModel):
    from_state: str | None
    to_state: str
    at: dt.datetime
    reason: str = ""


class PlantDetail(PlantStatus):
    steps: list[StepOut]
    transitions: list[TransitionOut]
    dead_letters: list[int] = Field(description="Ids of this job's dead letters.")


class EventOut(BaseModel):
    id: int
    event_id: str
    source_system: str
    status: str
    received_at: dt.datetime
    duplicate_of: int | None = None
    error_code: str = ""


class ChangeDetail(BaseModel):
    number: str
    events: list[EventOut]
    plants: list[PlantDetail]
    rejected_dead_letters: list[int] = Field(
        default_factory=list, description="Dead letters of payloads refused before any job."
    )


class LineChangeOut(BaseModel):
    find_number: int
    change: str = Field(description="added | removed | changed")
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


class PlannedStep(BaseModel):
    kind: str
    action: str
    key: str
    revision: str
    changed_fields: list[str]
    desired: dict[str, Any] | None = None
    current: dict[str, Any] | None = None
    line_changes: list[LineChangeOut] = Field(default_factory=list)


class PlanOut(BaseModel):
    change: str
    plant: str
    actionable: int = Field(description="Steps that would write to the ERP now.")
    steps: list[PlannedStep]
    warnings: list[IssueOut]


class PlanList(BaseModel):
    plans: list[PlanOut]


class ValidationReport(BaseModel):
    change: str
    valid: bool = Field(description="False when any issue has severity error.")
    issues: list[IssueOut]

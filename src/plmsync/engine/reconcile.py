"""Drift reconciliation: what plmsync last posted to a plant against what its ERP holds now.

For each plant: the last record posted per ERP object (steps of succeeded jobs) is compared
with a fresh read, attribute by attribute, on the attributes plmsync may write (ERP-owned ones
are never looked at, never touched). Each drift is then

- PLM-owned: reported; with `heal`, put back in one ERP call per change that last synced it,
  audited as `drift.healed` on that change;
- under a `review` ownership policy: one review task per object (opened once; while it is
  open nothing more happens). Approved, the next heal restores PLM's value; rejected, the
  ERP's value stays.

A plant with a job in flight is not healed (that job is about to write the same objects): the
drift is reported and healing waits for the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from plmsync.domain.codec import record_from_json
from plmsync.domain.drift import ErpDrift
from plmsync.domain.errors import ConfigError
from plmsync.domain.ownership import review_fields
from plmsync.domain.routing import route_error
from plmsync.domain.state import ObjectKind, Record, TargetState, state_of
from plmsync.engine.drift_reviews import drift_draft, drift_identity, drift_tasks
from plmsync.engine.worker import ACTIVE
from plmsync.pipeline.drift import find_drift, heal_steps
from plmsync.pipeline.run import Pipeline
from plmsync.ports.erp import ChangeRef, Posting
from plmsync.ports.reviews import ReviewStatus, ReviewTask
from plmsync.ports.store import AuditDraft, JobStore, SyncedRecord

log = logging.getLogger(__name__)

DRIFT_ROUTE = "PLMSYNC-DRIFT"  # error_routing key that names who reviews drift


class Handling:
    """What became of one drift (shown by `plmsync reconcile`)."""

    REPORTED = "reported"  # PLM-owned, not healed (no --heal)
    HEALED = "healed"
    POSTPONED = "heal postponed"  # a job of the plant is in flight
    REVIEW_OPEN = "review open"
    KEPT = "kept (review rejected)"


_REVIEWED = {
    ReviewStatus.OPEN: Handling.REVIEW_OPEN,
    ReviewStatus.APPROVED: Handling.REPORTED,  # approved: healed like PLM-owned drift
    ReviewStatus.REJECTED: Handling.KEPT,
}


@dataclass(frozen=True)
class Finding:
    drift: ErpDrift
    change: str  # the change that last synced the object
    handling: str
    review: int | None = None


@dataclass
class PlantDrift:
    plant: str
    compared: int  # objects compared
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class _Object:
    synced: SyncedRecord
    record: Record
    drift: list[ErpDrift]


def reconcile(
    store: JobStore,
    pipeline: Pipeline,
    plants: Sequence[str] = (),
    *,
    heal: bool = False,
    actor: str = "plmsync",
) -> list[PlantDrift]:
    unknown = sorted(set(plants) - set(pipeline.targets))
    if unknown:
        raise ConfigError(
            f"no plant {', '.join(unknown)} in this workspace",
            remedy=f"Use one of: {', '.join(sorted(pipeline.targets))}.",
        )
    chosen = list(plants) or sorted(pipeline.targets)
    return [_Plant(store, pipeline, plant, actor).run(heal) for plant in chosen]


class _Plant:
    def __init__(self, store: JobStore, pipeline: Pipeline, plant: str, actor: str):
        self.store = store
        self.pipeline = pipeline
        self.plant = plant
        self.actor = actor
        self.rules = pipeline.config.rules
        self.target = pipeline.targets[plant]

    def run(self, heal: bool) -> PlantDrift:
        synced = self.store.synced_records(self.plant)
        records = [record_from_json(s.kind, s.desired) for s in synced]
        live = self.target.read(state_of(records).item_numbers) if records else state_of([])
        report = PlantDrift(self.plant, len(synced))
        tasks = drift_tasks(self.store, self.plant)
        to_heal: list[tuple[_Object, list[ErpDrift]]] = []
        for obj in self._drifted(synced, records, live):
            healable, findings = self._classify(obj, tasks)
            report.findings.extend(findings)
            if healable:
                to_heal.append((obj, healable))
        if to_heal and heal:
            report.findings = self._heal(to_heal, report.findings, live)
        return report

    # --- finding ----------------------------------------------------------------------------

    def _drifted(
        self, synced: list[SyncedRecord], records: list[Record], live: TargetState
    ) -> list[_Object]:
        by_object: dict[tuple[str, str], list[ErpDrift]] = {}
        for found in find_drift(self.plant, records, live, self.rules):
            by_object.setdefault((str(found.kind), found.key), []).append(found)
        return [
            _Object(s, r, by_object[(s.kind, s.key)])
            for s, r in zip(synced, records, strict=True)
            if (s.kind, s.key) in by_object
        ]

    def _classify(
        self, obj: _Object, tasks: dict[str, ReviewTask]
    ) -> tuple[list[ErpDrift], list[Finding]]:
        """(drift to heal, what to report)."""
        reviewed = review_fields(ObjectKind(obj.synced.kind), self.rules)
        plain = [d for d in obj.drift if d.attribute not in reviewed]
        personal = [d for d in obj.drift if d.attribute in reviewed]
        change = obj.synced.change_number
        findings = [Finding(d, change, Handling.REPORTED) for d in plain]
        if not personal:
            return plain, findings
        task = tasks.get(drift_identity(personal)) or self._open_task(obj, personal)
        handling = _REVIEWED[task.status]
        findings += [Finding(d, change, handling, task.id) for d in personal]
        approved = task.status is ReviewStatus.APPROVED
        return (plain + personal if approved else plain), findings

    # --- review tasks -----------------------------------------------------------------------

    def _open_task(self, obj: _Object, drift: list[ErpDrift]) -> ReviewTask:
        draft = drift_draft(obj.synced, drift, route_error(DRIFT_ROUTE, rules=self.rules))
        task = self.store.open_review(draft)
        if task is None:  # a concurrent run opened it since we looked
            return drift_tasks(self.store, self.plant)[draft.identity]
        entry = self._entry(obj.synced, "review.opened", review=task.id, owner_role=task.owner_role)
        self.store.audit(entry)
        return task

    # --- healing ----------------------------------------------------------------------------

    def _heal(
        self,
        objects: list[tuple[_Object, list[ErpDrift]]],
        findings: list[Finding],
        live: TargetState,
    ) -> list[Finding]:
        if self._busy():
            return [_postponed(f) for f in findings]
        healed: set[tuple[str, str, str]] = set()
        for change, group in _by_change(objects).items():
            self._heal_change(change, group, live)
            healed |= {(str(d.kind), d.key, d.attribute) for _, drift in group for d in drift}
        return [_healed(f) if _key(f.drift) in healed else f for f in findings]

    def _heal_change(
        self, change: str, group: list[tuple[_Object, list[ErpDrift]]], live: TargetState
    ) -> None:
        """One ERP call for the objects a change last synced; what a person keeps stays."""
        records = [obj.record for obj, _ in group]
        keep = {
            (obj.synced.kind, obj.synced.key): sorted(
                {d.attribute for d in obj.drift} - {d.attribute for d in drift}
            )
            for obj, drift in group
        }
        steps = heal_steps(change, self.plant, records, live, keep, self.rules)
        ref = ChangeRef(change, self.plant, f"reconcile:{group[0][0].synced.job}")
        postings = self.target.apply(ref, steps) if steps else []
        drift = [d for _, found in group for d in found]
        self.store.audit(self._healed_entry(group[0][0].synced, drift, postings))

    def _busy(self) -> bool:
        return any(job.plant == self.plant for job in self.store.jobs(states=ACTIVE))

    # --- audit ------------------------------------------------------------------------------

    def _healed_entry(
        self, synced: SyncedRecord, drift: list[ErpDrift], postings: list[Posting]
    ) -> AuditDraft:
        return self._entry(
            synced,
            "drift.healed",
            record_ids=tuple(i for p in postings for i in p.record_ids),
            attributes=[[str(d.kind), d.key, d.attribute, d.in_erp, d.synced] for d in drift],
            steps=[[str(p.kind), p.step_key, list(p.record_ids)] for p in postings],
        )

    def _entry(
        self,
        synced: SyncedRecord,
        action: str,
        *,
        record_ids: tuple[int | str, ...] = (),
        **details: object,
    ) -> AuditDraft:
        event = self.store.event(self.store.job(synced.job).event)
        return AuditDraft(
            change_number=synced.change_number,
            action=action,
            plant=self.plant,
            event_id=event.event_id,
            payload_hash=event.content_hash,
            actor=self.actor,
            record_ids=record_ids,
            outcome=action.split(".")[1],
            details={"job": synced.job, **details},
        )


def _by_change(
    objects: list[tuple[_Object, list[ErpDrift]]],
) -> dict[str, list[tuple[_Object, list[ErpDrift]]]]:
    groups: dict[str, list[tuple[_Object, list[ErpDrift]]]] = {}
    for obj, drift in objects:
        groups.setdefault(obj.synced.change_number, []).append((obj, drift))
    return groups


def _key(drift: ErpDrift) -> tuple[str, str, str]:
    return (str(drift.kind), drift.key, drift.attribute)


def _healed(finding: Finding) -> Finding:
    return Finding(finding.drift, finding.change, Handling.HEALED, finding.review)


def _postponed(finding: Finding) -> Finding:
    if finding.handling != Handling.REPORTED:
        return finding
    return Finding(finding.drift, finding.change, Handling.POSTPONED, finding.review)


def log_drift(plants: Sequence[PlantDrift]) -> None:
    """What a scheduled reconcile found, for the worker's log."""
    for plant in plants:
        if plant.findings:
            handled = sorted({f.handling for f in plant.findings})
            log.warning(
                "reconcile %s: %d drift(s) on %d object(s) compared (%s)",
                plant.plant,
                len(plant.findings),
                plant.compared,
                ", ".join(handled),
            )

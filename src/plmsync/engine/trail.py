"""Audit entries for one job: every entry links the change, the plant, the event id and the
payload hash, so the trail leads from a PLM approval to each ERP transaction and back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from plmsync.engine.model import InboxEvent, Job
from plmsync.ports.erp import Posting
from plmsync.ports.store import AuditDraft, JobStore


@dataclass(frozen=True)
class JobTrail:
    store: JobStore
    job: Job
    event: InboxEvent

    def record(self, action: str, *, outcome: str = "", attempt: int = 0, **details: Any) -> None:
        self.store.audit(self._draft(action, outcome=outcome, attempt=attempt, details=details))

    def postings(self, action: str, postings: Iterable[Posting], attempt: int) -> None:
        """One entry per ERP transaction: model, record ids, operation, attempt, outcome."""
        for posting in postings:
            self.store.audit(
                self._draft(
                    action,
                    erp_model=posting.erp_model,
                    record_ids=tuple(posting.record_ids),
                    operation=posting.action,
                    attempt=attempt,
                    outcome="ok",
                    details={"kind": str(posting.kind), "key": posting.step_key},
                )
            )

    def _draft(self, action: str, *, details: dict[str, Any], **fields: Any) -> AuditDraft:
        return AuditDraft(
            change_number=self.job.change_number,
            action=action,
            plant=self.job.plant,
            event_id=self.event.event_id,
            payload_hash=self.event.content_hash,
            details={"job": self.job.id, **details},
            **fields,
        )

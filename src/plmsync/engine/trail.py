"""Audit entries for one job: every entry links the change, the plant, the event id and the
payload hash, so the trail leads from a PLM approval to each ERP transaction and back."""

from __future__ import annotations

from collections.abc import Sequence
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

    def postings(self, action: str, postings: Sequence[Posting], attempt: int) -> None:
        """One entry per ERP model and operation of one ERP transaction (one `apply` or
        `stage` call): every record id, and which plan step each came from, in the chain.

        Not one entry per posting: each entry is its own durable transaction, measured at
        ~5 ms on SQLite with synchronous=FULL — 30 s for a 6,000-step release, more than
        the ERP writes themselves."""
        for (model, operation), group in _by_model(postings).items():
            self.store.audit(
                self._draft(
                    action,
                    erp_model=model,
                    record_ids=tuple(i for p in group for i in p.record_ids),
                    operation=operation,
                    attempt=attempt,
                    outcome="ok",
                    details={
                        "steps": [[str(p.kind), p.step_key, list(p.record_ids)] for p in group]
                    },
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


def _by_model(postings: Sequence[Posting]) -> dict[tuple[str, str], list[Posting]]:
    groups: dict[tuple[str, str], list[Posting]] = {}
    for posting in postings:
        groups.setdefault((posting.erp_model, posting.action), []).append(posting)
    return groups

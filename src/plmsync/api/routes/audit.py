"""The audit trail of a change: who did what, when, from PLM approval to ERP record."""

from __future__ import annotations

from fastapi import APIRouter

from plmsync.api.deps import ChangesReader, EngineDep
from plmsync.api.models.operations import AuditTrail
from plmsync.api.problems import AUTHENTICATED, documented
from plmsync.api.views.operations import audit_entries

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=AUTHENTICATED)


@router.get("/{number}", response_model=AuditTrail, responses=documented(404, 422))
def audit_trail(_: ChangesReader, engine: EngineDep, number: str) -> AuditTrail:
    return AuditTrail(change=number, entries=audit_entries(engine, number))

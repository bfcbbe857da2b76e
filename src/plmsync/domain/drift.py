"""Drift: an ERP attribute that no longer holds what plmsync last wrote there.

Found by comparing the last synced content with live ERP (reconcile); approval checkpoints use
it to hold a change that would overwrite someone's edit in ERP.
"""

from __future__ import annotations

from dataclasses import dataclass

from plmsync.domain.state import ObjectKind


@dataclass(frozen=True, slots=True)
class ErpDrift:
    plant: str
    kind: ObjectKind
    key: str
    attribute: str
    synced: str  # what plmsync last wrote
    in_erp: str  # what ERP holds now

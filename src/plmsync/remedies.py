"""What to do about a code: every code plmsync shows people (validation rules, errors while
running, refused imports, Tryton's refusals) mapped to its remedy — for the dashboard, and
the same sources `plmsync catalogue` documents in docs/errors.md."""

from __future__ import annotations

from functools import cache

from plmsync.connectors.erp.tryton import errors as tryton_errors
from plmsync.domain import errors
from plmsync.domain.issues import CATALOGUE
from plmsync.importers import refusals
from plmsync.ports.event_errors import EVENT_ERROR_CLASSES
from plmsync.ports.plm_errors import PLM_ERROR_CLASSES

ERROR_CLASSES: tuple[type[errors.PlmsyncError], ...] = (
    errors.ConfigError,
    errors.PackageRejected,
    errors.ValidationFailed,
    errors.ImportRejected,
    errors.TransientError,
    errors.RateLimited,
    errors.AuthError,
    errors.RejectedError,
    *PLM_ERROR_CLASSES,
    *EVENT_ERROR_CLASSES,
)
FALLBACK = "Read the message; if it does not say what to fix, ask the integration admin."


@cache
def _known() -> dict[str, str]:
    found = {cls.code: cls.remedy for cls in ERROR_CLASSES}
    found |= {rule.code: rule.remedy for rule in CATALOGUE.values()}
    found |= refusals.REMEDIES
    found |= tryton_errors.REMEDIES
    return found


def remedy_for(code: str) -> str:
    """The remedy of `code`, or of the longest known code it starts with."""
    known = _known()
    if code in known:
        return known[code]
    prefixes = [c for c in known if code.startswith(c)]
    return known[max(prefixes, key=len)] if prefixes else FALLBACK

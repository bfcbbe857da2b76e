"""What can go wrong with a PLM source, as members of the shared error tree.

Each class gives the tree's meaning (retry, fatal, rejected) a PLM-specific code, so a dead
letter or a log line says that the PLM — not the ERP — was the problem. Every code here is
listed in docs/errors.md (`plmsync catalogue`).
"""

from __future__ import annotations

from plmsync.domain.errors import (
    AuthError,
    ConfigError,
    PackageRejected,
    RateLimited,
    TransientError,
)


class PlmUnavailable(TransientError):
    code = "PLMSYNC-PLM-UNAVAILABLE"
    remedy = "Nothing to do: plmsync polls again. If it persists, check that the PLM is reachable."


class PlmRateLimited(RateLimited):
    code = "PLMSYNC-PLM-RATE-LIMITED"
    remedy = "Nothing to do: plmsync waits as long as the PLM asks, then polls again."


class PlmAuthError(AuthError):
    code = "PLMSYNC-PLM-AUTH"
    remedy = (
        "Check the PLM credentials (the environment variables named in plmsync.yaml) and the "
        "scopes granted to plmsync's client in the PLM."
    )


class PlmChangeUnknown(PackageRejected):
    """The event cannot become a package: kept as a rejected event, replayable."""

    code = "PLMSYNC-PLM-CHANGE-UNKNOWN"
    remedy = "The PLM does not know the change the event names: check it was not deleted."


class PlmEventInvalid(PackageRejected):
    code = "PLMSYNC-PLM-EVENT-INVALID"
    remedy = "The PLM sent a notification plmsync cannot read: check the PLM's webhook setup."


class PlmMappingFailed(PackageRejected):
    code = "PLMSYNC-PLM-MAPPING"
    remedy = (
        "The PLM's answer does not fit the source's mapping: correct the mapping (or the data "
        "in the PLM), then replay the rejected event."
    )


class PlmCursorInvalid(ConfigError):
    code = "PLMSYNC-PLM-CURSOR-INVALID"
    remedy = "Delete the source's cursor file in the state directory to poll from the start."


PLM_ERROR_CLASSES = (
    PlmUnavailable,
    PlmRateLimited,
    PlmAuthError,
    PlmChangeUnknown,
    PlmEventInvalid,
    PlmMappingFailed,
    PlmCursorInvalid,
)

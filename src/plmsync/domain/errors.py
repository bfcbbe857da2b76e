"""One error tree, classified by what the caller should do next.

    PlmsyncError
    ├── ConfigError            fatal; fix configuration, then retry
    ├── PackageRejected        the payload cannot be read as a change package → store, fix, replay
    ├── ImportRejected         a file given to `plmsync import` cannot become a package → fix it
    ├── ValidationFailed       every issue of a package at once, each with a stable code
    └── ConnectorError
        ├── TransientError     retry with backoff
        │   └── RateLimited    retry after the given time
        ├── AuthError          fatal; pause the connector until credentials are fixed
        └── RejectedError      the ERP refused this payload → dead letter, replay after a fix
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plmsync.domain.issues import Issue


class PlmsyncError(Exception):
    """Base of every error plmsync raises on purpose. `code` is stable and documented."""

    code = "PLMSYNC-ERROR"
    remedy = ""

    def __init__(self, message: str, *, code: str | None = None, remedy: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if remedy is not None:
            self.remedy = remedy


class ConfigError(PlmsyncError):
    code = "PLMSYNC-CONFIG"
    remedy = "Fix the configuration file named in the message, then run the command again."


class PackageRejected(PlmsyncError):
    """The payload is not a valid change package (bad JSON, wrong types, unknown fields)."""

    code = "PLMSYNC-PACKAGE-INVALID"
    remedy = "Correct the PLM export or mapping that produced the package and submit it again."

    def __init__(self, message: str, *, problems: Sequence[str] = ()):
        super().__init__(message)
        self.problems = tuple(problems)


class ImportRejected(PlmsyncError, ValueError):
    """A file given to an importer cannot be turned into a change package; `code` says why
    (the codes and their remedies are catalogued in plmsync.importers.refusals). Also a
    ValueError: it is bad input, and callers of the readers may treat it as such."""

    code = "PLMSYNC-IMPORT-UNREADABLE"
    remedy = "Export the file again from the PLM or EDA tool, or pass --format and --mapping."


class ValidationFailed(PlmsyncError):
    code = "PLMSYNC-VALIDATION"
    remedy = "Fix every listed problem in PLM and release the change again."

    def __init__(self, issues: Sequence[Issue]):
        super().__init__(f"{len(issues)} problem(s) found; nothing was written to any ERP")
        self.issues = tuple(issues)


class ConnectorError(PlmsyncError):
    code = "PLMSYNC-CONNECTOR"


class TransientError(ConnectorError):
    code = "PLMSYNC-ERP-UNAVAILABLE"
    remedy = "Nothing to do: plmsync retries. If it persists, check that the ERP is reachable."


class RateLimited(TransientError):
    code = "PLMSYNC-ERP-RATE-LIMITED"

    def __init__(self, message: str, *, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


class AuthError(ConnectorError):
    code = "PLMSYNC-ERP-AUTH"
    remedy = "Check the credentials configured for this ERP target."


@dataclass(frozen=True)
class ErpMessage:
    """What the ERP said about a refused write, kept verbatim for the dead letter."""

    text: str
    model: str = ""
    record: str = ""
    details: dict[str, str] = field(default_factory=dict)


class RejectedError(ConnectorError):
    code = "PLMSYNC-ERP-REJECTED"
    remedy = "Read the ERP's message, fix the data in PLM or the ERP setup, then replay."

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        remedy: str | None = None,
        erp_messages: Sequence[ErpMessage] = (),
        object_key: str = "",
    ):
        super().__init__(message, code=code, remedy=remedy)
        self.erp_messages = tuple(erp_messages)
        self.object_key = object_key

"""What trytond's exceptions mean for plmsync: retry, dead-letter, or fix the setup.

Matching is by class name along the exception's MRO, so the same table serves in-process calls
and (later) JSON-RPC faults, and no trytond class has to be imported to classify an error.
"""

from __future__ import annotations

from plmsync.domain.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    ErpMessage,
    RejectedError,
    TransientError,
)

REJECTED = "PLMSYNC-ERP-REJECTED"
UNIT_PRECISION = "PLMSYNC-ERP-UNIT-PRECISION"
BOM_RECURSION = "PLMSYNC-ERP-BOM-RECURSION"
REQUIRED = "PLMSYNC-ERP-REQUIRED"
DUPLICATE = "PLMSYNC-ERP-DUPLICATE"
WARNING = "PLMSYNC-ERP-WARNING"
MISSING_RECORD = "PLMSYNC-ERP-RECORD-MISSING"
ROUTING_WITHOUT_BOM = "PLMSYNC-ERP-ROUTING-WITHOUT-BOM"
BATCH_TOO_LARGE = "PLMSYNC-ERP-BATCH-TOO-LARGE"

# Most specific first: the first class name found in the exception's MRO decides.
_REJECTION_CODES = {
    "DigitsValidationError": UNIT_PRECISION,
    "RecursionError": BOM_RECURSION,
    "RequiredValidationError": REQUIRED,
    "SQLConstraintError": DUPLICATE,
    "UserWarning": WARNING,
    "DomainValidationError": REJECTED,
    "ValidationError": REJECTED,
    "UserError": REJECTED,
    "DatabaseIntegrityError": REJECTED,
    "IntegrityError": REJECTED,
}
_REFUSALS = {"TrytonException", "IntegrityError"}
_TRANSIENT = {"ConcurrencyException", "DatabaseTimeoutError", "OperationalError"}
_AUTH = {"AccessError", "LoginException"}
# SQLite limits that retrying cannot cure: the call itself must be smaller (a plmsync bug).
_TOO_LARGE = ("parser stack overflow", "too many SQL variables", "Expression tree is too large")
_MISSING_DATABASE = (
    "doesn't exist",
    "unable to open database",
    "not a database",
    "no such table",
)


def translate(exc: BaseException, *, model: str = "") -> ConnectorError | ConfigError | None:
    """The plmsync error for a trytond/SQLite exception, or None if it is not one of theirs."""
    names = [cls.__name__ for cls in type(exc).__mro__]
    text = _text(exc)
    if any(marker in text for marker in _MISSING_DATABASE):
        return ConfigError(f"Tryton database unusable: {text}")
    if any(marker in text for marker in _TOO_LARGE):
        return rejected(
            f"Tryton call too large for SQLite{_on(model)}: {text}",
            code=BATCH_TOO_LARGE,
            model=model,
        )
    if _AUTH.intersection(names):
        return AuthError(f"Tryton refused access{_on(model)}: {text}")
    if _TRANSIENT.intersection(names):
        return TransientError(f"Tryton database busy or unreachable{_on(model)}: {text}")
    code = next((_REJECTION_CODES[n] for n in names if n in _REJECTION_CODES), None)
    if code is None or not _REFUSALS.intersection(names):
        return None  # not a refusal by Tryton (e.g. Python's own RecursionError): a bug
    return rejected(
        f"Tryton refused the write{_on(model)}: {text}",
        code=code,
        model=model,
        details=_details(exc),
    )


def rejected(
    message: str, *, code: str = REJECTED, model: str = "", details: dict[str, str] | None = None
) -> RejectedError:
    """A rejection, keeping the ERP's own words as the dead letter's message."""
    erp_message = ErpMessage(text=message, model=model, details=details or {})
    return RejectedError(message, code=code, erp_messages=(erp_message,))


def _text(exc: BaseException) -> str:
    message = getattr(exc, "message", None)
    return str(message) if message else str(exc)


def _details(exc: BaseException) -> dict[str, str]:
    details = {"exception": type(exc).__name__}
    description = getattr(exc, "description", "")
    if description:
        details["description"] = str(description)
    return details


def _on(model: str) -> str:
    return f" on {model}" if model else ""

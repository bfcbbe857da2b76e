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

REMEDIES = {
    UNIT_PRECISION: "Use a smaller unit in PLM (e.g. G instead of KG) or raise the unit's "
    "digits in Tryton, then replay.",
    BOM_RECURSION: "With the BOMs Tryton already has, an assembly would contain itself: "
    "correct the BOM in PLM, then replay.",
    REQUIRED: "Tryton needs a value plmsync does not send: complete the item in PLM or the "
    "Tryton setup, then replay.",
    DUPLICATE: "Another active Tryton record has the same code: deactivate or renumber it in "
    "Tryton, then replay.",
    WARNING: "Tryton asks for a confirmation plmsync cannot give: settle it in Tryton, then "
    "replay.",
    MISSING_RECORD: "Tryton changed since plmsync read it: sync the change again.",
    ROUTING_WITHOUT_BOM: "Tryton keeps routings on BOMs: release the item's BOM with (or "
    "before) its routing.",
    BATCH_TOO_LARGE: "A plmsync defect (a call too large for SQLite): report it with this "
    "message; replaying will not help.",
}

# The exception's own class decides, else its nearest base class listed here.
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
    names = {cls.__name__ for cls in type(exc).__mro__}
    text = _text(exc)
    return _by_message(text, model) or _by_class(names, text, model) or _refusal(exc, text, model)


def _by_message(text: str, model: str) -> ConnectorError | ConfigError | None:
    """SQLite reports these as OperationalError too, but retrying cannot cure them."""
    if any(marker in text for marker in _MISSING_DATABASE):
        return ConfigError(f"Tryton database unusable: {text}")
    if any(marker in text for marker in _TOO_LARGE):
        message = f"Tryton call too large for SQLite{_on(model)}: {text}"
        return rejected(message, code=BATCH_TOO_LARGE, model=model, erp_text=text)
    return None


def _by_class(names: set[str], text: str, model: str) -> ConnectorError | None:
    if _AUTH & names:
        return AuthError(f"Tryton refused access{_on(model)}: {text}")
    if _TRANSIENT & names:
        return TransientError(f"Tryton database busy or unreachable{_on(model)}: {text}")
    return None


def _refusal(exc: BaseException, text: str, model: str) -> RejectedError | None:
    mro = [cls.__name__ for cls in type(exc).__mro__]
    code = next((_REJECTION_CODES[name] for name in mro if name in _REJECTION_CODES), None)
    if code is None or not _REFUSALS.intersection(mro):
        return None  # not a refusal by Tryton (e.g. Python's own RecursionError): a bug
    message = f"Tryton refused the write{_on(model)}: {text}"
    return rejected(message, code=code, model=model, erp_text=text, details=_details(exc))


def rejected(
    message: str,
    *,
    code: str = REJECTED,
    model: str = "",
    erp_text: str = "",
    details: dict[str, str] | None = None,
) -> RejectedError:
    """A rejection; the ERP's own words (or plmsync's, when it refuses first) are kept."""
    erp_message = ErpMessage(text=erp_text or message, model=model, details=details or {})
    remedy = REMEDIES.get(code)
    return RejectedError(message, code=code, remedy=remedy, erp_messages=(erp_message,))


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

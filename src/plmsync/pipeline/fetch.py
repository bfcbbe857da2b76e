"""Read a change package at the edge: bytes in, a validated `ChangePackage` or a clear rejection.

The raw bytes are what the inbox stores; nothing past this point sees unvalidated data.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from plmsync.domain.errors import PackageRejected
from plmsync.domain.package import ChangePackage


def parse_package(raw: bytes, *, origin: str = "package") -> ChangePackage:
    """JSON numbers are read as Decimal before validation: pydantic's own JSON parser goes
    through a binary float, which rounds quantities past ~15 significant digits."""
    try:
        document = json.loads(raw, parse_float=_exact_number)
    # ValueError covers JSONDecodeError, UnicodeDecodeError and integers past Python's digit
    # limit; RecursionError is deeply nested input. Each is a bad payload, not a crash.
    except (ValueError, RecursionError) as exc:
        raise PackageRejected(f"{origin} is not JSON", problems=[str(exc)]) from None
    try:
        return ChangePackage.model_validate(document)
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors(include_url=False)]
        raise PackageRejected(
            f"{origin} is not a valid change package ({len(problems)} problem(s))",
            problems=problems,
        ) from None


def read_package(path: Path) -> tuple[bytes, ChangePackage]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        rejected = PackageRejected(f"cannot read {path}: {exc.strerror}")
        rejected.remedy = "Check the file name and that plmsync may read it."
        raise rejected from None
    return raw, parse_package(raw, origin=str(path))


def _exact_number(text: str) -> Decimal:
    """A JSON number with a fraction or exponent, read exactly. An absurd exponent is refused:
    validating `1e999999999` into an int field (a find number) would build a billion-digit
    integer and hang the worker; pydantic's own JSON reader rejects it as infinite too."""
    value = Decimal(text)
    if abs(value.adjusted()) > _MAX_EXPONENT:
        raise ValueError(f"number {text[:40]} is out of range (exponent beyond ±{_MAX_EXPONENT})")
    return value


_MAX_EXPONENT = 1000


def _describe(error: ErrorDetails) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown field (not part of change-package v1; check the spelling)"
    return f"{where}: {error['msg']}"

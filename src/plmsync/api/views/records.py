"""Domain dataclasses as plain JSON values (Decimals as exact text)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any


def plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def record(value: object | None) -> dict[str, Any] | None:
    converted = plain(value)
    return converted if isinstance(converted, dict) else None

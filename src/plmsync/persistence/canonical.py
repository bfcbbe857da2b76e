"""One JSON form for everything the store serialises, so what is hashed is what is kept.

Sorted keys, no whitespace, ASCII only, no NaN; datetimes as ISO 8601 in UTC with
microseconds, dates as ISO, Decimals as their exact text. It is both the engines' JSON
serialiser and the audit chain's canonical form: an entry read back re-serialises to the
bytes that were hashed when it was written.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any


def dumps(value: Any) -> str:
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        allow_nan=False,
        default=_default,
    )


def iso_utc(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: the store keeps timezone-aware ones only")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return iso_utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=dumps)
    raise TypeError(f"{type(value).__name__} cannot be stored as JSON: {value!r}")

"""Where a value sits in a PLM's JSON answer, written as a short path in a mapping file.

    name                              the key `name`
    bomSource.element.id              keys, one level each
    properties[name=Part number].value   the first list entry whose `name` is "Part number"
    items[0].id                       a list entry by position

A path that leads nowhere gives None: PLMs leave optional properties out, and the mapping
decides whether a missing value is an error (see `mapping.py`). A path that cannot be parsed
is refused when the mapping is loaded, not when the first answer arrives.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

_STEP = re.compile(
    r"(?P<key>[^.\[\]]+)"  # a key
    r"|\[(?P<index>\d+)\]"  # [3]
    r"|\[(?P<field>[^=\]]+)=(?P<value>[^\]]*)\]"  # [name=Part number]
)


@dataclass(frozen=True, slots=True)
class _Key:
    name: str


@dataclass(frozen=True, slots=True)
class _Index:
    position: int


@dataclass(frozen=True, slots=True)
class _Where:
    field: str
    value: str


_Step = _Key | _Index | _Where


@cache
def compile_path(path: str) -> tuple[_Step, ...]:
    """The steps of a path; ValueError names the part that cannot be read."""
    steps: list[_Step] = []
    position = 0
    text = path.strip()
    while position < len(text):
        if text[position] == "." and steps:
            position += 1
        match = _STEP.match(text, position)
        if match is None:
            raise ValueError(f"cannot read path {path!r} at {text[position:]!r}")
        steps.append(_step(match))
        position = match.end()
    if not steps:
        raise ValueError("empty path")
    return tuple(steps)


def _step(match: re.Match[str]) -> _Step:
    if match["key"] is not None:
        return _Key(match["key"])
    if match["index"] is not None:
        return _Index(int(match["index"]))
    return _Where(match["field"].strip(), match["value"].strip())


def lookup(document: object, path: str) -> object | None:
    """The value at `path` in `document`, or None when any step finds nothing."""
    current: object | None = document
    for step in compile_path(path):
        current = _take(current, step)
        if current is None:
            return None
    return current


def _take(current: object, step: _Step) -> object | None:
    if isinstance(step, _Key):
        return current.get(step.name) if isinstance(current, dict) else None
    if not isinstance(current, list):
        return None
    if isinstance(step, _Index):
        return current[step.position] if step.position < len(current) else None
    for entry in current:
        if isinstance(entry, dict) and str(entry.get(step.field)) == step.value:
            return entry
    return None


def lookup_time(document: object, path: str) -> dt.datetime | None:
    """The value at `path` as an ISO 8601 timestamp with a timezone, or None if it is not one."""
    value = lookup(document, path)
    try:
        at = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None

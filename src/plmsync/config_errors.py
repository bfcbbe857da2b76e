"""Point configuration errors at the YAML line and key they concern.

pydantic reports where a value is wrong as a path of keys (`rules`, `plants`, `DE01`, …);
`yaml.compose` keeps, for every node, where it starts in the file. Walking one along the other
turns each error into `plmsync.yaml:14: rules.plants.DE01.required_attributes: …`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from plmsync.domain.rules import RuleError

Loc = tuple[str | int, ...]


def describe(path: Path, text: str, error: ValidationError) -> list[str]:
    """One line per problem: file:line: dotted.key: message."""
    root = _compose(text)
    located = [_describe_one(path, root, detail) for detail in error.errors()]
    return [text for _, text in sorted(located, key=lambda found: found[0] or 0)]


def _describe_one(
    path: Path, root: yaml.Node | None, detail: ErrorDetails
) -> tuple[int | None, str]:
    cause = detail.get("ctx", {}).get("error")
    loc: Loc = (*detail["loc"], *(cause.loc if isinstance(cause, RuleError) else ()))
    message = str(cause) if isinstance(cause, RuleError) else detail["msg"]
    line = line_of(root, loc)
    where = f"{path}:{line}" if line else str(path)
    return line, f"{where}: {dotted(loc)}: {message}" if loc else f"{where}: {message}"


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def line_of(root: yaml.Node | None, loc: Sequence[str | int]) -> int | None:
    """The 1-based line of the deepest key on `loc` present in the file: a missing key points
    at its parent; parts that are pydantic's own (a union's tag, `[key]`) are stepped over."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in loc:
        found = _child(node, part)
        if found is not None:
            node, line = found
    return line


def _child(node: yaml.Node | None, part: str | int) -> tuple[yaml.Node, int] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if str(key.value) == str(part):
                return value, key.start_mark.line + 1
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item: Any = node.value[part]
        return item, item.start_mark.line + 1
    return None


def dotted(loc: Sequence[str | int]) -> str:
    """`rules.triggers[1].kind`; pydantic's `[key]` marker (a bad mapping key) is dropped."""
    text = ""
    for part in loc:
        if part == "[key]":
            continue
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text

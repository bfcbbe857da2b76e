"""A small reader for ISO 10303-21 ("Part 21", STEP physical files): entity instances only.

Why hand-rolled: no maintained pure-Python STEP parser fits. On PyPI, `steputils` (0.1,
"Development Status :: 2 - Pre-Alpha", one release, 2022) is the only pure-Python one;
STEPcode publishes no Python package; ifcopenshell (IFC-focused) and pythonOCC/OCP (full CAD
kernels) are large native builds. plmsync needs the product structure only — a few entity
types and their plain attributes — so this reader parses the exchange syntax (strings with
'' escapes, comments, #refs, .ENUMS., $ and *, lists, typed values, complex instances)
into plain Python values and leaves meaning to the caller. No schema, no geometry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from plmsync.importers.refusals import UNREADABLE, refuse


@dataclass(frozen=True, slots=True)
class Ref:
    """`#42`: a reference to another instance."""

    id: int


@dataclass(frozen=True, slots=True)
class Enum:
    """`.MADE.`: an enumeration (or boolean/logical) value."""

    name: str


@dataclass(frozen=True, slots=True)
class Typed:
    """`COUNT_MEASURE(4)`: a value of a named defined type."""

    type: str
    value: Param


class Derived:
    """`*`: an attribute re-declared as derived in a subtype."""


DERIVED = Derived()

Param = str | Decimal | Ref | Enum | Typed | Derived | list["Param"] | None


@dataclass(frozen=True, slots=True)
class Instance:
    """`#id = NAME(...)`, or a complex `#id = (A(...) B(...))`: attributes per entity name."""

    id: int
    parts: dict[str, list[Param]]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.parts)


@dataclass(frozen=True, slots=True)
class StepFile:
    header: dict[str, list[Param]]
    instances: dict[int, Instance]

    @property
    def schemas(self) -> tuple[str, ...]:
        declared = self.header.get("FILE_SCHEMA", [[]])[0]
        return (
            tuple(s for s in declared if isinstance(s, str)) if isinstance(declared, list) else ()
        )


_TOKEN = re.compile(
    r"""
    (?P<space>\s+|/\*.*?\*/)
    | (?P<magic>(?:END-)?ISO-10303-21)
    | (?P<string>'(?:[^']|'')*')
    | (?P<ref>\#\d+)
    | (?P<enum>\.[A-Za-z_][A-Za-z0-9_]*\.)
    | (?P<number>[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)
    | (?P<binary>"[0-9A-Fa-f]*")
    | (?P<keyword>!?[A-Za-z_][A-Za-z0-9_]*)
    | (?P<punct>[(),=;$*])
    """,
    re.VERBOSE | re.DOTALL,
)

Token = tuple[str, str]


def tokens(text: str) -> Iterator[Token]:
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            line = text.count("\n", 0, position) + 1
            raise refuse(
                UNREADABLE, f"STEP syntax error at line {line}: {text[position : position + 20]!r}"
            )
        position = match.end()
        kind = match.lastgroup or ""
        if kind != "space":
            yield kind, match.group()


_SCALARS: dict[str, Callable[[str], Param]] = {
    "string": lambda v: v[1:-1].replace("''", "'"),
    "number": Decimal,
    "ref": lambda v: Ref(int(v[1:])),
    "enum": lambda v: Enum(v[1:-1]),
    "binary": lambda v: v[1:-1],
}
_SYMBOLS: dict[str, Param] = {"$": None, "*": DERIVED}


class _Parser:
    def __init__(self, text: str) -> None:
        self._tokens = list(tokens(text))
        self._at = 0

    def _peek(self) -> Token:
        return self._tokens[self._at] if self._at < len(self._tokens) else ("end", "")

    def _take(self, value: str | None = None) -> Token:
        token = self._peek()
        if token[0] == "end" or (value is not None and token[1] != value):
            expected = f"{value!r}" if value else "more input"
            raise refuse(UNREADABLE, f"STEP syntax error: expected {expected}, found {token[1]!r}")
        self._at += 1
        return token

    def param(self) -> Param:
        kind, value = self._take()
        if kind in _SCALARS:
            return _SCALARS[kind](value)
        if value in _SYMBOLS:
            return _SYMBOLS[value]
        if value == "(":
            self._at -= 1
            return self.params()
        if kind == "keyword":
            inner = self.params()
            return Typed(value, inner[0] if len(inner) == 1 else inner)
        raise refuse(UNREADABLE, f"STEP syntax error: unexpected {value!r}")

    def params(self) -> list[Param]:
        self._take("(")
        values: list[Param] = []
        if self._peek()[1] == ")":
            self._take()
            return values
        while True:
            values.append(self.param())
            if self._take()[1] == ")":
                return values

    def entity(self) -> tuple[str, list[Param]]:
        kind, name = self._take()
        if kind != "keyword":
            raise refuse(UNREADABLE, f"STEP syntax error: entity name expected, found {name!r}")
        return name.upper(), self.params()

    def instance_body(self) -> dict[str, list[Param]]:
        if self._peek()[1] != "(":
            name, values = self.entity()
            return {name: values}
        self._take("(")
        parts: dict[str, list[Param]] = {}
        while self._peek()[1] != ")":
            name, values = self.entity()
            parts[name] = values
        self._take(")")
        return parts

    def file(self) -> StepFile:
        header: dict[str, list[Param]] = {}
        instances: dict[int, Instance] = {}
        section = ""
        while self._peek()[0] != "end":
            kind, value = self._peek()
            if kind == "keyword" and value.upper() in ("HEADER", "DATA", "ENDSEC"):
                self._take()
                self._take(";")
                section = value.upper()
            elif kind == "magic":
                self._take()
                self._take(";")
            elif section == "HEADER":
                name, values = self.entity()
                self._take(";")
                header[name] = values
            elif section == "DATA" and kind == "ref":
                number = int(self._take()[1][1:])
                self._take("=")
                instances[number] = Instance(number, self.instance_body())
                self._take(";")
            else:
                raise refuse(UNREADABLE, f"STEP syntax error: unexpected {value!r}")
        return StepFile(header, instances)


def parse(text: str) -> StepFile:
    """Header entities by name and data instances by id; ImportRejected on bad syntax."""
    if not text.lstrip("\ufeff \r\n\t").startswith("ISO-10303-21"):
        raise refuse(UNREADABLE, "not a STEP file (it must begin with ISO-10303-21;)")
    return _Parser(text).file()

"""Revision order, and which revisions another source holds that are newer than ours.

PLM revisions are short labels compared "naturally", run by run:

- letters by length, then alphabetically: A < B < … < Z < AA < AB (the sequence after Z);
- digits by value: 1 < 2 < 10, and 01 = 1 (zero padding is presentation);
- a run of digits comes before a run of letters at the same position, so numbered
  pre-production revisions (01, 02) sort before lettered production ones (A, B);
- anything else (".", "-", spaces) only separates runs: 1.2 < 1.10; case is ignored.

An empty revision (a record made by hand in the ERP reads with revision "") is *unknown*: it
is never newer than anything, so it never blocks a change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cmp_to_key

_RUN = re.compile(r"\d+|[^\W\d_]+")

# (0, value) for a digit run, (1, length, text) for a letter run: the first element puts
# digits before letters and keeps Python from comparing an int with a str.
Token = tuple[int, int] | tuple[int, int, str]


def revision_key(revision: str) -> tuple[Token, ...]:
    return tuple(_token(run) for run in _RUN.findall(revision.upper()))


def _token(run: str) -> Token:
    return (0, int(run)) if run.isdecimal() else (1, len(run), run)


def compare_revisions(a: str, b: str) -> int:
    """-1, 0 or 1 as `a` is older than, the same as, or newer than `b`."""
    key_a, key_b = revision_key(a), revision_key(b)
    return (key_a > key_b) - (key_a < key_b)


def is_newer(candidate: str, than: str) -> bool:
    """True when `candidate` is a known revision later than `than`."""
    return bool(candidate.strip()) and compare_revisions(candidate, than) > 0


def sort_revisions(revisions: Iterable[str]) -> list[str]:
    return sorted(revisions, key=cmp_to_key(compare_revisions))


@dataclass(frozen=True, slots=True)
class Regression:
    """Our revision of an object is older than one held elsewhere (ERP, a pending job)."""

    kind: str
    key: str
    ours: str
    newer: str
    where: str

    def describe(self) -> str:
        return f"{self.kind} {self.key} rev {self.ours} is older than rev {self.newer} {self.where}"


ObjectRevisions = Mapping[tuple[str, str], str]
"""(kind, key) → revision, e.g. ("item", "GRS-40") → "C"."""


def regressions(ours: ObjectRevisions, theirs: ObjectRevisions, where: str) -> list[Regression]:
    """Every object whose revision in `theirs` is newer than ours, in key order."""
    found = [
        Regression(kind, key, revision, theirs[(kind, key)], where)
        for (kind, key), revision in ours.items()
        if (kind, key) in theirs and is_newer(theirs[(kind, key)], revision)
    ]
    return sorted(found, key=lambda r: (r.kind, r.key))

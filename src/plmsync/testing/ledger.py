"""A ledger checker for ERP effects, in the style of Jepsen's total-queue checker.

Jepsen checks a queue by recording every value enqueued and every value dequeued, then
reporting what was lost (enqueued, never dequeued), duplicated (dequeued more than once) and
unexpected (dequeued, never enqueued). Here the "queue" is plmsync between the PLM and the
ERP: every *intended* effect is an ERP object with the content a change package asks for;
every *actual* effect is a change of an object's content as the ERP itself logged it (by
record id, in commit order). Revisions add a fourth anomaly, *reordered*: an earlier
revision of an object applied after a later one, so the earlier one wins.

Per object (target, kind, key), with the revisions the packages carry in release order:
- lost: the object does not end with its latest revision, nor with an earlier one;
- reordered: the object ends with an earlier revision than its latest;
- duplicated: a revision was applied more often than the release history changes to it
  (normally once: effectively-once delivery), or one object is stored as two ERP records;
- unexpected: an applied content no package asked for (a half-applied or mixed record).

An intermediate revision never applied is *not* an anomaly: a newer revision that arrived
first supersedes it, and only the latest must land.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from plmsync.domain.package import ChangePackage
from plmsync.domain.plan import fingerprint
from plmsync.domain.rules import DEFAULT_RULES, Rules
from plmsync.domain.state import ObjectKind, TargetState
from plmsync.pipeline.derive import PlantContext, derive

ObjectId = tuple[str, ObjectKind, str]
"""(ERP target, kind, natural key)."""

ABSENT = ""  # the fingerprint of an object the ERP no longer shows


@dataclass(frozen=True)
class Intended:
    """One object's content as one change package asks for it."""

    target: str
    kind: ObjectKind
    key: str
    fingerprint: str
    change: str

    @property
    def object(self) -> ObjectId:
        return (self.target, self.kind, self.key)


@dataclass(frozen=True)
class Effect:
    """One change of an object's content, as the ERP logged it when it committed."""

    seq: int
    target: str
    kind: ObjectKind
    key: str
    fingerprint: str  # ABSENT when the object stopped being shown (deactivated)
    record_id: int | None
    change: str

    @property
    def object(self) -> ObjectId:
        return (self.target, self.kind, self.key)


@dataclass(frozen=True)
class Anomaly:
    object: ObjectId
    detail: str


@dataclass(frozen=True)
class LedgerReport:
    lost: tuple[Anomaly, ...]
    duplicated: tuple[Anomaly, ...]
    unexpected: tuple[Anomaly, ...]
    reordered: tuple[Anomaly, ...]
    intended: int  # objects the packages speak for
    applied: int  # effects the ERP logged

    def counts(self) -> dict[str, int]:
        return {
            "lost": len(self.lost),
            "duplicated": len(self.duplicated),
            "unexpected": len(self.unexpected),
            "reordered": len(self.reordered),
        }

    @property
    def ok(self) -> bool:
        return not any(self.counts().values())

    def summary(self) -> str:
        counts = " ".join(f"{name}={n}" for name, n in self.counts().items())
        return f"ledger: {self.intended} objects intended, {self.applied} effects; {counts}"


def state_fingerprints(target: str, state: TargetState) -> dict[ObjectId, str]:
    """Every object of a state, by id, with the fingerprint of its content."""
    return {
        (target, kind, key): fingerprint(record)
        for kind in ObjectKind
        for key, record in state.of_kind(kind).items()
    }


def intended_effects(
    packages: Sequence[ChangePackage],
    targets: Mapping[str, PlantContext],
    rules: Rules = DEFAULT_RULES,
) -> list[Intended]:
    """What `packages`, in the order they were released, ask each target (one plant each)
    to hold. A package speaks only for the objects it carries."""
    intended: list[Intended] = []
    for package in packages:
        for target, plant in targets.items():
            if plant.plant not in package.plant_codes:
                continue
            wanted = state_fingerprints(target, derive(package, plant, rules))
            intended.extend(
                Intended(t, kind, key, fp, package.change.number)
                for (t, kind, key), fp in wanted.items()
            )
    return intended


def check(
    intended: Iterable[Intended],
    effects: Iterable[Effect],
    final: Mapping[ObjectId, str],
    *,
    duplicate_records: Mapping[ObjectId, Sequence[int]] | None = None,
) -> LedgerReport:
    """Compare what was intended with what the ERP logged and with where it ended (`final`:
    each object's fingerprint in the ERP after the run)."""
    history = _histories(intended)
    applied = sorted(effects, key=lambda e: e.seq)
    lost, reordered = _outcomes(history, final)
    return LedgerReport(
        lost=tuple(lost),
        duplicated=tuple(_duplicated(history, applied, duplicate_records or {})),
        unexpected=tuple(_unexpected(history, applied)),
        reordered=tuple(reordered),
        intended=len(history),
        applied=len(applied),
    )


def _histories(intended: Iterable[Intended]) -> dict[ObjectId, list[str]]:
    """Per object, its revisions in release order (a revision repeated back to back once)."""
    history: dict[ObjectId, list[str]] = defaultdict(list)
    for wanted in intended:
        revisions = history[wanted.object]
        if not revisions or revisions[-1] != wanted.fingerprint:
            revisions.append(wanted.fingerprint)
    return history


def _outcomes(
    history: Mapping[ObjectId, list[str]], final: Mapping[ObjectId, str]
) -> tuple[list[Anomaly], list[Anomaly]]:
    lost, reordered = [], []
    for obj, revisions in history.items():
        latest, ended = revisions[-1], final.get(obj, ABSENT)
        if ended == latest:
            continue
        if ended in revisions[:-1]:
            back = len(revisions) - 1 - revisions.index(ended)
            reordered.append(Anomaly(obj, f"ends {back} revision(s) behind its latest"))
        else:
            lost.append(Anomaly(obj, f"latest revision {latest} is not in the ERP"))
    return lost, reordered


def _duplicated(
    history: Mapping[ObjectId, list[str]],
    applied: Sequence[Effect],
    duplicate_records: Mapping[ObjectId, Sequence[int]],
) -> list[Anomaly]:
    found = []
    times = Counter((e.object, e.fingerprint) for e in applied if e.fingerprint != ABSENT)
    for (obj, fp), count in sorted(times.items()):
        allowed = history.get(obj, []).count(fp)
        if allowed and count > allowed:
            found.append(Anomaly(obj, f"revision {fp} applied {count} times, {allowed} intended"))
    for obj, ids in sorted(duplicate_records.items()):
        if len(ids) > 1:
            found.append(Anomaly(obj, f"stored as {len(ids)} ERP records {sorted(ids)}"))
    return found


def _unexpected(history: Mapping[ObjectId, list[str]], applied: Sequence[Effect]) -> list[Anomaly]:
    return [
        Anomaly(e.object, f"effect {e.seq} by {e.change}: content {e.fingerprint or 'removed'}")
        for e in applied
        if e.fingerprint not in history.get(e.object, ())
    ]

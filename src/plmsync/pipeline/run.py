"""The imperative shell around the pure core: read live ERP state, validate, plan, post.

For each plant the change names: derive what it should hold, read what its ERP holds, plan the
difference and post it. Nothing is posted anywhere unless the whole package is valid for every
plant, so a bad package never leaves a half-applied change behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from plmsync.config import WorkspaceConfig
from plmsync.domain.errors import ConnectorError, ValidationFailed
from plmsync.domain.issues import Issue
from plmsync.domain.package import ChangePackage
from plmsync.domain.plan import Plan
from plmsync.domain.state import TargetState
from plmsync.pipeline.derive import PlantContext, derive, derive_with_trace
from plmsync.pipeline.live_reads import LiveReads
from plmsync.pipeline.plan import plan
from plmsync.pipeline.plant_rules import Derivation
from plmsync.pipeline.validate import ValidationContext, validate
from plmsync.ports.erp import ChangeRef, ErpTarget, Posting

ProgressCallback = Callable[[str, int], None]
"""Called with (plant, number of steps just posted)."""


@dataclass(frozen=True)
class PlantResult:
    plant: str
    plan: Plan
    postings: tuple[Posting, ...] = ()
    error: ConnectorError | None = None

    @property
    def status(self) -> str:
        if self.error is not None:
            return "failed"
        return "synced" if self.postings else "unchanged"


@dataclass(frozen=True)
class SyncReport:
    change: str
    warnings: tuple[Issue, ...]
    plants: tuple[PlantResult, ...]

    @property
    def ok(self) -> bool:
        return all(result.error is None for result in self.plants)


class Pipeline:
    """One workspace's plants and their ERP targets (keyed by plant code)."""

    def __init__(self, config: WorkspaceConfig, targets: Mapping[str, ErpTarget]):
        self.config = config
        self.targets = targets

    def check(self, package: ChangePackage, reads: LiveReads | None = None) -> list[Issue]:
        """Every issue of the package (errors and warnings), reading ERP but never writing."""
        context = self._validation_context(package, reads or LiveReads(self.targets))
        return validate(package, context)

    def plan(self, package: ChangePackage, plants: Sequence[str] = ()) -> dict[str, Plan]:
        reads = LiveReads(self.targets)  # validation's read of a plant serves its plan too
        issues = self._require_valid(package, reads)
        warnings = [i for i in issues if not i.blocking]
        return {
            p: self._plan_plant(package, p, warnings, reads) for p in self._plants(package, plants)
        }

    def derivations(
        self, package: ChangePackage, plants: Sequence[str] = ()
    ) -> dict[str, list[Derivation]]:
        """Per plant, how its plant rules made its view differ from the engineering BOM."""
        return {
            p: derive_with_trace(package, self._plant_context(package, p), self.config.rules)[1]
            for p in self._plants(package, plants)
        }

    def sync(
        self,
        package: ChangePackage,
        plants: Sequence[str] = (),
        on_progress: ProgressCallback | None = None,
    ) -> SyncReport:
        return self.post(package, self.plan(package, plants), on_progress)

    def post(
        self,
        package: ChangePackage,
        plans: Mapping[str, Plan],
        on_progress: ProgressCallback | None = None,
    ) -> SyncReport:
        """Post plans made by `plan` (plant by plant; one plant failing does not stop others)."""
        results = tuple(self._post(package, plan_, on_progress) for plan_ in plans.values())
        warnings = next(iter(plans.values())).warnings if plans else ()
        return SyncReport(package.change.number, warnings, results)

    # --- steps --------------------------------------------------------------------------

    def _require_valid(self, package: ChangePackage, reads: LiveReads) -> list[Issue]:
        issues = self.check(package, reads)
        if any(i.blocking for i in issues):
            raise ValidationFailed(issues)
        return issues

    def _plan_plant(
        self, package: ChangePackage, plant: str, warnings: Iterable[Issue], reads: LiveReads
    ) -> Plan:
        rules = self.config.rules
        desired = derive(package, self._plant_context(package, plant), rules)
        actual = reads.of(plant, desired.item_numbers)
        return plan(package.change.number, plant, desired, actual, warnings, rules)

    def _post(
        self, package: ChangePackage, plan_: Plan, on_progress: ProgressCallback | None
    ) -> PlantResult:
        ref = ChangeRef(package.change.number, plan_.plant, package.source.event_id)
        try:
            postings = self.targets[plan_.plant].apply(ref, plan_.actionable)
        except ConnectorError as error:
            return PlantResult(plan_.plant, plan_, error=error)
        if on_progress:
            on_progress(plan_.plant, len(plan_.actionable))
        return PlantResult(plan_.plant, plan_, tuple(postings))

    # --- context ------------------------------------------------------------------------

    def _plants(self, package: ChangePackage, only: Sequence[str]) -> list[str]:
        return [p for p in package.plant_codes if not only or p in only]

    def _plant_context(self, package: ChangePackage, plant: str) -> PlantContext:
        effectivity = next(p for p in package.change.plants if p.plant == plant)
        return PlantContext(plant, self.config.region_of(plant), effectivity.effective_from)

    def _validation_context(self, package: ChangePackage, reads: LiveReads) -> ValidationContext:
        plants = [p for p in package.plant_codes if p in self.targets]
        capabilities = [self.targets[p].capabilities() for p in plants]
        digits: dict[str, int] = {}
        for caps in capabilities:
            for unit, d in caps.unit_digits.items():
                digits[unit] = min(d, digits.get(unit, d))
        return ValidationContext(
            plants=frozenset(self.config.plants),
            unit_categories={code: unit.category for code, unit in self.config.units.items()},
            known_items=self._items_known_everywhere(package, plants, reads),
            unit_digits=digits,
            line_effectivity=bool(capabilities) and all(c.line_effectivity for c in capabilities),
            substitutes=bool(capabilities) and all(c.substitutes for c in capabilities),
            rules=self.config.rules,
            regions={code: plant.region for code, plant in self.config.plants.items()},
        )

    def _items_known_everywhere(
        self, package: ChangePackage, plants: list[str], reads: LiveReads
    ) -> dict[str, str]:
        """Items the package refers to without carrying them, that every plant's ERP has.
        The read covers the carried items too, so that planning can reuse it."""
        referenced = {line.component for b in package.boms for line in b.lines}
        referenced |= {s.item for s in package.sources}
        referenced |= {item for d in package.documents for item in d.items}
        carried = {i.number for i in package.items}
        missing = referenced - carried
        if not missing or not plants:
            return {}
        states = [reads.of(p, referenced | carried) for p in plants]
        return {n: states[0].items[n].uom for n in missing if _in_all(n, states)}


def _in_all(number: str, states: list[TargetState]) -> bool:
    return all(number in state.items for state in states)

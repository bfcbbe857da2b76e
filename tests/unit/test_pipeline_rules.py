"""The workspace rules through the pipeline and `plmsync plan`: validation, derived views,
ownership and the "Derived for plant" table, on in-memory ERPs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

import yaml
from typer.testing import CliRunner

from plmsync.cli.app import app
from plmsync.config import WorkspaceConfig
from plmsync.domain.package import ChangePackage
from plmsync.domain.plan import Action, Plan
from plmsync.domain.state import BomRecord, ItemRecord, ObjectKind
from plmsync.pipeline.plant_rules import DerivationKind
from plmsync.pipeline.run import Pipeline
from plmsync.testing.fake_erp import InMemoryErp
from tests.unit import builders as b

R = TypeVar("R")

RULES = {
    "ownership": {"item": {"description": "erp"}},
    "regions": {"EU": {"substitutions": [{"replace": "SCR-M5X16", "by": "SCR-M5X16-DIN"}]}},
    "plants": {"DE01": {"make_buy": {"GRS-40": "buy"}}},
}
WORKSPACE = {
    "version": 1,
    "plants": {"US01": {"target": "us", "region": "NA"}, "DE01": {"target": "de", "region": "EU"}},
    "targets": {"us": {"kind": "memory"}, "de": {"kind": "memory"}},
    "rules": RULES,
}


def example_with_din_screw() -> dict[str, object]:
    data = b.example_dict()
    data["items"].append(b.item("SCR-M5X16-DIN", name="Screw M5x16 DIN 912"))
    data["items"][0]["description"] = "PLM text"
    return data


def pipeline() -> Pipeline:
    config = WorkspaceConfig.model_validate(WORKSPACE)
    return Pipeline(config, {"US01": InMemoryErp(name="us"), "DE01": InMemoryErp(name="de")})


def test_the_pipeline_validates_with_the_workspace_rules() -> None:
    package = b.package(items=[b.item("A")], plants=(b.plant("DE01"),))
    config = WorkspaceConfig.model_validate(
        {**WORKSPACE, "rules": {"regions": {"EU": {"required_attributes": ["rohs"]}}}}
    )
    checked = Pipeline(config, {"US01": InMemoryErp(), "DE01": InMemoryErp()}).check(package)

    assert [(i.code, i.plant) for i in checked] == [("PLMSYNC-ITEM-ATTRIBUTE-MISSING", "DE01")]


def test_each_plant_is_planned_from_its_derived_view_and_ownership() -> None:
    package = ChangePackage.model_validate(example_with_din_screw())

    plans = pipeline().plan(package)

    assert "SCR-M5X16-DIN" in desired(plans["DE01"], ObjectKind.BOM, BomRecord).components
    assert "SCR-M5X16" in desired(plans["US01"], ObjectKind.BOM, BomRecord).components
    pump = desired(plans["US01"], ObjectKind.ITEM, ItemRecord)
    assert pump.description == ""  # ERP-owned: created empty for the ERP to fill
    assert plans["US01"].count(Action.CREATE) == len(plans["US01"].steps)


def desired(plan: Plan, kind: ObjectKind, record_type: type[R]) -> R:
    """The desired PMP-40 record of a kind in a plan."""
    (step,) = [s for s in plan.steps if s.kind is kind and s.key == "PMP-40"]
    assert isinstance(step.desired, record_type)
    return step.desired


def test_derivations_per_plant_name_the_rules() -> None:
    package = ChangePackage.model_validate(example_with_din_screw())

    traces = pipeline().derivations(package)

    assert traces["US01"] == []
    assert [(d.kind, d.key, d.rule) for d in traces["DE01"]] == [
        (DerivationKind.SUBSTITUTION, "PMP-40#30", "regions.EU.substitutions[0]"),
        (DerivationKind.MAKE_BUY, "GRS-40", "plants.DE01.make_buy.GRS-40"),
    ]
    assert list(pipeline().derivations(package, ["US01"])) == ["US01"]


def test_plmsync_plan_shows_the_derived_view_per_plant_with_its_rules(tmp_path: Path) -> None:
    config = tmp_path / "plmsync.yaml"
    config.write_text(yaml.safe_dump(WORKSPACE), encoding="utf-8")
    package = tmp_path / "change.json"
    package.write_text(json.dumps(example_with_din_screw()), encoding="utf-8")

    result = CliRunner().invoke(app, ["plan", str(package), "-c", str(config)])

    assert result.exit_code == 0, result.output
    assert "Derived for plant DE01 (2 difference(s))" in result.stdout
    assert "Derived for plant US01" not in result.stdout
    assert "regions.EU.substitutions[0]" in result.stdout
    assert "substitution" in result.stdout and "PMP-40#30" in result.stdout
    assert "plants.DE01.make_buy.GRS-40" in result.stdout

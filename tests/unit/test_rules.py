"""Rules as data: the `rules:` model, its defaults, its errors pointing at file, line and key,
its published JSON Schema, and error routing."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from plmsync.cli.app import app
from plmsync.config import load_config
from plmsync.domain.errors import ConfigError, RejectedError, TransientError
from plmsync.domain.package import ChangeKind, ChangeState, ItemType, MakeBuy
from plmsync.domain.routing import route_error
from plmsync.domain.rules import (
    DEFAULT_RULES,
    CheckpointName,
    Owner,
    PhantomHandling,
    Policy,
    Rules,
)
from plmsync.domain.state import ObjectKind

ROOT = Path(__file__).resolve().parents[2]


def rules(**data: Any) -> Rules:
    return Rules.model_validate(data)


def problems(**data: Any) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        Rules.model_validate(data)
    return [(tuple(e["loc"]), e["msg"]) for e in caught.value.errors()]


# --- defaults --------------------------------------------------------------------------------


def test_without_rules_everything_recorded_is_plm_owned_and_erp_parameters_are_erp_owned() -> None:
    item = DEFAULT_RULES.ownership[ObjectKind.ITEM]

    assert {name for name, o in item.items() if o.owner is Owner.PLM} >= {
        "number", "revision", "name", "description", "uom",
    }  # fmt: skip
    assert {name for name, o in item.items() if o.owner is Owner.ERP} >= {
        "list_price", "cost_price", "lead_time", "lot_size", "safety_stock", "mrp_type",
    }  # fmt: skip
    assert DEFAULT_RULES.ownership[ObjectKind.BOM]["lines"].owner is Owner.PLM
    assert DEFAULT_RULES.ownership[ObjectKind.SOURCE]["price"].owner is Owner.ERP


def test_default_triggers_are_release_released_and_eco_mco_approved_or_released() -> None:
    assert {(t.kind, t.states) for t in DEFAULT_RULES.triggers} == {
        (ChangeKind.RELEASE, (ChangeState.RELEASED,)),
        (ChangeKind.ECO, (ChangeState.APPROVED, ChangeState.RELEASED)),
        (ChangeKind.MCO, (ChangeState.APPROVED, ChangeState.RELEASED)),
    }


def test_default_checkpoints_hold_compliance_drift_and_export_but_not_routine_changes() -> None:
    enabled = {n for n in CheckpointName if DEFAULT_RULES.checkpoints.enabled(n)}

    assert enabled == {
        CheckpointName.SUBSTITUTION_CHANGES_COMPLIANCE,
        CheckpointName.ERP_DRIFT_CONFLICT,
        CheckpointName.EXPORT_CONTROL_HIT,
    }


# --- ownership -------------------------------------------------------------------------------


def test_configured_ownership_overrides_defaults_attribute_by_attribute() -> None:
    configured = rules(
        ownership={
            "item": {"description": "erp", "safety_stock": {"owner": "shared", "policy": "review"}}
        }
    )
    item = configured.ownership[ObjectKind.ITEM]

    assert item["description"].owner is Owner.ERP
    assert (item["safety_stock"].owner, item["safety_stock"].policy) == (
        Owner.SHARED,
        Policy.REVIEW,
    )
    assert item["name"].owner is Owner.PLM  # untouched default
    assert configured.ownership[ObjectKind.BOM] == DEFAULT_RULES.ownership[ObjectKind.BOM]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("shared", "needs a policy"),
        ({"owner": "plm", "policy": "review"}, "only shared attributes take a policy"),
        ("nobody", "Input should be"),
    ],
)
def test_an_ownership_entry_must_make_sense(entry: Any, message: str) -> None:
    ((loc, msg),) = problems(ownership={"item": {"description": entry}})

    assert loc[:3] == ("ownership", "item", "description")
    assert message in msg


@pytest.mark.parametrize(
    ("kind", "field"), [("item", "number"), ("bom", "revision"), ("source", "mpn")]
)
def test_identity_can_never_be_handed_to_the_erp(kind: str, field: str) -> None:
    ((loc, msg),) = problems(ownership={kind: {field: "erp"}})

    assert loc == ("ownership",)
    assert "always plm" in msg


# --- other sections --------------------------------------------------------------------------


def test_two_triggers_for_one_kind_are_refused() -> None:
    ((_, msg),) = problems(
        triggers=[{"kind": "eco", "states": ["approved"]}, {"kind": "eco", "states": ["released"]}]
    )

    assert "a second trigger for eco" in msg


def test_a_trigger_needs_at_least_one_state() -> None:
    ((loc, _),) = problems(triggers=[{"kind": "eco", "states": []}])

    assert loc == ("triggers", 0, "states")


def test_a_component_cannot_substitute_itself() -> None:
    ((loc, msg),) = problems(plants={"DE01": {"substitutions": [{"replace": "X", "by": "X"}]}})

    assert loc == ("plants", "DE01", "substitutions", 0)
    assert "cannot substitute itself" in msg


def test_required_attributes_may_be_a_plain_list() -> None:
    short = rules(regions={"EU": {"required_attributes": ["rohs", "reach"]}})
    full = rules(regions={"EU": {"required_attributes": [{"attributes": ["rohs", "reach"]}]}})

    assert short == full
    assert short.regions["EU"].required_attributes[0].applies_to(ItemType.PHANTOM)


def test_unknown_keys_are_refused() -> None:
    ((loc, _),) = problems(plants={"DE01": {"phantoms": "flatten"}})

    assert loc == ("plants", "DE01", "phantoms")


def test_error_routing_keys_are_codes_prefixes_or_class_names() -> None:
    assert rules(error_routing={"PLMSYNC-BOM-": "engineering", "RejectedError": "it"})
    ((loc, _),) = problems(error_routing={"bom errors": "engineering"})

    assert loc[:2] == ("error_routing", "bom errors")


# --- one plant's rules, resolved -------------------------------------------------------------

SITES = rules(
    required_attributes=["ce"],
    regions={
        "EU": {
            "substitutions": [{"replace": "X", "by": "X-EU", "name": "eu-cap"}],
            "phantom": "flatten",
            "make_buy": {"A": "buy", "B": "buy"},
            "required_attributes": [{"attributes": ["rohs"], "item_types": ["part"]}],
            "use_plm_substitutes": True,
        }
    },
    plants={
        "DE01": {
            "substitutions": [{"replace": "X", "by": "X-DE"}],
            "phantom": "keep",
            "make_buy": {"A": "make"},
            "required_attributes": ["weee"],
            "use_plm_substitutes": False,
        }
    },
    export_control={"excluded_regions": ["EU"]},
)


def test_plant_rules_come_before_region_rules_each_labelled_with_where_it_is_configured() -> None:
    de01 = SITES.for_plant("DE01", "EU")

    assert [s.rule for s in de01.substitutions] == [
        "plants.DE01.substitutions[0]",
        "regions.EU.substitutions[0] (eu-cap)",
    ]
    assert de01.phantom is not None
    assert (de01.phantom.rule, de01.phantom.value) == ("plants.DE01.phantom", PhantomHandling.KEEP)
    assert de01.plm_substitutes is not None and de01.plm_substitutes.value is False
    assert de01.make_buy is not None
    assert {k: (v.rule, v.value) for k, v in de01.make_buy.items()} == {
        "A": ("plants.DE01.make_buy.A", MakeBuy.MAKE),
        "B": ("regions.EU.make_buy.B", MakeBuy.BUY),
    }


def test_required_attributes_add_up_from_everywhere_region_and_plant() -> None:
    de01 = SITES.for_plant("DE01", "EU")

    assert [r.rule for r in de01.required_attributes] == [
        "required_attributes[0]",
        "regions.EU.required_attributes[0]",
        "plants.DE01.required_attributes[0]",
    ]


def test_export_exclusion_by_region_or_plant() -> None:
    assert SITES.for_plant("FR01", "EU").export_excluded is not None
    assert SITES.for_plant("US01", "NA").export_excluded is None
    by_plant = rules(export_control={"excluded_plants": ["CN01"]}).for_plant("CN01", "APAC")

    assert by_plant.export_excluded is not None
    assert by_plant.export_excluded.rule == "export_control.excluded_plants"


def test_a_plant_without_rules_changes_nothing() -> None:
    assert not DEFAULT_RULES.for_plant("US01", "NA").changes_the_engineering_view
    assert SITES.for_plant("US01", "NA").required_attributes  # requirements don't change views


@pytest.mark.parametrize(
    ("value", "restricted"),
    [("5A002", "5A002"), ("EAR99", ""), ("ear99", ""), ("", ""), (None, ""), (False, "")],
)
def test_export_classification(value: Any, restricted: str) -> None:
    control = DEFAULT_RULES.export_control

    assert control.classification({"export_control": value}) == restricted


# --- error routing ---------------------------------------------------------------------------


def test_errors_route_to_the_most_specific_configured_owner() -> None:
    routed = rules(
        error_routing={
            "PLMSYNC-BOM-": "engineering-queue",
            "PLMSYNC-BOM-CYCLE": "bom-experts",
            "ConnectorError": "it-ops",
            "TransientError": "nobody",
        }
    )

    assert route_error("PLMSYNC-BOM-CYCLE", rules=routed) == "bom-experts"
    assert route_error("PLMSYNC-BOM-DUPLICATE", rules=routed) == "engineering-queue"
    assert route_error("PLMSYNC-ERP-REJECTED", RejectedError, routed) == "it-ops"  # a base class
    assert route_error("PLMSYNC-ERP-UNAVAILABLE", TransientError, routed) == "nobody"


def test_without_a_route_the_catalogue_owner_or_the_integration_admin_owns_it() -> None:
    assert route_error("PLMSYNC-EXPORT-CONTROL") == "trade_compliance"
    assert route_error("PLMSYNC-UOM-UNKNOWN") == "integration_admin"
    assert route_error("PLMSYNC-ERP-AUTH") == "integration_admin"


# --- the workspace file: errors name file, line and key -------------------------------------

WORKSPACE = """\
version: 1
plants:
  US01: {target: erp, region: NA}
  DE01: {target: erp, region: EU}
targets:
  erp: {kind: memory}
"""


def write(tmp_path: Path, rules_yaml: str) -> Path:
    path = tmp_path / "plmsync.yaml"
    path.write_text(WORKSPACE + textwrap.dedent(rules_yaml), encoding="utf-8")
    return path


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.message


def test_a_workspace_without_rules_gets_the_defaults(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")).rules == DEFAULT_RULES


def test_a_wrong_rule_is_reported_with_file_line_and_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        rules:
          plants:
            DE01:
              phantom: flatten
              required_attributes: rohs
        """,
    )

    message = config_error(path)

    assert message.startswith(f"{path}:11: rules.plants.DE01.required_attributes: ")


def test_every_wrong_rule_is_reported_in_file_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        rules:
          triggers:
            - {kind: eco, states: [approved]}
            - {kind: eco, states: [released]}
          ownership:
            item:
              number: erp
          checkpoints:
            quantity_change_above_pct: -5
        """,
    )

    lines = config_error(path).splitlines()

    assert [line.split(": ")[0:2] for line in lines] == [
        [f"{path}:10", "rules.triggers[1].kind"],
        [f"{path}:13", "rules.ownership.item.number"],
        [f"{path}:15", "rules.checkpoints.quantity_change_above_pct"],
    ]


def test_a_missing_key_points_at_its_parent(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        rules:
          regions:
            EU:
              substitutions:
                - {replace: X}
        """,
    )

    assert config_error(path).startswith(
        f"{path}:11: rules.regions.EU.substitutions[0].by: Field required"
    )


@pytest.mark.parametrize(
    ("rules_yaml", "where"),
    [
        ("rules:\n  plants:\n    XX99: {phantom: flatten}\n", ":9: rules.plants.XX99: "),
        ("rules:\n  regions:\n    APAC: {phantom: flatten}\n", ":9: rules.regions.APAC: "),
        (
            "rules:\n  export_control:\n    excluded_plants: [US01, XX99]\n",
            ":9: rules.export_control.excluded_plants[1]: ",
        ),
    ],
)
def test_rules_for_plants_or_regions_nobody_configured_are_refused(
    tmp_path: Path, rules_yaml: str, where: str
) -> None:
    message = config_error(write(tmp_path, rules_yaml))

    assert where in message
    assert "not a configured plant or region (plants DE01, US01; regions EU, NA)" in message


def test_a_plant_naming_an_unknown_target_points_at_its_target_line(tmp_path: Path) -> None:
    path = tmp_path / "plmsync.yaml"
    path.write_text(WORKSPACE.replace("DE01: {target: erp", "DE01: {target: nope"), "utf-8")

    assert config_error(path).startswith(f"{path}:4: plants.DE01.target: plant DE01 names")


def test_the_example_workspace_with_rules_loads() -> None:
    config = load_config(ROOT / "examples" / "plmsync-rules.yaml")

    assert config.rules.regions["EU"].substitutions
    assert config.rules.export_control.excluded_plants == ("CN01",)


# --- the published schema --------------------------------------------------------------------


def test_committed_rules_schema_is_what_plmsync_schema_rules_prints() -> None:
    result = CliRunner().invoke(app, ["schema", "--rules"])

    assert result.exit_code == 0
    committed = (ROOT / "schemas" / "rules.v1.json").read_text(encoding="utf-8")
    assert result.stdout == committed, "run `make schema` and commit schemas/"
    assert json.loads(committed)["title"] == "Rules"

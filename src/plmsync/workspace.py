"""Create a workspace: a `plmsync.yaml` and one embedded Tryton database per plant."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from plmsync.config import DEFAULT_UNITS
from plmsync.domain.errors import ConfigError

CONFIG_NAME = "plmsync.yaml"
_EURO_REGIONS = {"EU", "EMEA"}


@dataclass(frozen=True)
class PlantSpec:
    code: str
    region: str = ""

    @classmethod
    def parse(cls, text: str) -> PlantSpec:
        """`US01` or `DE01:EU` (plant code, optionally its region)."""
        code, _, region = text.partition(":")
        if not code.strip():
            raise ConfigError(f"empty plant code in {text!r}", remedy="Use --plant CODE[:REGION].")
        return cls(code.strip(), region.strip())

    @property
    def currency(self) -> str:
        return "EUR" if self.region in _EURO_REGIONS else "USD"


DatabaseFactory = Callable[[Path, str, str], None]
"""Creates an ERP database at a path for (company name, currency)."""


def init_workspace(
    directory: Path,
    plants: Sequence[PlantSpec],
    *,
    create_database: DatabaseFactory | None = None,
    on_plant: Callable[[str], None] | None = None,
) -> Path:
    if not plants:
        raise ConfigError("no plant given", remedy="Name at least one: --plant US01 --plant DE01.")
    config_path = directory / CONFIG_NAME
    if config_path.exists():
        raise ConfigError(
            f"{config_path} already exists", remedy="Choose an empty directory or delete it."
        )
    (directory / "erp").mkdir(parents=True, exist_ok=True)
    make = create_database or _tryton_database
    for plant in plants:
        make(directory / "erp" / f"{plant.code}.sqlite", f"Plant {plant.code}", plant.currency)
        if on_plant:
            on_plant(plant.code)
    config_path.write_text(_config_text(plants), encoding="utf-8")
    return config_path


def _tryton_database(path: Path, company: str, currency: str) -> None:
    from plmsync.connectors.erp.tryton.template import create_database

    create_database(path, company_name=company, currency=currency)


def _config_text(plants: Sequence[PlantSpec]) -> str:
    document = {
        "version": 1,
        "plants": {p.code: {"target": p.code, "region": p.region} for p in plants},
        "targets": {
            p.code: {"kind": "tryton", "database": f"erp/{p.code}.sqlite"} for p in plants
        },
        "units": {code: unit.model_dump() for code, unit in DEFAULT_UNITS.items()},
    }
    header = (
        "# plmsync workspace. Plants map to ERP targets; several plants may share one target.\n"
        "# units: canonical unit code -> ERP unit symbol and category (units convert only\n"
        "# within a category).\n"
    )
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)

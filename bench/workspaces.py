"""Fresh benchmark workspaces: one embedded Tryton database per plant, cloned from the
cached template, so every measured run starts from the same empty ERP."""

from __future__ import annotations

from pathlib import Path

from plmsync import generator
from plmsync.config import PlantConfig, TrytonTarget, WorkspaceConfig
from plmsync.connectors.erp.tryton.template import create_database


def workspace(directory: Path, shape: generator.Shape) -> WorkspaceConfig:
    """Fresh databases for every plant of the shape, cloned from the cached template."""
    (directory / "erp").mkdir(parents=True)
    for plant, _ in shape.plants:
        create_database(directory / "erp" / f"{plant}.sqlite", company_name=plant, currency="USD")
    return WorkspaceConfig(
        plants={p: PlantConfig(target=p, region=r) for p, r in shape.plants},
        targets={p: TrytonTarget(database=f"erp/{p}.sqlite") for p, _ in shape.plants},
        base_dir=directory,
    )

"""How the in-memory ERP keeps staged revisions out of use, seen from its tables (the
behaviour through the port is in the contract suite)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plmsync.domain.errors import RejectedError
from plmsync.domain.state import BomRecord, ObjectKind
from plmsync.pipeline.stage import stageable
from plmsync.ports.erp import ChangeRef
from plmsync.testing.erp_contract import plan_for, sync
from plmsync.testing.fake_erp import InMemoryErp, Model
from plmsync.testing.packages import (
    US01,
    eco_package,
    release_package,
    with_line_quantity,
)

STAGE = ChangeRef("ECO-0012", "US01")


def _released() -> InMemoryErp:
    erp = InMemoryErp()
    sync(erp, release_package(), US01)
    return erp


def _staged_eco() -> InMemoryErp:
    erp = _released()
    erp.stage(STAGE, plan_for(erp, eco_package(), US01).steps)
    return erp


def _revisions(erp: InMemoryErp, model: Model, item: str) -> list[str]:
    return [getattr(row.record, "revision", "") for row in erp.revisions(model, item)]


def test_a_staged_bom_is_on_no_list() -> None:
    erp = _staged_eco()
    assert _revisions(erp, Model.BOM, "PMP-40") == ["A"]
    assert [r.record.revision for r in erp.rows(Model.BOM) if r.record.key == "PMP-40"] == [
        "A",
        "B",
    ]
    assert erp.read({"PMP-40"}).boms["PMP-40"].revision == "A"


def test_a_staged_first_bom_is_on_no_list_either() -> None:
    erp = InMemoryErp()
    erp.stage(STAGE, plan_for(erp, release_package(), US01).steps)
    assert _revisions(erp, Model.BOM, "PMP-40") == []
    assert {row.record.key for row in erp.rows(Model.BOM)} == {"PMP-40", "GRS-40"}
    assert erp.read({"PMP-40"}).boms == {}


def test_a_staged_routing_is_on_no_list() -> None:
    erp = InMemoryErp()
    erp.stage(STAGE, plan_for(erp, release_package(), US01).steps)
    assert _revisions(erp, Model.ROUTING, "PMP-40") == []
    assert [row.record.key for row in erp.rows(Model.ROUTING)] == ["PMP-40"]


def test_activation_puts_the_staged_row_first_without_creating_one() -> None:
    erp = _released()
    postings = erp.stage(STAGE, plan_for(erp, eco_package(), US01).steps)
    staged = {p.step_key: p.record_ids for p in postings if p.kind is ObjectKind.BOM}
    before = erp.write_count
    sync(erp, eco_package(), US01)
    assert _revisions(erp, Model.BOM, "PMP-40") == ["B", "A"]
    assert (erp.revisions(Model.BOM, "PMP-40")[0].id,) == staged["PMP-40"]
    new = [w for w in erp.writes[before:] if w.model is Model.BOM and w.operation == "create"]
    assert new == []


def test_staging_again_writes_nothing() -> None:
    erp = _staged_eco()
    before = erp.write_count
    erp.stage(STAGE, plan_for(erp, eco_package(), US01).steps)
    assert erp.write_count == before


def test_staging_new_content_for_a_staged_revision_rewrites_it_out_of_use() -> None:
    erp = _staged_eco()
    (row_id,) = [r.id for r in erp.rows(Model.BOM) if r.record.key == "PMP-40"][1:]
    nine = with_line_quantity(eco_package(), "PMP-40", 30, Decimal(9))
    erp.stage(STAGE, plan_for(erp, nine, US01).steps)
    (staged,) = [r for r in erp.rows(Model.BOM) if r.id == row_id]
    assert isinstance(staged.record, BomRecord)
    assert {ln.find_number: ln.quantity for ln in staged.record.lines}[30] == Decimal(9)
    assert erp.read({"PMP-40"}).boms["PMP-40"].revision == "A"


def test_a_revision_already_in_use_is_left_alone() -> None:
    erp = _staged_eco()
    sync(erp, eco_package(), US01)
    stale = plan_for(InMemoryErp(), eco_package(), US01)  # made before anything existed
    before = erp.write_count
    postings = erp.stage(STAGE, stale.steps)
    assert erp.write_count == before
    assert {p.step_key for p in postings if p.kind is ObjectKind.BOM} == {"PMP-40", "GRS-40"}


def test_only_stageable_steps_are_staged() -> None:
    erp = _released()
    planned = plan_for(erp, eco_package(), US01)
    postings = erp.stage(STAGE, planned.steps)
    staged = {(s.kind, s.key) for s in stageable(planned)}
    assert {(p.kind, p.step_key) for p in postings} == staged
    assert erp.read({"PMP-40"}).items["PMP-40"].revision == "A"  # item revisions wait


def test_a_refused_stage_leaves_nothing_behind() -> None:
    erp = _released()
    planned = plan_for(erp, eco_package(), US01)
    erp.reject_keys = {"PMP-40"}
    before = erp.write_count
    with pytest.raises(RejectedError):
        erp.stage(STAGE, planned.steps)
    assert erp.write_count == before
    assert _revisions(erp, Model.BOM, "GRS-40") == ["B"]
    assert "GR-402B" not in erp.read({"GR-402B"}).items

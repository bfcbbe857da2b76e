"""What the in-memory ERP does beyond the contract: its failure seams, its write log and the
records it keeps behind what `read` shows (old revisions, inactive rows, change numbers)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plmsync.config import DEFAULT_UNITS
from plmsync.domain.errors import ConfigError, RejectedError, TransientError
from plmsync.domain.plan import Action, Step
from plmsync.domain.state import BomRecord, ObjectKind, TargetState
from plmsync.ports.erp import ChangeRef
from plmsync.testing.erp_contract import plan_for, sync, unconverged
from plmsync.testing.fake_erp import InMemoryErp, Model
from plmsync.testing.packages import (
    US01,
    eco_package,
    release_package,
    renumber,
    revise,
    with_line_quantity,
)

REF = ChangeRef("TEST-1", "US01")


def _released() -> InMemoryErp:
    erp = InMemoryErp()
    sync(erp, release_package(), US01)
    return erp


# --- units --------------------------------------------------------------------------------


def test_default_digits_follow_tryton_units() -> None:
    digits = InMemoryErp().capabilities().unit_digits
    assert {code: digits[code] for code in ("EA", "PCS", "KG", "G", "M", "MM", "L", "ML")} == {
        "EA": 0, "PCS": 0, "KG": 2, "G": 2, "M": 2, "MM": 2, "L": 2, "ML": 2,
    }
    assert set(digits) == set(DEFAULT_UNITS)


def test_digits_can_be_overridden_per_unit() -> None:
    erp = InMemoryErp(digits={"EA": 3})
    package = with_line_quantity(release_package(), "PMP-40", 30, Decimal("6.001"))
    sync(erp, package, US01)
    assert erp.capabilities().unit_digits["EA"] == 3
    assert unconverged(erp, package, US01) == []


def test_a_unit_missing_from_the_unit_table_is_a_config_error_and_writes_nothing() -> None:
    without_litres = {code: unit for code, unit in DEFAULT_UNITS.items() if code != "L"}
    erp = InMemoryErp(units=without_litres)
    with pytest.raises(ConfigError, match="'L'"):
        sync(erp, release_package(), US01)
    assert erp.write_count == 0
    assert erp.rows(Model.PRODUCT) == ()


def test_a_refused_quantity_names_the_line_and_keeps_tryton_wording() -> None:
    erp = InMemoryErp()
    with pytest.raises(RejectedError) as refused:
        sync(erp, with_line_quantity(release_package(), "PMP-40", 30, Decimal("0.001")), US01)
    assert refused.value.object_key == "PMP-40#30"
    assert "exceeds the limit" in refused.value.erp_messages[0].text
    assert refused.value.remedy.startswith("Use a smaller unit")


# --- failure seams ------------------------------------------------------------------------


def test_an_unavailable_erp_raises_transient_errors_until_it_is_back() -> None:
    erp = InMemoryErp(unavailable=True)
    with pytest.raises(TransientError):
        erp.check()
    with pytest.raises(TransientError):
        erp.read({"PMP-40"})
    with pytest.raises(TransientError):
        erp.apply(REF, plan_for(InMemoryErp(), release_package(), US01).steps)
    erp.unavailable = False
    sync(erp, release_package(), US01)
    assert unconverged(erp, release_package(), US01) == []


def test_rejecting_a_key_refuses_the_whole_call() -> None:
    erp = InMemoryErp(reject_keys={"PMP-40"})
    with pytest.raises(RejectedError) as refused:
        sync(erp, release_package(), US01)
    assert refused.value.object_key == "PMP-40"
    assert erp.write_count == 0
    assert erp.read({"GR-401", "PMP-40"}) == TargetState()


def test_a_bom_whose_component_the_erp_lacks_is_refused() -> None:
    erp = InMemoryErp()
    steps = plan_for(erp, release_package(), US01).steps
    boms_only = [s for s in steps if s.kind is ObjectKind.BOM]
    with pytest.raises(RejectedError, match="no product"):
        erp.apply(REF, boms_only)
    assert erp.write_count == 0


def test_a_step_without_its_record_is_refused() -> None:
    erp = _released()
    step = Step(ObjectKind.BOM, Action.RETIRE, "GRS-40", None, None)
    with pytest.raises(RejectedError, match="carries no bom record"):
        erp.apply(REF, [step])


def test_retiring_what_the_erp_does_not_have_is_refused() -> None:
    erp = _released()
    current = next(iter(erp.read({"GR-401"}).sources.values()))
    step = Step(ObjectKind.SOURCE, Action.RETIRE, "GR-401/Nobody/ZR-401-A", None, current)
    with pytest.raises(RejectedError, match="no product_supplier"):
        erp.apply(REF, [step])


# --- writes -------------------------------------------------------------------------------


def test_a_release_writes_each_record_once_and_a_rerun_writes_nothing() -> None:
    erp = InMemoryErp()
    planned, _ = sync(erp, release_package(), US01)
    creates = [w for w in erp.writes if w.operation == "create"]
    assert len(creates) == len(planned.actionable) == erp.write_count
    assert {w.step_key for w in erp.writes} == {s.key for s in planned.actionable}
    sync(erp, release_package(), US01)
    erp.apply(REF, planned.steps)  # the very same steps again
    assert erp.write_count == len(creates)


def test_ids_are_integers_counted_per_model() -> None:
    erp = _released()
    assert [row.id for row in erp.rows(Model.PRODUCT)] == list(range(1, 8))
    assert [row.id for row in erp.rows(Model.BOM)] == [1, 2]


def test_every_record_carries_the_change_that_last_wrote_it() -> None:
    erp = _released()
    sync(erp, eco_package(), US01)
    changes = {row.record.key: row.plm_change.number for row in erp.rows(Model.PRODUCT)}
    assert changes["PMP-40"] == "ECO-0012"
    assert changes["GR-402B"] == "ECO-0012"
    assert changes["GR-401"] == "REL-0007"  # unchanged by the ECO, so not written


# --- what stays behind read ---------------------------------------------------------------


def test_a_superseded_bom_stays_behind_the_one_in_use() -> None:
    erp = _released()
    sync(erp, eco_package(), US01)
    kept = erp.revisions(Model.BOM, "GRS-40")
    assert [_revision(row.record) for row in kept] == ["C", "B"]


def test_bringing_back_an_earlier_revision_puts_it_in_use_again() -> None:
    erp = _released()
    sync(erp, renumber(revise(release_package(), "GRS-40", "C"), "ECO-2"), US01)
    writes = erp.write_count
    sync(erp, renumber(release_package(), "ECO-3"), US01)
    gear_boms = erp.revisions(Model.BOM, "GRS-40")
    assert [_revision(r.record) for r in gear_boms] == ["B", "C"]
    assert [r.id for r in gear_boms] == [1, 3]  # rev B brought forward, not created again
    assert erp.write_count > writes


def test_a_superseded_document_is_kept_inactive() -> None:
    erp = _released()
    sync(erp, eco_package(), US01)
    rows = {_revision(row.record): row.active for row in erp.rows(Model.ATTACHMENT)}
    assert rows == {"A": False, "B": True}


def test_a_document_brought_back_is_the_current_one_again() -> None:
    erp = _released()
    sync(erp, eco_package(), US01)
    sync(erp, renumber(release_package(), "ECO-3"), US01)
    assert erp.read({"PMP-40"}).documents["PMP-40/DRW-40"].revision == "A"
    assert len(erp.rows(Model.ATTACHMENT)) == 2


def test_a_retired_source_is_deactivated_not_deleted() -> None:
    erp = _released()
    row = erp.rows(Model.PRODUCT_SUPPLIER)[0]
    erp.apply(REF, [Step(ObjectKind.SOURCE, Action.RETIRE, row.record.key, None, row.record)])
    assert erp.read({"GR-401"}).sources == {}
    assert [r.active for r in erp.rows(Model.PRODUCT_SUPPLIER)] == [False]
    assert erp.rows(Model.PRODUCT_SUPPLIER)[0].plm_change == REF


def test_a_bom_update_in_the_same_revision_edits_the_bom_in_use() -> None:
    erp = _released()
    sync(erp, renumber(with_line_quantity(release_package(), "PMP-40", 30, Decimal(7)), "E4"), US01)
    (pump,) = erp.revisions(Model.BOM, "PMP-40")
    assert isinstance(pump.record, BomRecord)
    assert _quantities(pump.record)[30] == Decimal(7)


def _revision(record: object) -> str:
    return str(getattr(record, "revision", ""))


def _quantities(bom: BomRecord) -> dict[int, Decimal]:
    return {line.find_number: line.quantity for line in bom.lines}

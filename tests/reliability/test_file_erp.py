"""`FileErp`, the ERP the multi-process reliability scenarios post to, keeps the ERP contract
(the same suite the Tryton adapter passes), shares its tables between instances (processes),
and journals each committed effect once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plmsync.domain.errors import TransientError
from plmsync.ports.erp import ChangeRef
from plmsync.testing.erp_contract import ErpTargetContract
from plmsync.testing.faults import FaultyErp
from plmsync.testing.file_erp import FileErp
from plmsync.testing.ledger import check, intended_effects
from plmsync.testing.packages import US01, eco_package, release_package
from tests.properties.test_plan_properties import plan_against


class TestFileErpContract(ErpTargetContract):
    @pytest.fixture
    def target(self, tmp_path: Path) -> Iterator[FileErp]:
        erp = FileErp(tmp_path / "US01.erp")
        yield erp
        erp.close()

    def make_unusable_target(self) -> FileErp:
        erp = FileErp(Path("/nonexistent/never-written.erp"))
        erp.unavailable = True
        return erp


def test_a_second_instance_on_the_same_file_sees_what_the_first_committed(tmp_path: Path) -> None:
    writer, reader = FileErp(tmp_path / "US01.erp"), FileErp(tmp_path / "US01.erp")
    release = release_package()

    planned = plan_against(writer, release, US01)
    writer.apply(ChangeRef(release.change.number, "US01"), planned.actionable)

    assert plan_against(reader, release, US01).is_empty
    assert reader.state() == writer.state()


def test_the_journal_holds_each_effect_once_even_after_a_lost_reply(tmp_path: Path) -> None:
    erp = FileErp(tmp_path / "US01.erp")
    lossy = FaultyErp(erp, commit_then_timeout=1.0)
    release, eco = release_package(), eco_package()
    # Release, then the ECO through a connection that loses every reply, then the ECO again
    # (what a retry does): the retry finds everything committed and writes nothing.
    erp.apply(ChangeRef(release.change.number, "US01"), plan_against(erp, release, US01).actionable)
    with pytest.raises(TransientError):
        lossy.apply(ChangeRef(eco.change.number, "US01"), plan_against(erp, eco, US01).actionable)
    retry = plan_against(erp, eco, US01)

    report = check(
        intended_effects([release, eco], {erp.name: US01}),
        erp.journal(),
        erp.state(),
        duplicate_records=erp.duplicate_records(),
    )

    assert retry.is_empty
    assert report.ok, report
    # One entry per object the release creates, one more per object whose content the ECO
    # changes (its fingerprint differs from the release's, or the release lacked it).
    released = {i.object: i.fingerprint for i in intended_effects([release], {erp.name: US01})}
    revised = {i.object: i.fingerprint for i in intended_effects([eco], {erp.name: US01})}
    changed = [obj for obj, fp in revised.items() if released.get(obj) != fp]
    assert changed
    assert report.applied == len(released) + len(changed)

"""The in-memory ERP passes the same contract as every real adapter."""

from __future__ import annotations

from plmsync.testing.erp_contract import ErpTargetContract
from plmsync.testing.fake_erp import InMemoryErp


class TestInMemoryErpContract(ErpTargetContract):
    def make_target(self) -> InMemoryErp:
        return InMemoryErp()

    def make_unusable_target(self) -> InMemoryErp:
        return InMemoryErp(unavailable=True)

"""The Tryton adapter passes the same contract as the in-memory ERP, on real databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from plmsync.config import DEFAULT_UNITS, TrytonTarget
from plmsync.connectors.erp.tryton.adapter import TrytonErp
from plmsync.testing.erp_contract import ErpTargetContract

pytestmark = pytest.mark.integration


class TestTrytonContract(ErpTargetContract):
    @pytest.fixture
    def target(self, tryton_target: TrytonErp) -> TrytonErp:
        return tryton_target

    def make_unusable_target(self) -> TrytonErp:
        missing = TrytonTarget(database="erp/NOWHERE.sqlite")
        return TrytonErp(
            "tryton-missing", missing, units=DEFAULT_UNITS, base_dir=Path("/nonexistent")
        )

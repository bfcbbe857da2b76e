"""The in-memory PLM passes the same contract as the REST polling source."""

from __future__ import annotations

from plmsync.testing.fake_plm import InMemoryPlm
from plmsync.testing.plm_contract import PlmSourceContract, PlmUnderTest, in_memory


class TestInMemoryPlmContract(PlmSourceContract):
    def make_plm(self) -> PlmUnderTest:
        return in_memory(InMemoryPlm(page_size=2))

    def make_unusable_source(self) -> InMemoryPlm:
        return InMemoryPlm(rejected_credentials=True)


class TestInMemoryPlmWithoutWriteBackContract(PlmSourceContract):
    def make_plm(self) -> PlmUnderTest:
        return in_memory(InMemoryPlm(page_size=3, supports_write_back=False))

    def make_unusable_source(self) -> InMemoryPlm:
        return InMemoryPlm(unavailable=True)

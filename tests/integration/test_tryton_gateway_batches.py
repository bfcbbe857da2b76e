"""The gateway's ceiling on records per Tryton call: calls larger than it are cut, and the
result is the same as one call — ids in order, every record written, every one deleted.
(One create of 5,000 product-BOM links failed on SQLite's expression depth: make bench.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from plmsync.connectors.erp.tryton.gateway import RECORDS_PER_CALL, Gateway
from plmsync.connectors.erp.tryton.session import TrytonSession

pytestmark = pytest.mark.integration
PARTY = "party.party"
COUNT = 2 * RECORDS_PER_CALL + 17  # three calls, the last one partial


def test_large_calls_are_cut_and_behave_as_one(tryton_database: Path) -> None:
    session = TrytonSession(tryton_database)
    names = [f"Batch party {n:04d}" for n in range(COUNT)]

    def create(gateway: Gateway) -> list[int]:
        return gateway.create(PARTY, [{"name": name} for name in names])

    ids = session.run(create)
    assert len(ids) == COUNT

    def read(gateway: Gateway) -> dict[int, str]:
        rows = gateway.search_read(PARTY, [("id", "in", ids)], ["name"])
        return {row["id"]: row["name"] for row in rows}

    assert [session.run(read)[i] for i in ids] == names  # ids come back in input order

    def rename(gateway: Gateway) -> None:
        gateway.write(PARTY, [(ids[:-1], {"name": "renamed"}), (ids[-1:], {"name": "last"})])

    session.run(rename)
    renamed = session.run(read)
    assert sorted(set(renamed.values())) == ["last", "renamed"]
    assert list(renamed.values()).count("renamed") == COUNT - 1

    session.run(lambda gateway: gateway.delete(PARTY, ids))
    assert session.run(read) == {}

"""`make load` end to end at a size a test affords: a served workspace, the release and a
few ECOs through the API, and the service's own figures read back."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.load import PLANTS, SHAPE, stream_ecos
from bench.load_report import LoadRun
from bench.load_server import LoadWorkspace, Server

from plmsync import generator

ECOS = 6
SEED = 3


def expected_staged() -> Counter[str]:
    """Plants an ECO reaches weeks after its approval stage it (counted from the stream the
    run sends: its cut-over pattern depends on the seed, not on the start time)."""
    release = generator.release(SHAPE, number="REL-LOAD")
    staged: Counter[str] = Counter()
    for eco in generator.eco_stream(release, PLANTS, generator.Stream(count=ECOS, seed=SEED)):
        assert eco.change.approved_at is not None
        day = eco.change.approved_at.date()
        staged.update(p.plant for p in eco.change.plants if p.effective_from > day)
    return staged


def test_a_small_load_run_syncs_every_eco_and_reports_it(tmp_path: Path) -> None:
    workspace = LoadWorkspace.create(tmp_path, PLANTS, threads=1)
    with Server.start(workspace) as server:
        began, settled = stream_ecos(server, ECOS, rate=20.0, seed=SEED)
        run = LoadRun.read(server, ecos=ECOS, seconds=settled - began)
    staged = expected_staged()
    assert run.changes == ECOS + 1  # the release too
    assert [row.plant for row in run.plants] == sorted(code for code, _ in PLANTS)
    for row in run.plants:
        in_use = ECOS + 1 - staged[row.plant]
        assert row.states == {
            "succeeded": in_use,
            **({"staged": n} if (n := staged[row.plant]) else {}),
        }
        assert row.p50_seconds is not None and row.steps_posted > 0
    assert run.first_pass_ratio == 1.0
    assert run.dead_letters == 0

"""FaultyErp injects exactly the faults asked for, reproducibly, and otherwise delegates."""

from __future__ import annotations

import pytest

from plmsync.domain.errors import TransientError
from plmsync.domain.plan import Step
from plmsync.ports.erp import ChangeRef, ErpTarget, Posting
from plmsync.testing.erp_contract import plan_for, unconverged
from plmsync.testing.fake_erp import InMemoryErp
from plmsync.testing.faults import FaultyErp
from plmsync.testing.packages import US01, eco_package, release_package

REF = ChangeRef("REL-0007", "US01")


def _release_steps() -> tuple[Step, ...]:
    return plan_for(InMemoryErp(), release_package(), US01).steps


def _outcomes(faulty: FaultyErp, calls: int) -> list[str]:
    """What each of `calls` empty applies did: ok, down, before (failed first) or lost."""
    outcomes = []
    for _ in range(calls):
        try:
            faulty.apply(REF, [])
            outcomes.append("ok")
        except TransientError as error:
            outcomes.append(_sort_of(error.message))
    return outcomes


def _sort_of(message: str) -> str:
    if "unavailable" in message:
        return "down"
    return "lost" if message.startswith("timeout after the ERP committed") else "before"


def test_it_is_an_erp_target_that_delegates() -> None:
    inner = InMemoryErp("plant-7")
    faulty = FaultyErp(inner)
    assert isinstance(faulty, ErpTarget)
    assert faulty.name == "plant-7"
    assert faulty.capabilities() == inner.capabilities()
    faulty.check()
    postings = faulty.apply(REF, plan_for(faulty, release_package(), US01).steps)
    assert postings and unconverged(inner, release_package(), US01) == []
    assert faulty.injected.total == 0


def test_the_first_calls_fail_while_the_erp_is_down() -> None:
    faulty = FaultyErp(InMemoryErp(), unavailable_calls=3)
    with pytest.raises(TransientError, match="unavailable"):
        faulty.check()
    with pytest.raises(TransientError, match="unavailable"):
        faulty.read({"PMP-40"})
    with pytest.raises(TransientError, match="unavailable"):
        faulty.apply(REF, [])
    assert faulty.read({"PMP-40"}).items == {}
    assert faulty.injected.unavailable == 3


def test_a_failure_before_the_erp_leaves_it_untouched() -> None:
    inner = InMemoryErp()
    faulty = FaultyErp(inner, fail_before=1.0)
    with pytest.raises(TransientError, match="before it reached the ERP"):
        faulty.apply(REF, _release_steps())
    with pytest.raises(TransientError, match="before it reached the ERP"):
        faulty.stage(REF, _release_steps())
    assert inner.write_count == 0
    assert faulty.injected.failed_before == 2
    assert faulty.unreported == []


def test_a_timeout_after_the_commit_keeps_what_the_erp_did() -> None:
    inner = InMemoryErp()
    faulty = FaultyErp(inner, commit_then_timeout=1.0)
    with pytest.raises(TransientError, match=r"^timeout after the ERP committed"):
        faulty.apply(REF, _release_steps())
    assert unconverged(inner, release_package(), US01) == []
    ((first, *_),) = faulty.unreported
    assert isinstance(first, Posting) and first.record_ids
    assert faulty.injected.committed_then_timed_out == 1


def test_a_staging_call_can_time_out_after_its_commit_too() -> None:
    inner = InMemoryErp()
    faulty = FaultyErp(inner, commit_then_timeout=1.0)
    with pytest.raises(TransientError, match="committed: stage"):
        faulty.stage(REF, _release_steps())
    assert set(inner.read({"PMP-40", "GR-401"}).items) == {"PMP-40", "GR-401"}


def test_one_seed_gives_one_sequence_of_faults() -> None:
    def run(seed: int) -> list[str]:
        faulty = FaultyErp(InMemoryErp(), commit_then_timeout=0.3, fail_before=0.3, seed=seed)
        return _outcomes(faulty, 40)

    assert run(11) == run(11)
    assert run(11) != run(12)
    assert set(run(11)) == {"ok", "before", "lost"}


def test_changing_one_probability_does_not_move_the_other_faults() -> None:
    only_timeouts = FaultyErp(InMemoryErp(), commit_then_timeout=0.5, seed=3)
    both = FaultyErp(InMemoryErp(), commit_then_timeout=0.5, fail_before=0.2, seed=3)
    lone, mixed = _outcomes(only_timeouts, 30), _outcomes(both, 30)
    # Where no failure came first, the same calls time out.
    assert [o for o, m in zip(lone, mixed, strict=True) if m != "before"] == [
        m for m in mixed if m != "before"
    ]
    assert "before" in mixed


def test_counts_match_the_faults_raised() -> None:
    faulty = FaultyErp(
        InMemoryErp(), commit_then_timeout=0.4, fail_before=0.2, unavailable_calls=2, seed=5
    )
    outcomes = _outcomes(faulty, 50)
    assert outcomes[:2] == ["down", "down"]
    assert faulty.injected.unavailable == 2
    assert faulty.injected.failed_before == outcomes.count("before")
    assert faulty.injected.committed_then_timed_out == outcomes.count("lost")
    assert faulty.injected.total == 50 - outcomes.count("ok")
    assert len(faulty.unreported) == faulty.injected.committed_then_timed_out


def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="commit_then_timeout"):
        FaultyErp(InMemoryErp(), commit_then_timeout=1.5)
    with pytest.raises(ValueError, match="fail_before"):
        FaultyErp(InMemoryErp(), fail_before=-0.1)
    with pytest.raises(ValueError, match="unavailable_calls"):
        FaultyErp(InMemoryErp(), unavailable_calls=-1)


def test_the_eco_converges_through_random_faults_by_rereading_and_replanning() -> None:
    """A worker that retries on TransientError with a fresh plan always gets there."""
    inner = InMemoryErp()
    faulty = FaultyErp(
        inner, commit_then_timeout=0.3, fail_before=0.3, unavailable_calls=2, seed=42
    )
    for package in (release_package(), eco_package()):
        ref = ChangeRef(package.change.number, "US01")
        for _attempt in range(20):
            try:
                faulty.apply(ref, plan_for(faulty, package, US01).steps)
                break
            except TransientError:
                continue
        assert unconverged(inner, package, US01) == []
    assert faulty.injected.total > 0

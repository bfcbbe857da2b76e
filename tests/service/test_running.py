"""Running jobs: posting with step records and audit, convergence, retries, ambiguous
outcomes, dead workers and lock contention — the engine's state machine on the fake ERP."""

from __future__ import annotations

import datetime as dt

from plmsync.engine.clock import ManualClock
from plmsync.engine.errors import LEASE_EXPIRED
from plmsync.engine.model import JobState, StepStatus
from plmsync.engine.reports import JobReport, Outcome, Planned
from plmsync.engine.service import Engine
from plmsync.testing.fake_tables import Model
from plmsync.testing.faults import FaultyErp
from plmsync.testing.packages import eco_package, release_package
from tests.service.conftest import EngineFactory, erp, raw


def test_a_release_is_posted_with_every_step_recorded_and_audited(engine: Engine) -> None:
    (us01, _de01) = engine.submit(raw(release_package())).jobs
    seen: list[object] = []
    engine.run_until_idle(listener=seen.append)
    assert {row.state for row in engine.status()} == {JobState.SUCCEEDED}
    steps = engine.store.steps(us01.id)
    assert steps and all(s.status == StepStatus.POSTED and s.attempt == 1 for s in steps)
    posted = [e for e in engine.audit_trail("REL-0007") if e.action == "erp.posted"]
    audited = [step for e in posted for step in e.details["steps"]]
    assert len(audited) == 2 * len(steps)  # every posting of both plants is in the chain
    products = next(e for e in posted if e.plant == "US01" and e.erp_model == "product")
    pump = next(r for r in erp(engine).rows(Model.PRODUCT) if r.record.key == "PMP-40")
    assert ["item", "PMP-40", [pump.id]] in products.details["steps"]
    assert pump.id in products.record_ids
    assert (products.operation, products.attempt) == ("create", 1)
    assert [type(e) for e in seen].count(Planned) == 2
    assert {e.outcome for e in seen if isinstance(e, JobReport)} == {Outcome.SUCCEEDED}
    assert engine.verify_audit() is None


def test_status_shows_progress_per_change_and_plant(engine: Engine) -> None:
    engine.submit(raw(release_package()))
    assert [(r.plant, r.state, r.steps_done) for r in engine.status()] == [
        ("US01", JobState.QUEUED, 0),
        ("DE01", JobState.QUEUED, 0),
    ]
    engine.run_until_idle()
    rows = engine.status("REL-0007")
    assert all(r.steps_done == r.steps_total == 12 for r in rows)
    assert engine.status("NO-SUCH-CHANGE") == []


def test_an_erp_down_for_the_first_attempts_is_retried_until_it_succeeds(
    make_engine: EngineFactory, clock: ManualClock
) -> None:
    engine = make_engine(lambda t: FaultyErp(t, unavailable_calls=3), backoff_base_seconds=30)
    started = clock.now()
    engine.run_until_idle()
    engine.submit(raw(release_package()))
    engine.run_until_idle()
    rows = engine.status()
    assert {r.state for r in rows} == {JobState.SUCCEEDED}
    us01 = next(r for r in rows if r.plant == "US01")
    assert us01.attempts == 3 and us01.last_error_code == "PLMSYNC-ERP-UNAVAILABLE"
    retries = [e for e in engine.audit_trail() if e.action == "job.retrying"]
    assert [e.attempt for e in retries if e.plant == "US01"] == [1, 2, 3]
    assert clock.now() - started >= dt.timedelta(seconds=30 + 60 + 120)  # backoff was waited


def test_retries_exhausted_end_in_a_dead_letter_with_every_attempt(
    make_engine: EngineFactory,
) -> None:
    engine = make_engine(max_attempts=3)
    erp(engine).unavailable = True
    (us01, _) = engine.submit(raw(release_package())).jobs
    engine.run_until_idle()
    assert engine.store.job(us01.id).state == JobState.DEAD
    letter = next(d for d in engine.dead_letters() if d.job == us01.id)
    assert letter.error_code == "PLMSYNC-ERP-UNAVAILABLE"
    assert [(a.number, a.error_code) for a in letter.attempts] == [
        (1, "PLMSYNC-ERP-UNAVAILABLE"),
        (2, "PLMSYNC-ERP-UNAVAILABLE"),
        (3, "PLMSYNC-ERP-UNAVAILABLE"),
    ]
    assert engine.payload_of(letter) == raw(release_package())


def test_an_ambiguous_outcome_is_resolved_by_reading_the_erp(make_engine: EngineFactory) -> None:
    """The ERP committed, then the reply was lost: the next attempt finds the records, posts
    nothing twice and confirms the steps the first attempt left STARTED."""
    clean = make_engine()
    clean.submit(raw(release_package()))
    clean.run_until_idle()
    # seed 9: the first write call loses its reply, the second goes through
    engine = make_engine(lambda t: FaultyErp(t, commit_then_timeout=0.5, seed=9))
    (us01, _) = engine.submit(raw(release_package())).jobs
    engine.run_until_idle()
    faulty = engine.pipeline.targets["US01"]
    assert isinstance(faulty, FaultyErp) and faulty.injected.committed_then_timed_out >= 1
    assert engine.store.job(us01.id).state == JobState.SUCCEEDED
    numbers = {item.number for item in release_package().items}
    assert erp(engine).read(numbers) == erp(clean).read(numbers)
    for model in Model:
        assert len(erp(engine).rows(model)) == len(erp(clean).rows(model))
    assert {s.status for s in engine.store.steps(us01.id)} == {StepStatus.POSTED}


def test_a_dead_workers_job_is_reclaimed_when_its_lease_runs_out(
    engine: Engine, clock: ManualClock
) -> None:
    (us01, _de01) = engine.submit(raw(release_package())).jobs
    ghost = engine.store.claim("ghost-worker", clock.now(), dt.timedelta(seconds=60))
    assert ghost is not None and ghost.id == us01.id
    engine.run_until_idle()  # runs DE01, then waits out the ghost's lease and takes US01 over
    job = engine.store.job(us01.id)
    assert job.state == JobState.SUCCEEDED and job.attempts == 1
    reasons = [t.reason for t in engine.store.transitions(us01.id)]
    assert any("lease expired" in r for r in reasons)
    assert job.last_error_code == LEASE_EXPIRED


def test_a_locked_erp_object_makes_the_job_wait_without_counting_an_attempt(
    engine: Engine, clock: ManualClock
) -> None:
    (us01, _) = engine.submit(raw(release_package())).jobs
    other = engine.submit(raw(release_package(), event_id="evt-other")).jobs[0]
    until = clock.now() + dt.timedelta(seconds=5)
    assert engine.store.lock_objects(other.id, ["US01/item/PMP-40"], clock.now(), until)
    worker = engine.workers(1)[0]
    report = worker.step()
    assert report is not None and report.outcome is Outcome.WAITING
    job = engine.store.job(us01.id)
    assert job.state == JobState.RETRYING and job.attempts == 0
    assert engine.store.steps(us01.id) == []  # nothing was posted while it waited
    engine.store.release_locks(other.id)
    engine.run_until_idle()
    assert engine.store.job(us01.id).state == JobState.SUCCEEDED


def test_a_change_waits_for_an_earlier_change_of_its_plants(
    engine: Engine, clock: ManualClock
) -> None:
    """Another worker is still posting the release that introduces the ECO's components: the
    ECO waits for it (instead of failing validation against a half-built ERP)."""
    (rel_us01, rel_de01) = engine.submit(raw(release_package())).jobs
    eco = engine.submit(raw(eco_package()).replace(b"2026-06-", b"2026-05-")).jobs
    assert engine.store.claim("other-worker", clock.now(), dt.timedelta(seconds=60))
    worker = engine.workers(1)[0]
    first = worker.step()
    assert first is not None and first.job.id == rel_de01.id  # same event: no waiting
    waited = worker.step()
    assert waited is not None and waited.outcome is Outcome.WAITING
    assert waited.job.id == eco[0].id
    assert f"waiting for earlier job {rel_us01.id} (REL-0007 @US01, running)" in waited.reason
    assert engine.store.job(eco[0].id).attempts == 0
    engine.run_until_idle()  # the other worker's lease runs out; everything completes in order
    assert {r.state for r in engine.status()} == {JobState.SUCCEEDED}

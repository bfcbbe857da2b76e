"""Several processes on one store: no job claimed twice, one event accepted once, one audit
chain, one migration."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from plmsync.engine.model import EventStatus, JobState
from plmsync.persistence import SqlStore
from plmsync.persistence.migrate import head
from plmsync.ports.store import AuditDraft, NewJob

from . import workers

JOBS = 200


def test_claimers_in_several_processes_take_every_job_exactly_once(store: SqlStore) -> None:
    received = store.receive(
        b"{}",
        event_id="big",
        source_system="windchill",
        change_number="ECO-BIG",
        jobs=[NewJob(f"P{n:03d}") for n in range(JOBS)],
    )
    url = store.url.render_as_string(hide_password=False)

    claimed = workers.run(workers.claim_until_empty, [(url, f"w{n}") for n in range(3)])

    every = [job for batch in claimed for job in batch]
    assert sorted(every) == sorted(job.id for job in received.jobs)  # all, none twice
    assert sum(1 for batch in claimed if batch) >= 2, "the processes really did compete"
    assert {job.state for job in store.jobs()} == {JobState.SUCCEEDED}
    for job in store.jobs()[:20]:
        assert [t.to_state for t in store.transitions(job.id)] == [
            JobState.QUEUED,
            JobState.RUNNING,
            JobState.SUCCEEDED,
        ]


@pytest.mark.parametrize("same_id", [True, False], ids=["same-event-id", "same-content"])
def test_one_event_received_at_once_by_several_processes_is_accepted_once(
    store: SqlStore, same_id: bool
) -> None:
    url = store.url.render_as_string(hide_password=False)
    ids = [("evt-race" if same_id else f"evt-race-{n}") for n in range(4)]

    outcomes = workers.run(workers.receive_same_payload, [(url, i) for i in ids])

    accepted = [event for event, status, _ in outcomes if status == EventStatus.ACCEPTED]
    assert len(accepted) == 1
    duplicates = [of for _, status, of in outcomes if status == EventStatus.DUPLICATE]
    assert duplicates == [accepted[0]] * 3
    assert sorted(j.plant for j in store.jobs()) == ["DE01", "US01"]
    assert {j.event for j in store.jobs()} == set(accepted)


def test_jobs_racing_for_the_same_objects_get_them_once(store: SqlStore) -> None:
    received = store.receive(
        b"{}",
        event_id="locks",
        source_system="windchill",
        change_number="ECO-LOCK",
        jobs=[NewJob(f"P{n}") for n in range(4)],
    )
    url = store.url.render_as_string(hide_password=False)

    won = workers.run(workers.lock_same_keys, [(url, job.id) for job in received.jobs])

    assert won.count(True) == 1
    with store.engine.connect() as connection:
        holders = connection.exec_driver_sql("SELECT DISTINCT job FROM object_locks").scalars()
        assert list(holders) == [received.jobs[won.index(True)].id]


def test_concurrent_appends_keep_one_unbroken_chain(store: SqlStore) -> None:
    url = store.url.render_as_string(hide_password=False)
    errors: list[BaseException] = []

    def append(thread: int) -> None:
        try:
            with SqlStore(url, migrate=False) as own:
                for n in range(15):
                    own.audit(
                        AuditDraft(change_number=f"ECO-{thread}", action="erp.posted", attempt=n)
                    )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=append, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert errors == []
    trail = store.audit_trail()
    assert [entry.sequence for entry in trail] == list(range(1, 61))
    assert store.verify_audit() is None


def test_processes_opening_a_new_sqlite_file_at_once_migrate_it_once(tmp_path: Path) -> None:
    path = str(tmp_path / "new.sqlite")

    assert workers.run(workers.open_new_store, [(path,)] * 3) == [0, 0, 0]

    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            assert versions.scalars().all() == [head()]
    finally:
        engine.dispose()

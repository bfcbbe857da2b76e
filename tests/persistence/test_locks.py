"""Per-ERP-object locks: all or nothing, expired ones taken over, released by job."""

from __future__ import annotations

import datetime as dt

from plmsync.persistence import SqlStore

from .conftest import START
from .helpers import enqueue

UNTIL = START + dt.timedelta(minutes=5)


def test_a_job_locks_free_keys(store: SqlStore) -> None:
    a, _ = enqueue(store, 2)
    assert store.lock_objects(a.id, ["item:P-1", "bom:P-1"], START, UNTIL)


def test_no_keys_is_trivially_locked(store: SqlStore) -> None:
    [a] = enqueue(store, 1)
    assert store.lock_objects(a.id, [], START, UNTIL)


def test_a_live_lock_of_another_job_refuses_the_whole_set(store: SqlStore) -> None:
    a, b, c = enqueue(store, 3)
    assert store.lock_objects(a.id, ["item:P-1"], START, UNTIL)

    assert not store.lock_objects(b.id, ["item:P-2", "item:P-1"], START, UNTIL)
    # nothing of the refused set was taken: a third job can have P-2
    assert store.lock_objects(c.id, ["item:P-2"], START, UNTIL)


def test_a_job_may_lock_its_own_keys_again_to_extend_them(store: SqlStore) -> None:
    a, b = enqueue(store, 2)
    store.lock_objects(a.id, ["item:P-1"], START, UNTIL)
    later = UNTIL + dt.timedelta(minutes=5)
    assert store.lock_objects(a.id, ["item:P-1", "item:P-2"], START, later)
    assert not store.lock_objects(b.id, ["item:P-1"], UNTIL + dt.timedelta(minutes=1), later)


def test_an_expired_lock_is_taken_over(store: SqlStore) -> None:
    a, b = enqueue(store, 2)
    store.lock_objects(a.id, ["item:P-1"], START, UNTIL)
    assert not store.lock_objects(b.id, ["item:P-1"], UNTIL - dt.timedelta(seconds=1), UNTIL)
    assert store.lock_objects(b.id, ["item:P-1"], UNTIL, UNTIL + dt.timedelta(minutes=5))
    # now b holds it: a cannot take it back while b's lock lives
    assert not store.lock_objects(a.id, ["item:P-1"], UNTIL, UNTIL + dt.timedelta(minutes=5))


def test_release_frees_every_key_of_the_job_only(store: SqlStore) -> None:
    a, b, c = enqueue(store, 3)
    store.lock_objects(a.id, ["item:P-1", "item:P-2"], START, UNTIL)
    store.lock_objects(b.id, ["item:P-3"], START, UNTIL)

    store.release_locks(a.id)

    assert store.lock_objects(c.id, ["item:P-1", "item:P-2"], START, UNTIL)
    assert not store.lock_objects(c.id, ["item:P-3"], START, UNTIL)
    store.release_locks(a.id)  # releasing nothing is fine


def test_many_keys_at_once(store: SqlStore) -> None:
    a, b = enqueue(store, 2)
    keys = [f"item:P-{n}" for n in range(1200)]  # more than one chunk of bound parameters
    assert store.lock_objects(a.id, keys, START, UNTIL)
    assert not store.lock_objects(b.id, ["item:P-9999", keys[-1]], START, UNTIL)
    assert store.lock_objects(b.id, ["item:P-9999"], START, UNTIL)

"""One delivery through the real intake and store, run in a separate process by tests.

Kept apart from the test modules so a spawned process imports only what a delivery needs."""

from __future__ import annotations


def deliver(state: str, payload: bytes) -> bool:
    """Submit `payload` to the store at `state`; True if it was recorded as a duplicate."""
    from plmsync.engine import intake
    from plmsync.persistence import SqlStore

    with SqlStore(state) as store:
        return intake.submit(store, payload).duplicate

"""The outbox relay: deliver every outbox event on every channel, at least once.

    for each channel (broker, webhook:<name>, plm:<source>):
        for each event due on it (never tried, or retrying and due), oldest first:
            send it; the channel confirms (broker ack, 2xx) or raises
            a failure: retry later with backoff, or dead after the channel's attempts;
                       the channel's pass ends there
        mark the confirmed events delivered, in one transaction

A crash between a confirm and the mark sends that event (and any other confirmed in the same
pass) again after a restart: delivery is at least once, and the CloudEvents id (from the
outbox row) lets consumers drop the repeat.

Each channel gets its events in order: after a failure the channel waits for that event's
retry (the store offers it nothing else meanwhile), so a subscriber that is down costs one
attempt per backoff, not one per event. A webhook that refuses one event for good holds the
others back until that event is dead (outbound.max_attempts).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from plmsync.domain.errors import TransientError
from plmsync.engine.clock import Clock
from plmsync.engine.crashpoint import crashpoint
from plmsync.engine.outbox import Delivery, DeliveryStatus, Due, cloud_event
from plmsync.engine.retry import RetryPolicy
from plmsync.ports.outbox import OutboxStore

log = logging.getLogger(__name__)


class Channel(Protocol):
    """Where events go. `send` returns once the receiver confirmed, and raises otherwise."""

    @property
    def name(self) -> str: ...

    @property
    def max_attempts(self) -> int | None:
        """Attempts per event before it is dead on this channel; None: never give up."""

    def send(self, event: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class RelayPass:
    """What one pass over the outbox did."""

    delivered: int = 0
    retrying: int = 0
    dead: int = 0

    def __add__(self, other: RelayPass) -> RelayPass:
        return RelayPass(
            self.delivered + other.delivered,
            self.retrying + other.retrying,
            self.dead + other.dead,
        )


_COUNTS = {
    DeliveryStatus.RETRYING: RelayPass(retrying=1),
    DeliveryStatus.DEAD: RelayPass(dead=1),
}


class Relay:
    def __init__(
        self,
        store: OutboxStore,
        channels: Sequence[Channel],
        *,
        source: str,
        clock: Clock,
        backoff: RetryPolicy | None = None,
        batch: int = 100,
        rng: random.Random | None = None,
    ):
        self.store = store
        self.channels = list(channels)
        self.source = source
        self.clock = clock
        self.backoff = backoff or RetryPolicy()
        self.batch = batch
        self.rng = rng or random.Random()
        self._passing = threading.Lock()

    def relay_once(self) -> RelayPass:
        """One pass: every channel, up to `batch` due events each."""
        done = RelayPass()
        for channel in self.channels:
            done += self._channel_pass(channel)
        return done

    def run(self, stop: threading.Event, *, exit_when_idle: bool = False) -> RelayPass:
        """Pass after pass until `stop` is set (or, with `exit_when_idle`, until a pass finds
        nothing due); sleeps a little between passes that found nothing."""
        total = RelayPass()
        while not stop.is_set():
            done = self.relay_once()
            total += done
            if done == RelayPass():
                if exit_when_idle:
                    break
                self.clock.sleep(1.0, stop)
        return total

    def exclusive_pass(self) -> None:
        """A pass as a worker chore: several worker threads share one relay, and its channels
        (a broker connection) are not for concurrent use, so a pass already under way on
        another thread is not joined but skipped."""
        if not self._passing.acquire(blocking=False):
            return
        try:
            self.relay_once()
        finally:
            self._passing.release()

    def close(self) -> None:
        for channel in self.channels:
            channel.close()

    def _channel_pass(self, channel: Channel) -> RelayPass:
        """Send the due events in order until one fails. The confirmed ones are marked
        together, in one transaction, after the sends: a mark per event would cost a durable
        commit each, many times the price of a confirmed publish."""
        confirmed: list[int] = []
        failed: Delivery | None = None
        for due in self.store.outbox_due(channel.name, self.clock.now(), self.batch):
            crashpoint("relay.before_send")
            try:
                channel.send(cloud_event(due.event, self.source))
            except Exception as error:
                failed = self._failed(channel, due, error)
                break
            confirmed.append(due.event.id)
            crashpoint("relay.before_mark")
        if confirmed:
            self.store.outbox_delivered(channel.name, confirmed)
        done = RelayPass(delivered=len(confirmed))
        return done if failed is None else done + _COUNTS[failed.status]

    def _failed(self, channel: Channel, due: Due, error: Exception) -> Delivery:
        attempt = due.attempts + 1
        limit = channel.max_attempts
        message = str(error) or type(error).__name__
        if limit is not None and attempt >= limit:
            log.warning(
                "event %s on %s: dead after %d attempts", due.event.id, channel.name, attempt
            )
            return self.store.outbox_failed(due.event.id, channel.name, message, retry_at=None)
        retry_at = self.clock.now() + self.backoff.delay(TransientError(message), attempt, self.rng)
        log.info(
            "event %s on %s: attempt %d failed: %s", due.event.id, channel.name, attempt, message
        )
        return self.store.outbox_failed(due.event.id, channel.name, message, retry_at=retry_at)

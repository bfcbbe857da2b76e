"""A PLM's release notification (a webhook body) → a `PlmEvent`, as the mapping describes it.

Anything else — not JSON, not an object, another kind of notification, no id, no time with a
timezone — is `PlmEventInvalid` with what was wrong, never another exception.
"""

from __future__ import annotations

import json

from plmsync.connectors.plm.mapping import NotificationMapping
from plmsync.connectors.plm.paths import lookup, lookup_time
from plmsync.ports.plm import PlmEvent
from plmsync.ports.plm_errors import PlmEventInvalid


def read_notification(raw: bytes, spec: NotificationMapping, source: str) -> PlmEvent:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise PlmEventInvalid(
            f"{source}: the notification is not JSON", problems=[str(exc)]
        ) from None
    if not isinstance(body, dict):
        raise PlmEventInvalid(f"{source}: the notification is not a JSON object")
    problems = [
        f"{field} is {lookup(body, field)!r}, not {wanted!r}"
        for field, wanted in spec.accept.items()
        if str(lookup(body, field)) != wanted
    ]
    event_id = lookup(body, spec.event_id)
    at = lookup_time(body, spec.occurred_at)
    problems += [] if event_id else [f"no {spec.event_id}"]
    problems += [] if at else [f"{spec.occurred_at} is not a time with a timezone"]
    if problems or at is None:
        raise PlmEventInvalid(f"{source}: not a release notification", problems=problems)
    number = lookup(body, spec.change_number) if spec.change_number else None
    return PlmEvent(str(number or ""), str(event_id), at)

"""A PLM with a REST API, polled for released changes (Onshape's by default; any other by a
mapping file, see `mapping.py`).

    source = RestPlmSource("onshape", base_url="https://cad.onshape.com/api/v16",
                           auth=ClientCredentials(...), path_params={"company": "…"})
    polled = source.poll(None)             # released changes, oldest first, each once
    source.fetch(polled.events[0])         # the change, its items, BOMs and documents

`poll` walks the feed's pages (`next` links or page tokens, at most `max_pages` per call) from a
`SinceCursor`, so a change released at the instant a page or a poll ended is neither lost nor
repeated; one event per change (the feed lists one record per released item). A page's
`next` link is followed only on the configured host, so credentials never leave for another.
`fetch` reads the change and the BOM of each released assembly. Quantities are read from
JSON as exact decimals. `parse_event` reads the PLM's release notifications (Onshape's
workflow transition webhook by default); it writes nothing back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from plmsync.connectors.plm.cursor import SinceCursor
from plmsync.connectors.plm.graph import Json, package_from
from plmsync.connectors.plm.mapping import RestMapping
from plmsync.connectors.plm.notifications import read_notification
from plmsync.connectors.plm.paths import lookup, lookup_time
from plmsync.connectors.plm.responses import check_status
from plmsync.domain.errors import ConfigError
from plmsync.domain.package import ChangePackage
from plmsync.ports.plm import PlmCapabilities, PlmEvent, Polled, SyncOutcome
from plmsync.ports.plm_errors import (
    PlmChangeUnknown,
    PlmMappingFailed,
    PlmUnavailable,
)


class RestPlmSource:
    def __init__(
        self,
        name: str,
        *,
        base_url: str,
        auth: httpx.Auth | None = None,
        mapping: RestMapping | None = None,
        path_params: Mapping[str, str] | None = None,
        plants: Sequence[str] = (),
        page_size: int = 20,
        max_pages: int = 50,
        timeout_seconds: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ):
        self._name = name
        self.mapping = mapping or RestMapping()
        self.path_params = dict(path_params or {})
        self.plants = tuple(plants)
        self.page_size = page_size
        self.max_pages = max_pages
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            auth=auth,
            transport=transport,
            timeout=timeout_seconds,
            headers={"Accept": "application/json"},
        )

    @property
    def name(self) -> str:
        return self._name

    def check(self) -> None:
        """One small page of the feed: proves the PLM answers and takes the credentials."""
        self._get(self._feed_path(), {self.mapping.feed.limit_param: "1"})

    def capabilities(self) -> PlmCapabilities:
        return PlmCapabilities(webhook=True, poll=True)

    def parse_event(self, raw: bytes) -> PlmEvent:
        """A release notification as the mapping describes it (Onshape's by default)."""
        return read_notification(raw, self.mapping.notification, self._name)

    def fetch(self, event: PlmEvent) -> ChangePackage:
        spec = self.mapping.change
        change = self._get(spec.path.format(event_id=quote(event.event_id, safe="")), spec.params)
        if change is None:
            raise PlmChangeUnknown(f"{self._name} has no change {event.event_id}")
        boms = {
            str(lookup(item, self.mapping.item.id)): self._bom(item)
            for item in _list(change, spec.items)
            if str(lookup(item, self.mapping.item.kind)) in self.mapping.item.assembly_kinds
        }
        return package_from(
            event, change, boms, self.mapping, system=self._name, plants=self.plants
        )

    def poll(self, cursor: str | None) -> Polled:
        feed = self.mapping.feed
        position = SinceCursor.decode(cursor)
        since = {feed.since_param: position.after.isoformat()} if position.after else {}
        first = {**feed.params, feed.limit_param: str(self.page_size), **since}
        params: dict[str, str] | None = first
        url: str | None = self._feed_path()
        events: dict[str, PlmEvent] = {}
        pages_with_news = 0
        # Only pages that announce a change count towards `max_pages`: the feed restarts at the
        # cursor's timestamp, and pages of records seen (or of changes announced) there before
        # are walked past. So a poll finds something unless the feed has nothing new at all.
        requested: set[tuple[str, str]] = set()
        while url is not None and pages_with_news < self.max_pages:
            request = (url, json.dumps(params, sort_keys=True))
            if request in requested:  # walking seen pages must end: a loop would not
                raise ConfigError(f"{self._name}: the PLM's pages lead back to {url}")
            requested.add(request)
            page = self._get(url, params) or {}
            known = len(events)
            for record in _list(page, feed.records):
                position = self._take(record, position, events)
            if len(events) > known:
                pages_with_news += 1
            url, params = self._next(page, first)
        return Polled(tuple(events.values()), position.encode())

    def write_back(self, change: str, plant: str, outcome: SyncOutcome) -> None:
        raise ConfigError(f"{self._name} cannot take sync outcomes back (read-only source)")

    def close(self) -> None:
        self._client.close()

    # --- the feed ---------------------------------------------------------------------------

    def _feed_path(self) -> str:
        try:
            return self.mapping.feed.path.format(**self.path_params).lstrip("/")
        except KeyError as missing:
            raise ConfigError(
                f"{self._name}: the feed path needs {missing} in the source's path_params"
            ) from None

    def _take(
        self, record: Json, position: SinceCursor, events: dict[str, PlmEvent]
    ) -> SinceCursor:
        """Admit one feed record: a new change becomes an event; the cursor moves past it.
        A record naming no change (not released through one) only moves the cursor."""
        feed = self.mapping.feed
        at = lookup_time(record, feed.occurred_at)
        if at is None:
            raise PlmMappingFailed(
                f"{self._name}: a feed record's {feed.occurred_at} is not a time with a timezone",
                problems=[json.dumps(record, default=str)[:300]],
            )
        record_id = str(lookup(record, feed.record_id))
        if not position.admits(at, record_id):
            return position
        event_id = str(lookup(record, feed.event_id) or "")
        if event_id and not position.is_announced(at, event_id):
            number = lookup(record, feed.change_number) or event_id
            events.setdefault(event_id, PlmEvent(str(number), event_id, at))
        return position.advance(at, record_id, event_id)

    def _next(self, page: Json, first: dict[str, str]) -> tuple[str | None, dict[str, str] | None]:
        """Where the next page is: a page token (sent with the first page's query) when the
        mapping names one, else the answer's next link, which carries its own query (so no
        params: httpx would replace the link's query with them, even with empty ones)."""
        feed = self.mapping.feed
        if feed.next_token is not None:
            token = lookup(page, feed.next_token)
            return (
                (self._feed_path(), {**first, feed.token_param: str(token)})
                if token
                else (None, None)
            )
        return self._next_link(page), None

    def _next_link(self, page: Json) -> str | None:
        link = lookup(page, self.mapping.feed.next)
        if not link:
            return None
        url = self._client.base_url.join(str(link))
        if url.host != self._client.base_url.host:
            raise ConfigError(f"{self._name}: the PLM's next page is on another host ({url.host})")
        return str(url)

    def _bom(self, item: Json) -> Json:
        spec = self.mapping.bom
        fields = {k: quote(str(v), safe="") for k, v in item.items() if isinstance(v, str | int)}
        try:
            path = spec.path.format_map(fields)
        except KeyError as missing:
            raise PlmMappingFailed(
                f"{self._name}: an assembly lacks {missing} for its BOM path"
            ) from None
        bom = self._get(path, spec.params)
        if bom is None:
            raise PlmMappingFailed(f"{self._name}: no BOM at {path}")
        return bom

    # --- HTTP -------------------------------------------------------------------------------

    def _get(self, url: str, params: Mapping[str, str] | None) -> Json | None:
        """The answer's JSON object; None for 404. Quantities stay exact (Decimal)."""
        try:
            response = self._client.get(url.lstrip("/"), params=params)
        except httpx.TimeoutException:
            raise PlmUnavailable(f"{self._name} did not answer in time") from None
        except httpx.TransportError as exc:
            raise PlmUnavailable(f"{self._name} cannot be reached: {exc}") from None
        check_status(response)
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        return _json_object(response)


def _json_object(response: httpx.Response) -> Json:
    try:
        document: Any = json.loads(response.content, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        raise PlmMappingFailed("the PLM's answer is not JSON", problems=[str(exc)]) from None
    if not isinstance(document, dict):
        raise PlmMappingFailed("the PLM's answer is not a JSON object")
    return document


def _list(document: Json, path: str) -> list[Json]:
    found = lookup(document, path)
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []

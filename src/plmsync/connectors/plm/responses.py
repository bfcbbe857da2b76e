"""What a PLM's HTTP answer means for plmsync: go on, retry later, or stop.

429            PlmRateLimited, after Retry-After (seconds or an HTTP date)
5xx, 408       PlmUnavailable: retried by the next poll
401, 403       PlmAuthError: the credentials are wrong (a 401 has already been retried
               with a fresh token by the auth flow)
other 4xx      ConfigError: the request itself is wrong (a path or parameter in the
               mapping); 404 is the caller's to interpret
timeouts and connection errors are PlmUnavailable too.
"""

from __future__ import annotations

import datetime as dt
import email.utils

import httpx

from plmsync.domain.errors import ConfigError
from plmsync.ports.plm_errors import PlmAuthError, PlmRateLimited, PlmUnavailable

DEFAULT_RETRY_AFTER_SECONDS = 60.0


def check_status(response: httpx.Response) -> None:
    status = response.status_code
    where = f"{response.request.method} {response.request.url.path}"
    if status == httpx.codes.TOO_MANY_REQUESTS:
        wait = retry_after(response.headers.get("Retry-After"))
        raise PlmRateLimited(f"the PLM rate-limits plmsync ({where})", retry_after=wait)
    if status >= 500 or status == httpx.codes.REQUEST_TIMEOUT:
        raise PlmUnavailable(f"the PLM answered {status} to {where}")
    if status in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
        raise PlmAuthError(f"the PLM refused plmsync's credentials ({status} to {where})")
    if status >= 400 and status != httpx.codes.NOT_FOUND:
        raise ConfigError(f"the PLM refused {where} ({status}): check the source's mapping")


def retry_after(header: str | None, *, now: dt.datetime | None = None) -> float:
    """Seconds to wait, from `Retry-After` as delta-seconds or an HTTP date (RFC 9110)."""
    if not header:
        return DEFAULT_RETRY_AFTER_SECONDS
    if header.strip().isdigit():
        return float(header.strip())
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS
    if when.tzinfo is None:  # "-0000": a UTC time of unknown origin
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max((when - now).total_seconds(), 0.0)

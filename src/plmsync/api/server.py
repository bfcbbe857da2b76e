"""`plmsync serve`: the API, the engine's worker threads and its scheduler in one process.

The workers (which also activate staged changes when their date comes, reconcile when
`engine.reconcile_every_seconds` is set, and look for SLA breaches every
`sla.check_every_seconds`) start with the application and run on a background thread; on
SIGINT/SIGTERM uvicorn stops taking requests, then the workers finish the job in hand and
the engine and stores are closed.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
import uvicorn
from fastapi import FastAPI

from plmsync.api.app import create_app
from plmsync.api.bootstrap import build_services, close_services
from plmsync.api.services import ApiServices
from plmsync.config import WorkspaceConfig
from plmsync.engine.schedule import Every
from plmsync.observability.logging import configure_logging

log = structlog.get_logger("plmsync.serve")


class EmbeddedWorkers:
    """The engine's workers on a background thread for the life of the application."""

    def __init__(self, services: ApiServices):
        self.services = services
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        engine, metrics = self.services.engine, self.services.metrics
        every = dt.timedelta(seconds=self.services.config.sla.check_every_seconds)
        sla = Every(every, self.services.sla.check, engine.clock)
        self._thread = threading.Thread(
            target=lambda: engine.run(
                None, listener=metrics.listener, scheduled=True, chores=[sla]
            ),
            name="plmsync-workers",
        )
        self._thread.start()
        log.info("workers.started", threads=engine.settings.threads)

    def stop(self) -> None:
        self.services.engine.stop()
        if self._thread is not None:
            self._thread.join()
        log.info("workers.stopped")

    @asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        self.start()
        try:
            yield
        finally:
            self.stop()
            close_services(self.services)


def serve(config: WorkspaceConfig, host: str, port: int) -> None:
    configure_logging()
    services = build_services(config)
    workers = EmbeddedWorkers(services)
    app = create_app(services, lifespan=workers.lifespan)
    log.info("serve.starting", host=host, port=port, plants=sorted(config.plants))
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)

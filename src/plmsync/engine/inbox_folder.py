"""A watched inbox folder: PLM exports dropped into a directory are submitted to the inbox.

    inbox/                  files are dropped here
    inbox/.processing/      a file being submitted (claimed by renaming it here)
    inbox/processed/        submitted: <inbox event id>-<name>
    inbox/rejected/         refused: <inbox event id>-<name> and <…>.error.json

A JSON change package is submitted as it is; any other file (CSV/TSV/XLSX BOMs, KiCad, Aras,
InvenTree, STEP) goes through the importers (`plmsync.importers.dispatch.import_file`, with
the folder's column mapping and plants) and the package it becomes is submitted. A file that
cannot become a package is stored all the same, as a rejected inbox event with a dead letter
and its original bytes (replayable with a corrected payload), and moved to rejected/ beside a
`.error.json` naming the code, the message and what to do.

Partially written files. A writer may still be writing a file the scan sees. Two rules keep
the folder from taking half a file, so plain copies work and nobody has to cooperate:
- a file is taken only once it has not been modified for `settle_seconds` (its mtime), so a
  copy in progress — which keeps bumping the mtime — is left for a later scan;
- names a writer uses while writing are never taken: hidden files (`.name`), Office lock
  files (`~$name`) and `*.tmp`, `*.part`, `*.partial`, `*.crdownload`, `*.swp`. A writer that
  writes `x.csv.part` and renames it to `x.csv` when done is safe with any settle time.
The file is then claimed by an atomic hard link into `.processing/` (two watchers cannot
both take it; the folder must be on a filesystem with hard links). Submitting happens before
the move out of `.processing/`: a crash in between leaves the file there, and once it has
been there `abandoned_seconds` (its watcher must have died) a scan submits it again, which the
inbox records as a duplicate (same content, same event id).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from plmsync.domain.errors import ImportRejected, PackageRejected
from plmsync.engine import intake
from plmsync.engine.model import EventStatus
from plmsync.importers.dispatch import ImportRequest, import_file
from plmsync.importers.mapping import ColumnMapping
from plmsync.importers.refusals import REMEDIES
from plmsync.ports.store import JobStore, Received

IN_PROGRESS_SUFFIXES = frozenset({".tmp", ".part", ".partial", ".crdownload", ".swp"})
PROCESSING, PROCESSED, REJECTED = ".processing", "processed", "rejected"


@dataclass(frozen=True)
class Taken:
    """One file the folder submitted, and where it went."""

    name: str
    received: Received
    moved_to: Path

    @property
    def rejected(self) -> bool:
        return self.received.event.status == EventStatus.REJECTED


class InboxFolder:
    def __init__(
        self,
        directory: Path,
        store: JobStore,
        *,
        settle_seconds: float = 2.0,
        abandoned_seconds: float = 300.0,
        plants: Sequence[str] = (),
        mapping: ColumnMapping | None = None,
        clock: Callable[[], float] = time.time,
        actor: str = "inbox-folder",
    ):
        self.directory = directory
        self.store = store
        self.settle_seconds = settle_seconds
        self.abandoned_seconds = abandoned_seconds
        self.plants = tuple(plants)
        self.mapping = mapping
        self.clock = clock
        self.actor = actor
        self._scanning = threading.Lock()
        for sub in (PROCESSING, PROCESSED, REJECTED):
            (directory / sub).mkdir(parents=True, exist_ok=True)

    def scan(self) -> list[Taken]:
        """Submit every settled file (left-overs of a crash first), oldest name first. A scan
        already running in this process (another worker thread) makes this one a no-op."""
        if not self._scanning.acquire(blocking=False):
            return []
        try:
            return self._scan()
        finally:
            self._scanning.release()

    def _scan(self) -> list[Taken]:
        claimed = sorted(p for p in (self.directory / PROCESSING).iterdir() if self._abandoned(p))
        dropped = sorted(p for p in self.directory.iterdir() if self._settled(p))
        claimed += [path for path in map(self._claim, dropped) if path is not None]
        return [taken for path in claimed if (taken := self._take(path)) is not None]

    def _settled(self, path: Path) -> bool:
        name = path.name
        if name.startswith((".", "~$")) or path.suffix.lower() in IN_PROGRESS_SUFFIXES:
            return False
        try:
            status = path.stat()
        except FileNotFoundError:  # taken by another watcher meanwhile
            return False
        return path.is_file() and self.clock() - status.st_mtime >= self.settle_seconds

    def _abandoned(self, path: Path) -> bool:
        """Claimed (linked: its ctime) so long ago that its watcher must have died."""
        try:
            return self.clock() - path.stat().st_ctime >= self.abandoned_seconds
        except FileNotFoundError:
            return False

    def _claim(self, path: Path) -> Path | None:
        """Link the file into .processing/, then unlink it here: the link is atomic and never
        replaces a file, so one watcher wins and a same-named file still being processed is
        left alone (it is claimed on a later scan)."""
        claimed = self.directory / PROCESSING / path.name
        try:
            os.link(path, claimed)
        except (FileExistsError, FileNotFoundError):
            return None
        path.unlink(missing_ok=True)
        return claimed

    def _take(self, path: Path) -> Taken | None:
        """Submit, then move out of .processing/; None if another watcher got there first."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        received = self._submit(path, raw)
        folder = REJECTED if received.event.status == EventStatus.REJECTED else PROCESSED
        target = self.directory / folder / f"{received.event.id}-{path.name}"
        if folder == REJECTED:
            letters = [d.id for d in self.store.dead_letters() if d.event == received.event.id]
            _write_sidecar(target, path.name, received, letters)
        try:
            os.replace(path, target)
        except FileNotFoundError:  # moved by another watcher; what we submitted was a duplicate
            return None
        return Taken(path.name, received, target)

    def _submit(self, path: Path, raw: bytes) -> Received:
        if _is_change_package(raw):
            return intake.submit(self.store, raw, actor=self.actor)
        try:
            request = ImportRequest(path, mapping=self.mapping, plants=self.plants)
            package = import_file(request).package
        except ImportRejected as refused:
            return intake.reject(self.store, raw, _as_rejection(refused), actor=self.actor)
        return intake.submit(self.store, package.model_dump_json().encode(), actor=self.actor)


def _is_change_package(raw: bytes) -> bool:
    """A JSON object with a `schema_version`: plmsync's own contract (submitted as it is, so
    a broken one is rejected with the package's own problems). Other JSON (an InvenTree
    export) is for the importers."""
    if not raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return False
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        return True  # meant as a package (an object), broken: intake says what is wrong
    return isinstance(document, dict) and "schema_version" in document


def _as_rejection(refused: ImportRejected) -> PackageRejected:
    """The importer's refusal, as the inbox stores refusals, keeping its code and remedy."""
    rejection = PackageRejected(refused.message)
    rejection.code = refused.code
    rejection.remedy = refused.remedy
    return rejection


def _write_sidecar(target: Path, name: str, received: Received, letters: list[int]) -> None:
    """What went wrong, beside the file: the code, the message, every problem, what to do,
    and the dead letter to replay once the payload is fixed."""
    event = received.event
    message, _, problems = event.error_detail.partition("\n")
    sidecar = {
        "file": name,
        "code": event.error_code,
        "message": message,
        "problems": [p for p in problems.split("\n") if p],
        "remedy": REMEDIES.get(event.error_code, PackageRejected.remedy),
        "inbox_event": event.id,
        "event_id": event.event_id,
        "dead_letters": letters,
        "rejected_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    sidecar_path = target.with_name(target.name + ".error.json")
    sidecar_path.write_text(json.dumps(sidecar, indent=2) + "\n", encoding="utf-8")

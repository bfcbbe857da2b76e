"""Where a PLM source's poll cursor is kept between polls: one small file per source in the
state directory (`plm-cursors/<source>.cursor`).

Saved only after every event of a poll is durably in the inbox, and atomically (written
beside, flushed, renamed over, directory flushed), so after a crash the file holds either the
old cursor — the poll is repeated and the inbox records the repeats as duplicates — or the new
one, never a torn mix.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


class CursorFile:
    def __init__(self, state_dir: Path, source: str):
        self.path = state_dir / "plm-cursors" / f"{_UNSAFE.sub('_', source)}.cursor"

    def load(self) -> str | None:
        try:
            return self.path.read_text(encoding="ascii").strip() or None
        except FileNotFoundError:
            return None

    def save(self, cursor: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        with partial.open("w", encoding="ascii") as file:
            file.write(cursor)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

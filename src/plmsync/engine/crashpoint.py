"""A named point where a process can be told to stop and wait to be killed.

Crash tests (SIGKILL between a side effect and its bookkeeping) need the process to be
exactly there when the signal lands. With `PLMSYNC_PAUSE_AT=<point>` and
`PLMSYNC_PAUSE_FILE=<path>` in its environment, the process writes the point's name to the
file when it reaches the point, then sleeps until killed. Without them it is a no-op.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

POINT_VARIABLE = "PLMSYNC_PAUSE_AT"
FILE_VARIABLE = "PLMSYNC_PAUSE_FILE"


def crashpoint(name: str) -> None:
    if os.environ.get(POINT_VARIABLE) != name:
        return
    Path(os.environ[FILE_VARIABLE]).write_text(name, encoding="utf-8")
    while True:  # only a signal ends this process now
        time.sleep(3600)

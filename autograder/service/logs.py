"""Structured log lines: one JSON object per line on stderr (never a token, never a body)."""

from __future__ import annotations

import datetime
import json
import sys
import threading

_lock = threading.Lock()


def log(event: str, **fields) -> None:
    line = {"time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
            "event": event, **fields}
    with _lock:
        print(json.dumps(line, ensure_ascii=False, default=str), file=sys.stderr, flush=True)

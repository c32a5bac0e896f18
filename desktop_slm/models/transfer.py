"""The pieces of one HTTP transfer: hashing beside the network, speed, and what went wrong."""

from __future__ import annotations

import collections
import logging
import os
import queue
import re
import threading
import time
from typing import Any, Final

log = logging.getLogger(__name__)

SYNC_EVERY_BYTES: Final = 32 * 1024 * 1024
"""Written data is flushed to disk in the background this often while downloading."""
SPEED_WINDOW_S: Final = 3.0


class BackgroundHash:
    """sha256 on its own thread: hashlib lets go of the GIL, so hashing overlaps the network.

    With ``sync_fd`` it also flushes the file to disk every SYNC_EVERY_BYTES, so the
    fsync before the file joins the library has little left to do.
    """

    def __init__(self, digest: Any, sync_fd: int | None = None) -> None:
        self._digest = digest
        self._sync_fd = sync_fd
        self._queue: queue.Queue[list[bytes] | None] = queue.Queue(maxsize=32)
        self._thread = threading.Thread(target=self._run, name="download-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        unsynced = 0
        sync = getattr(os, "fdatasync", os.fsync)
        while (chunks := self._queue.get()) is not None:
            for chunk in chunks:
                self._digest.update(chunk)
                unsynced += len(chunk)
            if self._sync_fd is not None and unsynced >= SYNC_EVERY_BYTES:
                unsynced = 0
                try:
                    sync(self._sync_fd)
                except OSError as exc:  # the final fsync reports real trouble
                    log.debug("background sync failed: %s", exc)

    def update(self, chunks: list[bytes]) -> None:
        """Hash these pieces next, in order (the list is handed over: do not change it)."""
        self._queue.put(chunks)

    def finish(self) -> None:
        self._queue.put(None)
        self._thread.join()


class Meter:
    """Speed over a sliding window, and the time left."""

    def __init__(self) -> None:
        self._samples: collections.deque[tuple[float, int]] = collections.deque()

    def reset(self) -> None:
        self._samples.clear()

    def add(self, done: int) -> None:
        now = time.monotonic()
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > SPEED_WINDOW_S:
            self._samples.popleft()

    def speed(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 else 0.0


def content_range_start(value: str | None) -> tuple[int, int | None] | None:
    match = re.fullmatch(r"bytes (\d+)-\d+/(\d+|\*)", (value or "").strip())
    if not match:
        return None
    total = match.group(2)
    return int(match.group(1)), (None if total == "*" else int(total))


def transport_reason(exc: BaseException) -> str:
    import httpx2

    if isinstance(exc, httpx2.ConnectError | httpx2.ConnectTimeout):
        return "cannot connect to the Hub"
    if isinstance(exc, httpx2.TimeoutException):
        return "the Hub stopped sending data"
    return "the connection dropped"

"""Safe file handling: atomic writes, hashing, damaged files set aside, locks between processes.

The one implementation of each for the whole app. An atomic write leaves a reader the
old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

HASH_BLOCK_BYTES = 4 * 1024 * 1024


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def fsync_dir(directory: Path) -> None:
    """Make a rename into ``directory`` durable; not possible (nor needed) on Windows."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class HashStopped(Exception):
    """:func:`sha256_file` was told to stop (``should_stop`` returned True)."""


def sha256_file(
    path: Path,
    *,
    on_bytes: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[Any, int]:
    """A ``hashlib.sha256`` object over the whole of ``path`` and the number of bytes read.

    The object (not only its hex digest) lets a caller go on hashing data it appends
    (a resumed download). ``on_bytes(done)`` follows progress; ``should_stop`` is asked
    after each block and raises :class:`HashStopped` when it says so.
    """
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as handle:
        while block := handle.read(HASH_BLOCK_BYTES):
            digest.update(block)
            done += len(block)
            if on_bytes is not None:
                on_bytes(done)
            if should_stop is not None and should_stop():
                raise HashStopped(str(path))
    return digest, done


def set_aside(path: Path, *, companions: Sequence[str] = ()) -> Path:
    """Rename a damaged file to ``<name>.<local time>.bad`` and return the new path.

    Each call gets its own name (``-2``, ``-3``, ... are added within one second), so an
    earlier copy is never replaced. ``companions`` are suffixes of files that belong to
    ``path`` (SQLite's ``-wal`` and ``-shm``); they move along under the same name.
    Raises ``OSError`` if ``path`` cannot be moved.
    """
    stamp = time.strftime("%Y-%m-%dT%H-%M-%S")
    for counter in itertools.count(1):
        extra = "" if counter == 1 else f"-{counter}"
        bad = path.with_name(f"{path.name}.{stamp}{extra}.bad")
        if _rename_no_replace(path, bad):
            break
    for suffix in companions:
        companion = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            os.replace(companion, bad.with_name(bad.name + suffix))
    fsync_dir(path.parent)
    return bad


def _rename_no_replace(source: Path, target: Path) -> bool:
    """Rename unless ``target`` exists (False then); a hard link makes the check atomic."""
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    except OSError:  # no hard links here (FAT, some network drives): check, then rename
        if target.exists():
            return False
        os.replace(source, target)
        return True
    os.unlink(source)
    return True


class FileBusy(Exception):
    """Another process holds the lock (e.g. a live download in another window)."""


@contextlib.contextmanager
def exclusive_lock(
    lock_path: Path, *, remove: bool = False, wait: float | None = None
) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` across processes, or raise :class:`FileBusy`.

    Another holder is waited for up to ``wait`` seconds (None: only long enough to let a
    brief :func:`is_locked` probe pass). Locks are per open file: the same process
    locking the same path twice waits for itself, so never nest them.

    ``remove`` deletes the lock file on the way out, while it is still locked; a process
    that locked the old file meanwhile notices it is gone and starts again, so two
    processes never both believe they hold the lock. Without fcntl (Windows) only the
    file is created: the files it guards cannot be opened twice for writing there.
    """
    try:
        import fcntl
    except ImportError:
        with lock_path.open("a+b"):
            yield
        return
    deadline = time.monotonic() + (_PROBE_GRACE_S if wait is None else wait)
    while True:
        handle = lock_path.open("a+b")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            if time.monotonic() >= deadline:  # not just someone looking (is_locked)
                raise FileBusy(str(lock_path)) from None
            time.sleep(0.02)
            continue
        try:
            same = os.stat(lock_path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        handle.close()  # the file was removed by its last holder: lock the new one
    try:
        yield
    finally:
        if remove:
            with contextlib.suppress(OSError):
                lock_path.unlink()
        handle.close()  # closing lets go of the lock


_PROBE_GRACE_S = 0.25
"""How long :func:`exclusive_lock` waits out a brief :func:`is_locked` probe."""


def is_locked(lock_path: Path) -> bool:
    """True if another process holds a lock on ``lock_path`` (a missing file is not locked)."""
    try:
        import fcntl
    except ImportError:
        return False
    try:
        fd = os.open(lock_path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # also lets go of the shared lock
    return False

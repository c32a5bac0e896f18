"""Drafts and history of every tab in one SQLite file (``data_dir/drafts.sqlite3``).

* A *draft* is the live state of a tab (inputs, options, output) as a JSON object,
  saved while the user types and restored on the next start.
* A *history entry* is a finished generation of a tab: searchable, reopened,
  deleted one by one or cleared.

WAL mode with ``synchronous=NORMAL``: a committed save survives the app being
killed. One connection guarded by a lock, so the GUI thread and worker threads
may both call in.

Busy is not damaged. While another program holds the database (a second window, a
backup tool) the store waits a moment, then opens it read-only (or, if even reading
is blocked, shows nothing of it) and keeps new drafts in memory; they are written as
soon as the other program lets go. Meanwhile they are also kept in
``drafts.sqlite3.unsaved.json`` (so a crash does not lose them), which the next
writable start folds back in. Only a
real integrity failure (not a SQLite file, ``quick_check`` failing) or a database of a
newer version sets the file aside under a name of its own (``fsutil.set_aside``) and
starts a fresh one, with a notice for the user.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_slm.config import AppPaths, app_paths
from desktop_slm.errors import UserFacingError
from desktop_slm.fsutil import atomic_write_text, set_aside

log = logging.getLogger(__name__)

DB_NAME = "drafts.sqlite3"
SCHEMA_VERSION = 1
MAX_HISTORY_PER_TAB = 500
"""Older entries beyond this are dropped when a new one is added."""
TITLE_CHARS = 80
OPEN_WAIT_MS = 2000
"""How long opening waits for another program's lock before settling for read-only."""
WRITE_WAIT_MS = 1000
"""How long a save waits for a lock (saves run on the GUI thread)."""
READ_WAIT_MS = 250
"""How long a read waits once the database is known to be held."""
RETRY_WRITABLE_S = 5.0
"""After the database was busy, saving is tried again at most this often."""
UNSAVED_SUFFIX = ".unsaved.json"

IN_USE_NOTICE = (
    "Another program (perhaps a second Desktop SLM window) is using your drafts database, "
    "so this window cannot save to it yet: your drafts are safe, and what you type is kept "
    "and saved as soon as that program lets go."
)
UNREADABLE_NOTICE = (
    "Another program (perhaps a second Desktop SLM window) is using your drafts database, "
    "so your saved drafts cannot be shown now: they are safe, and what you type is kept and "
    "saved as soon as that program lets go."
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    tab TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tab TEXT NOT NULL,
    created REAL NOT NULL,
    title TEXT NOT NULL,
    inputs TEXT NOT NULL,
    options TEXT NOT NULL,
    output TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    search TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_by_tab ON history (tab, created DESC);
"""


class StorageError(UserFacingError):
    pass


class DatabaseInUse(StorageError):
    """Another program holds the database; nothing is wrong with it."""

    def __init__(self) -> None:
        super().__init__(
            "Another program (perhaps a second Desktop SLM window) is using your drafts "
            "database, so this could not be saved to it; try again once that program is closed.",
            code="drafts_in_use",
        )


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    tab: str
    created: float
    """Seconds since the epoch."""
    title: str
    inputs: Mapping[str, Any]
    options: Mapping[str, Any]
    output: str
    model: str = ""


@dataclass(frozen=True)
class OpenedStore:
    store: DraftStore
    notice: str | None = None
    """A one-time message for the user, e.g. that a damaged database was set aside."""


def _title_for(inputs: Mapping[str, Any], output: str) -> str:
    source = output.strip() or next(
        (str(v) for v in inputs.values() if isinstance(v, str) and v.strip()), ""
    )
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    first = first.lstrip("#").strip()
    return first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1].rstrip() + "…"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class DraftStore:
    """Drafts and history; every method is safe to call from any thread."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        """Open ``path`` for writing (or only reading, when another program holds it).

        A damaged file raises ``sqlite3.DatabaseError``; a locked one raises
        ``sqlite3.OperationalError`` with SQLITE_BUSY (see :func:`open_store`).
        """
        self.path = path
        self._lock = threading.RLock()
        self._pending: dict[str, tuple[str | None, float]] = {}
        """Drafts not yet in the database (tab: state JSON or None for deleted, time)."""
        self._next_try = 0.0
        self._owns_unsaved = False
        """The unsaved-drafts file holds our drafts: delete it once they are written."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db: sqlite3.Connection | None
        if read_only:
            self.read_only = True
            self._db = _connect_read_only(path)
        else:
            self.read_only = False
            self._db = _connect_writable(path, OPEN_WAIT_MS)
            self._take_unsaved()

    @property
    def readable(self) -> bool:
        """False while another program blocks even reading: saved drafts are not shown."""
        return self._db is not None

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = self._writable()
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if _is_busy(exc):
                    raise DatabaseInUse from None
                raise
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _writable(self) -> sqlite3.Connection:
        if self.read_only and not self._become_writable(0):
            raise DatabaseInUse
        assert self._db is not None
        return self._db

    def _become_writable(self, wait_ms: int) -> bool:
        """Try to open the database for writing again; True once it is."""
        with self._lock:
            if not self.read_only:
                return True
            try:
                db = _connect_writable(self.path, wait_ms)
            except sqlite3.DatabaseError as exc:
                if not _is_busy(exc):
                    log.warning("drafts database %s still not writable: %s", self.path, exc)
                return False
            if self._db is not None:
                self._db.close()
            self._db, self.read_only = db, False
            log.info("drafts database %s is writable again", self.path)
            self._take_unsaved()
            return True

    def _write_pending(self, *, wait_ms: int = 0, now: bool = False) -> None:
        """Write the drafts kept in memory; if the database is still busy they stay there."""
        with self._lock:
            if not self._pending or (not now and time.monotonic() < self._next_try):
                return
            try:
                if self.read_only and not self._become_writable(wait_ms):
                    raise DatabaseInUse
                with self._transaction() as db:
                    for tab, (data, updated) in self._pending.items():
                        _put_draft(db, tab, data, updated)
            except DatabaseInUse:
                # Saves run on the GUI thread: do not wait for the lock on every keystroke.
                self._next_try = time.monotonic() + RETRY_WRITABLE_S
                log.info("drafts database busy; %d drafts kept in memory", len(self._pending))
                return
            self._pending.clear()
            if self._owns_unsaved:
                self._unsaved_file().unlink(missing_ok=True)
                self._owns_unsaved = False

    def _unsaved_file(self) -> Path:
        return self.path.with_name(self.path.name + UNSAVED_SUFFIX)

    def _take_unsaved(self) -> None:
        """Fold in the drafts a window could not save last time (newer ones win)."""
        unsaved = self._unsaved_file()
        try:
            data = json.loads(unsaved.read_text(encoding="utf-8"))
            kept = {
                str(tab): (None if state is None else str(state), float(updated))
                for tab, (state, updated) in data.items()
            }
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            log.warning("unreadable unsaved drafts %s: %s", unsaved, exc)
            with contextlib.suppress(OSError):
                set_aside(unsaved)
            return
        for tab, item in kept.items():
            if tab not in self._pending or self._pending[tab][1] < item[1]:
                self._pending[tab] = item
        self._owns_unsaved = True
        self._write_pending(now=True)

    def _keep_unsaved(self) -> None:
        """The database is busy: keep the drafts in a file beside it, safe from a crash."""
        if not self._pending:
            return
        payload = {tab: [data, updated] for tab, (data, updated) in self._pending.items()}
        try:
            atomic_write_text(self._unsaved_file(), json.dumps(payload, ensure_ascii=False))
        except OSError:
            log.exception("could not keep unsaved drafts in %s", self._unsaved_file())
            return
        self._owns_unsaved = True

    def close(self) -> None:
        """Write what is pending (waiting a little for another program), then close."""
        with self._lock:
            if self._pending:
                if self._db is not None and not self.read_only:
                    self._db.execute(f"PRAGMA busy_timeout = {OPEN_WAIT_MS}")
                self._write_pending(wait_ms=OPEN_WAIT_MS, now=True)
            if self._pending:
                self._keep_unsaved()
                log.warning("drafts database busy at closing; drafts kept in a file beside it")
            if self._db is not None:
                self._db.close()

    def __enter__(self) -> DraftStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------- drafts
    def save_draft(self, tab: str, state: Mapping[str, Any]) -> None:
        """Replace the draft of ``tab`` with ``state`` (a JSON-serializable mapping).

        While another program holds the database the draft is kept in memory (and
        returned by :meth:`load_draft`) until it can be written.
        """
        data = json.dumps(dict(state), ensure_ascii=False)
        with self._lock:
            self._pending[tab] = (data, time.time())
            self._write_pending()
            self._keep_unsaved()

    def load_draft(self, tab: str) -> dict[str, Any] | None:
        with self._lock:
            if tab in self._pending:
                data = self._pending[tab][0]
                return None if data is None else _json_object(data)
            if self._db is None:
                return None
            row = self._db.execute("SELECT state FROM drafts WHERE tab = ?", (tab,)).fetchone()
        return _json_object(row[0]) if row else None

    def drafts(self) -> dict[str, dict[str, Any]]:
        """Every tab's draft, for restoring the whole window at start."""
        with self._lock:
            rows = [] if self._db is None else self._db.execute("SELECT tab, state FROM drafts")
            found = dict(rows)
            found.update({tab: data for tab, (data, _) in self._pending.items()})
        return {tab: _json_object(state) for tab, state in found.items() if state is not None}

    def delete_draft(self, tab: str) -> None:
        with self._lock:
            self._pending[tab] = (None, time.time())
            self._write_pending()
            self._keep_unsaved()

    # ------------------------------------------------------------- history
    def add_history(
        self,
        tab: str,
        *,
        inputs: Mapping[str, Any],
        options: Mapping[str, Any],
        output: str,
        model: str = "",
        title: str = "",
    ) -> int:
        """Record a finished generation; returns its id."""
        title = title.strip() or _title_for(inputs, output)
        inputs_json = json.dumps(dict(inputs), ensure_ascii=False)
        options_json = json.dumps(dict(options), ensure_ascii=False)
        searchable = " ".join(
            [title, output, *(str(v) for v in inputs.values() if isinstance(v, str))]
        ).casefold()
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO history (tab, created, title, inputs, options, output, model, "
                "search) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (tab, time.time(), title, inputs_json, options_json, output, model, searchable),
            )
            db.execute(
                "DELETE FROM history WHERE tab = ? AND id NOT IN "
                "(SELECT id FROM history WHERE tab = ? ORDER BY created DESC, id DESC LIMIT ?)",
                (tab, tab, MAX_HISTORY_PER_TAB),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def history(self, tab: str, query: str = "", *, limit: int = 200) -> list[HistoryEntry]:
        """Entries of ``tab``, newest first; ``query`` matches title, inputs and output.

        Matching ignores case (Unicode-aware) and treats ``%`` and ``_`` literally.
        """
        sql = "SELECT * FROM history WHERE tab = ?"
        params: list[Any] = [tab]
        for word in query.casefold().split():
            sql += " AND search LIKE ? ESCAPE '\\'"
            params.append(f"%{_escape_like(word)}%")
        sql += " ORDER BY created DESC, id DESC LIMIT ?"
        params.append(limit)
        with self._lock:
            rows = [] if self._db is None else self._db.execute(sql, params).fetchall()
        return [_entry(row) for row in rows]

    def get_history(self, entry_id: int) -> HistoryEntry | None:
        with self._lock:
            if self._db is None:
                return None
            row = self._db.execute("SELECT * FROM history WHERE id = ?", (entry_id,)).fetchone()
        return _entry(row) if row else None

    def delete_history(self, entry_id: int) -> bool:
        with self._transaction() as db:
            return db.execute("DELETE FROM history WHERE id = ?", (entry_id,)).rowcount > 0

    def clear_history(self, tab: str | None = None) -> int:
        """Delete every entry of ``tab`` (all tabs if ``None``); returns how many."""
        with self._transaction() as db:
            if tab is None:
                return db.execute("DELETE FROM history").rowcount
            return db.execute("DELETE FROM history WHERE tab = ?", (tab,)).rowcount


class _NewerSchema(sqlite3.DatabaseError):
    def __init__(self, version: int) -> None:
        super().__init__(f"schema version {version} is newer than {SCHEMA_VERSION}")
        self.version = version


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _entry(row: tuple[Any, ...]) -> HistoryEntry:
    entry_id, tab, created, title, inputs, options, output, model, _search = row
    return HistoryEntry(
        id=int(entry_id),
        tab=str(tab),
        created=float(created),
        title=str(title),
        inputs=_json_object(inputs),
        options=_json_object(options),
        output=str(output),
        model=str(model),
    )


def _connect_writable(path: Path, wait_ms: int) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        db.execute(f"PRAGMA busy_timeout = {wait_ms}")
        _prepare(db)
        db.execute(f"PRAGMA busy_timeout = {WRITE_WAIT_MS}")
    except BaseException:
        db.close()
        raise
    return db


def _prepare(db: sqlite3.Connection) -> None:
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise _NewerSchema(version)
    check = db.execute("PRAGMA quick_check").fetchone()[0]
    if check != "ok":
        raise _Damaged(f"integrity check failed: {check}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _connect_read_only(path: Path) -> sqlite3.Connection | None:
    """A read-only connection, or None if another program blocks even reading."""
    db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    try:
        db.execute(f"PRAGMA busy_timeout = {READ_WAIT_MS}")  # opening waited already
        db.execute("SELECT count(*) FROM drafts").fetchone()
    except sqlite3.OperationalError as exc:
        db.close()
        if _is_busy(exc):
            return None
        raise
    except BaseException:
        db.close()
        raise
    return db


def _put_draft(db: sqlite3.Connection, tab: str, data: str | None, updated: float) -> None:
    """Write one draft unless the database holds a newer one (from another window)."""
    if data is None:
        db.execute("DELETE FROM drafts WHERE tab = ? AND updated <= ?", (tab, updated))
        return
    db.execute(
        "INSERT INTO drafts (tab, state, updated) VALUES (?, ?, ?) "
        "ON CONFLICT (tab) DO UPDATE SET state = excluded.state, "
        "updated = excluded.updated WHERE excluded.updated >= drafts.updated",
        (tab, data, updated),
    )


class _Damaged(sqlite3.DatabaseError):
    pass


def _is_busy(exc: sqlite3.Error) -> bool:
    """Locked by someone else (SQLITE_BUSY, SQLITE_LOCKED), as opposed to broken."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _is_damaged(exc: sqlite3.Error) -> bool:
    if isinstance(exc, _Damaged):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def open_store(paths: AppPaths | None = None) -> OpenedStore:
    """The drafts database of this user.

    Held by another program: opened read-only, with a notice. Damaged (or from a newer
    version): set aside under a name of its own and a new one started, with a notice.
    Any other failure (permissions, a full disk) raises :class:`StorageError`.
    """
    paths = paths or app_paths()
    path = paths.data_dir / DB_NAME
    try:
        return OpenedStore(DraftStore(path))
    except _NewerSchema as exc:
        log.warning("drafts database %s: %s", path, exc)
        reason = "was written by a newer version of Desktop SLM"
    except sqlite3.DatabaseError as exc:
        if _is_busy(exc):
            log.warning("drafts database %s is held by another program: %s", path, exc)
            store = DraftStore(path, read_only=True)
            return OpenedStore(store, IN_USE_NOTICE if store.readable else UNREADABLE_NOTICE)
        if not _is_damaged(exc):
            log.warning("drafts database %s cannot be opened: %s", path, exc)
            raise StorageError(
                f"Your drafts database {path} cannot be opened ({exc}), so drafts are not "
                "saved in this session; check that the folder is writable and the disk not full.",
                code="drafts_unusable",
            ) from None
        log.warning("damaged drafts database %s: %s", path, exc)
        reason = "was damaged"
    try:
        bad = set_aside(path, companions=("-wal", "-shm"))
    except OSError as exc:
        raise StorageError(
            f"Your drafts database {path} {reason} and could not be moved aside "
            f"({exc.strerror}). Move it away by hand and start again.",
            code="drafts_unusable",
        ) from None
    return OpenedStore(
        DraftStore(path),
        f"Your drafts and history database {reason}; it has been kept as {bad} and a new "
        "one was started.",
    )

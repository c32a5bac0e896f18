"""Drafts and history of every tab in one SQLite file (``data_dir/drafts.sqlite3``).

* A *draft* is the live state of a tab (inputs, options, output) as a JSON object,
  saved while the user types and restored on the next start.
* A *history entry* is a finished generation of a tab: searchable, reopened,
  deleted one by one or cleared.

WAL mode with ``synchronous=NORMAL``: a committed save survives the app being
killed. One connection guarded by a lock, so the GUI thread and worker threads
may both call in. A database that cannot be opened is kept aside as
``drafts.sqlite3.bad`` and a fresh one is started, with a notice for the user.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_slm.config import AppPaths, app_paths
from desktop_slm.errors import UserFacingError

log = logging.getLogger(__name__)

DB_NAME = "drafts.sqlite3"
SCHEMA_VERSION = 1
MAX_HISTORY_PER_TAB = 500
"""Older entries beyond this are dropped when a new one is added."""
TITLE_CHARS = 80

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

    def __init__(self, path: Path) -> None:
        """Open ``path``; a damaged file raises ``sqlite3.DatabaseError`` (see open_store)."""
        self.path = path
        self._lock = threading.RLock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            self._prepare()
        except BaseException:
            self._db.close()
            raise

    def _prepare(self) -> None:
        db = self._db
        db.execute("PRAGMA busy_timeout = 5000")
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise _NewerSchema(version)
        check = db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(f"integrity check failed: {check}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> DraftStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------- drafts
    def save_draft(self, tab: str, state: Mapping[str, Any]) -> None:
        """Replace the draft of ``tab`` with ``state`` (a JSON-serializable mapping)."""
        data = json.dumps(dict(state), ensure_ascii=False)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO drafts (tab, state, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (tab) DO UPDATE SET state = excluded.state, "
                "updated = excluded.updated",
                (tab, data, time.time()),
            )

    def load_draft(self, tab: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT state FROM drafts WHERE tab = ?", (tab,)).fetchone()
        return _json_object(row[0]) if row else None

    def drafts(self) -> dict[str, dict[str, Any]]:
        """Every tab's draft, for restoring the whole window at start."""
        with self._lock:
            rows = self._db.execute("SELECT tab, state FROM drafts").fetchall()
        return {tab: _json_object(state) for tab, state in rows}

    def delete_draft(self, tab: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM drafts WHERE tab = ?", (tab,))

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
            rows = self._db.execute(sql, params).fetchall()
        return [_entry(row) for row in rows]

    def get_history(self, entry_id: int) -> HistoryEntry | None:
        with self._lock:
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


class _NewerSchema(Exception):
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


def _set_aside(path: Path) -> Path:
    bad = path.with_name(path.name + ".bad")
    os.replace(path, bad)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            os.replace(companion, bad.with_name(bad.name + suffix))
    return bad


def open_store(paths: AppPaths | None = None) -> OpenedStore:
    """The drafts database of this user; a damaged one is set aside and a new one started."""
    paths = paths or app_paths()
    path = paths.data_dir / DB_NAME
    try:
        return OpenedStore(DraftStore(path))
    except _NewerSchema as exc:
        log.warning("drafts database %s: %s", path, exc)
        reason = "was written by a newer version of Desktop SLM"
    except sqlite3.DatabaseError as exc:
        log.warning("damaged drafts database %s: %s", path, exc)
        reason = "was damaged"
    try:
        bad = _set_aside(path)
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

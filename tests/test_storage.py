"""Drafts and history in SQLite: restored after a restart, searchable, and safe from damage."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from desktop_slm.config import app_paths
from desktop_slm.storage import open_store
from desktop_slm.storage.drafts import (
    DB_NAME,
    MAX_HISTORY_PER_TAB,
    SCHEMA_VERSION,
    UNSAVED_SUFFIX,
    DatabaseInUse,
    DraftStore,
)

EMAIL_STATE = {
    "inputs": {"notes": "lunch → Friday, café at 12", "reply_to": ""},
    "options": {"tone": "friendly", "length": "short"},
    "output": "Subject: Lunch\n\nHi all,",
}


def db_path() -> Path:
    return app_paths().data_dir / DB_NAME


def test_a_draft_is_restored_after_a_restart(app_home: Path) -> None:
    opened = open_store()
    assert opened.notice is None
    with opened.store as store:
        store.save_draft("email", EMAIL_STATE)
        store.save_draft("email", {**EMAIL_STATE, "output": "Subject: Lunch\n\nHi all, see you"})
        store.save_draft("translate", {"inputs": {"text": "Hallo"}})
    assert db_path().is_relative_to(app_home)

    with open_store().store as again:
        restored = again.load_draft("email")
        assert restored is not None
        assert restored["inputs"]["notes"] == "lunch → Friday, café at 12"
        assert restored["output"] == "Subject: Lunch\n\nHi all, see you"
        assert set(again.drafts()) == {"email", "translate"}
        assert again.load_draft("report") is None
        again.delete_draft("translate")
        assert set(again.drafts()) == {"email"}


def test_the_database_uses_wal_and_records_its_schema_version() -> None:
    open_store().store.close()
    db = sqlite3.connect(db_path())
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        db.close()


def test_a_saved_draft_survives_the_process_being_killed(app_home: Path) -> None:
    script = textwrap.dedent(
        """
        import os, signal
        from desktop_slm.storage import open_store
        store = open_store().store
        store.save_draft("summarize", {"inputs": {"text": "kept after kill -9"}})
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], timeout=60, check=False)
    assert proc.returncode == -9
    with open_store().store as store:
        assert store.load_draft("summarize") == {"inputs": {"text": "kept after kill -9"}}


def add(store: DraftStore, tab: str, output: str, notes: str = "") -> int:
    return store.add_history(
        tab, inputs={"notes": notes}, options={"tone": "formal"}, output=output, model="smol"
    )


def test_history_is_per_tab_newest_first_and_reopens_whole() -> None:
    with open_store().store as store:
        first = add(store, "email", "Subject: Budget\n\nThe budget is approved.", "budget ok")
        add(store, "email", "Subject: Ferry\n\nThe ferry is late.")
        add(store, "report", "# Status\n\nAll good.")
        entries = store.history("email")
        assert [e.title for e in entries] == ["Subject: Ferry", "Subject: Budget"]
        reopened = store.get_history(first)
        assert reopened is not None
        assert reopened.inputs == {"notes": "budget ok"}
        assert reopened.options == {"tone": "formal"}
        assert reopened.output.endswith("approved.")
        assert reopened.model == "smol"
        assert [e.title for e in store.history("report")] == ["Status"]


def test_history_search_ignores_case_and_takes_percent_literally() -> None:
    with open_store().store as store:
        add(store, "summarize", "Growth was 50% in Köln.", "annual report")
        add(store, "summarize", "Growth was 5 points.", "50_50 split")
        add(store, "summarize", "Nothing special.")
        assert [e.output for e in store.history("summarize", "KÖLN")] == ["Growth was 50% in Köln."]
        assert [e.output for e in store.history("summarize", "50%")] == ["Growth was 50% in Köln."]
        assert [e.output for e in store.history("summarize", "50_")] == ["Growth was 5 points."]
        assert len(store.history("summarize", "growth")) == 2
        assert len(store.history("summarize", "growth annual")) == 1  # every word must match
        assert store.history("email", "growth") == []


def test_history_entries_are_deleted_one_by_one_or_all_at_once() -> None:
    with open_store().store as store:
        keep = add(store, "email", "keep me")
        gone = add(store, "email", "delete me")
        add(store, "report", "report entry")
        assert store.delete_history(gone) is True
        assert store.delete_history(gone) is False
        assert [e.id for e in store.history("email")] == [keep]
        assert store.clear_history("email") == 1
        assert store.history("email") == []
        assert len(store.history("report")) == 1
        assert store.clear_history() == 1
        assert store.history("report") == []


def test_history_keeps_a_bounded_number_of_entries_per_tab() -> None:
    with open_store().store as store:
        for index in range(MAX_HISTORY_PER_TAB + 5):
            add(store, "email", f"entry {index}")
        entries = store.history("email", limit=10_000)
        assert len(entries) == MAX_HISTORY_PER_TAB
        assert entries[0].output == f"entry {MAX_HISTORY_PER_TAB + 4}"
        assert entries[-1].output == "entry 5"


def test_a_damaged_database_is_kept_aside_and_a_fresh_one_starts() -> None:
    path = db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)

    opened = open_store()
    [bad] = path.parent.glob(DB_NAME + ".*.bad")
    assert opened.notice is not None
    assert "damaged" in opened.notice
    assert str(bad) in opened.notice
    assert bad.read_bytes().startswith(b"this is not a database")
    with opened.store as store:
        store.save_draft("email", EMAIL_STATE)
        assert store.load_draft("email") == EMAIL_STATE

    again = open_store()  # the fresh database opens without a notice
    assert again.notice is None
    again.store.close()


def test_a_database_from_a_newer_version_is_set_aside_not_overwritten() -> None:
    path = db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    opened = open_store()
    assert opened.notice is not None
    assert "newer version" in opened.notice
    assert len(list(path.parent.glob(DB_NAME + ".*.bad"))) == 1
    opened.store.close()


def test_saves_from_several_threads_at_once_all_land() -> None:
    with open_store().store as store:
        errors: list[BaseException] = []

        def save(tab: str) -> None:
            try:
                for index in range(50):
                    store.save_draft(tab, {"n": index})
                    store.add_history(tab, inputs={}, options={}, output=f"{tab} {index}")
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=save, args=(f"tab{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert errors == []
        assert {tab: state["n"] for tab, state in store.drafts().items()} == {
            f"tab{i}": 49 for i in range(4)
        }
        assert all(len(store.history(f"tab{i}")) == 50 for i in range(4))


# ------------------------------------------------------------- busy is not damaged
HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
if sys.argv[2] == "exclusive":
    db.execute("PRAGMA locking_mode = EXCLUSIVE")
db.execute("BEGIN EXCLUSIVE")
db.execute("INSERT OR REPLACE INTO drafts VALUES ('summarize', '{\\"by\\": \\"other\\"}', 1)")
print("holding", flush=True)
sys.stdin.readline()
db.execute("COMMIT")
db.close()
"""


class LockHolder:
    """A second process with an open write transaction on the drafts database."""

    def __init__(self, path: Path, mode: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline() == "holding\n"

    def release(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.close()
        assert self.proc.wait(timeout=30) == 0
        assert self.proc.stdout is not None
        self.proc.stdout.close()


@pytest.mark.parametrize(
    ("mode", "shows_drafts"),
    [
        pytest.param("write", True, id="open-write-transaction"),
        pytest.param("exclusive", False, id="exclusive-locking-mode"),
    ],
)
def test_a_database_held_by_another_program_is_not_set_aside(mode: str, shows_drafts: bool) -> None:
    with open_store().store as store:
        store.save_draft("email", EMAIL_STATE)
        add(store, "email", "an answer worth keeping")
    holder = LockHolder(db_path(), mode)
    try:
        opened = open_store()
        assert opened.notice is not None
        assert "Another program" in opened.notice
        assert "damaged" not in opened.notice
        assert list(db_path().parent.glob("*.bad")) == []
        store = opened.store
        assert store.read_only
        assert (store.load_draft("email") == EMAIL_STATE) is shows_drafts
        # Typing goes on: the new draft is kept while the database is held.
        store.save_draft("report", {"inputs": {"notes": "typed while locked"}})
        assert store.load_draft("report") == {"inputs": {"notes": "typed while locked"}}
        with pytest.raises(DatabaseInUse):
            add(store, "report", "history cannot be written now")
    finally:
        holder.release()
    store.close()  # the other program let go: what was typed is written now

    reopened = open_store()
    assert reopened.notice is None
    with reopened.store as again:
        drafts = again.drafts()
        assert drafts["email"] == EMAIL_STATE
        assert drafts["summarize"] == {"by": "other"}
        assert drafts["report"] == {"inputs": {"notes": "typed while locked"}}
        assert [e.output for e in again.history("email")] == ["an answer worth keeping"]
    assert not db_path().with_name(DB_NAME + UNSAVED_SUFFIX).exists()


def test_drafts_typed_while_the_database_stays_held_survive_closing() -> None:
    with open_store().store as store:
        store.save_draft("email", EMAIL_STATE)
    holder = LockHolder(db_path(), "exclusive")
    try:
        opened = open_store()
        opened.store.save_draft("translate", {"inputs": {"text": "Guten Morgen"}})
        opened.store.close()  # still held: the draft goes to a file beside the database
        assert db_path().with_name(DB_NAME + UNSAVED_SUFFIX).exists()
    finally:
        holder.release()

    with open_store().store as store:
        assert store.load_draft("translate") == {"inputs": {"text": "Guten Morgen"}}
        assert store.load_draft("email") == EMAIL_STATE
    assert not db_path().with_name(DB_NAME + UNSAVED_SUFFIX).exists()


def test_each_damaged_database_is_kept_under_its_own_name() -> None:
    path = db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    for garbage in (b"first damaged file " * 100, b"second damaged file " * 100):
        path.write_bytes(garbage)
        opened = open_store()
        assert opened.notice is not None
        assert "damaged" in opened.notice
        opened.store.close()
    kept = sorted(path.parent.glob(DB_NAME + ".*.bad"))
    assert len(kept) == 2  # the second incident did not overwrite the first copy
    contents = {p.read_bytes()[:20] for p in kept}
    assert contents == {b"first damaged file f", b"second damaged file "}


def test_drafts_typed_while_held_survive_a_crash() -> None:
    with open_store().store as store:
        store.save_draft("email", EMAIL_STATE)
    holder = LockHolder(db_path(), "write")
    crashing = textwrap.dedent(
        """
        import os, signal
        from desktop_slm.storage import open_store
        opened = open_store()
        assert opened.store.read_only
        opened.store.save_draft("report", {"inputs": {"text": "typed, then the app died"}})
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    try:
        proc = subprocess.run([sys.executable, "-c", crashing], timeout=60, check=False)
        assert proc.returncode == -9
    finally:
        holder.release()
    with open_store().store as store:
        assert store.load_draft("report") == {"inputs": {"text": "typed, then the app died"}}
        assert store.load_draft("email") == EMAIL_STATE
    assert not db_path().with_name(DB_NAME + UNSAVED_SUFFIX).exists()

"""Unfinished downloads on disk: ``<cache>/downloads/<name>.part`` with a sidecar.

The sidecar ``<name>.part.json`` records what the part is (repo, file, commit, URL, size,
sha256) so a download resumes after a restart; a lock file says a download is live, in
this process or another, and such a part is never offered or deleted elsewhere.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Final

from desktop_slm.config import AppPaths, app_paths
from desktop_slm.fsutil import FileBusy, atomic_write_text, exclusive_lock, is_locked
from desktop_slm.models import hub
from desktop_slm.models.errors import DownloadError

log = logging.getLogger(__name__)

SIDECAR_SCHEMA_VERSION: Final = 1


@dataclass(frozen=True)
class PartialDownload:
    """A download a previous run left unfinished; the app offers to resume it."""

    remote: hub.RemoteFile
    part_path: Path
    done: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "repo": self.remote.repo,
            "file": self.remote.filename,
            "revision": self.remote.revision,
            "done_bytes": self.done,
            "size_bytes": self.remote.size,
            "part_path": str(self.part_path),
        }


# ---------------------------------------------------------------- files on disk
def downloads_dir(paths: AppPaths) -> Path:
    return paths.cache_dir / "downloads"


def part_name(repo: str, filename: str) -> str:
    """A readable, file-system-safe name for a download: ``owner--repo--file.gguf``."""
    raw = f"{repo}/{filename}".replace("/", "--")
    return re.sub(r"[^A-Za-z0-9._-]", "_", raw)


def part_path(paths: AppPaths, repo: str, filename: str) -> Path:
    return downloads_dir(paths) / (part_name(repo, filename) + ".part")


def sidecar_path(part: Path) -> Path:
    return part.with_name(part.name + ".json")


def lock_path(part: Path) -> Path:
    """The file a live download holds locked (``fsutil.exclusive_lock``) while it runs."""
    return part.with_name(part.name + ".lock")


def is_live(part: Path) -> bool:
    """True while a download (in this or another process) is writing ``part``."""
    return is_locked(lock_path(part))


def write_sidecar(part: Path, remote: hub.RemoteFile) -> None:
    payload = {
        "schema_version": SIDECAR_SCHEMA_VERSION,
        **dataclasses.asdict(remote),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    atomic_write_text(sidecar_path(part), json.dumps(payload, indent=2) + "\n")


def read_sidecar(path: Path) -> hub.RemoteFile | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("schema_version") != SIDECAR_SCHEMA_VERSION:
            return None
        values = {f.name: data[f.name] for f in dataclasses.fields(hub.RemoteFile)}
        remote = hub.RemoteFile(**values)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    ok = all(isinstance(getattr(remote, k), str) for k in ("repo", "filename", "url", "sha256"))
    return remote if ok and isinstance(remote.size, int) else None


def remove_part(part: Path) -> None:
    """Delete a partial file and its sidecar; only for the holder of its lock."""
    for path in (part, sidecar_path(part)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def discard_partial(part: Path) -> None:
    """Delete a partial download unless a live download holds it (then DownloadError)."""
    try:
        with exclusive_lock(lock_path(part), remove=True):
            remove_part(part)
    except FileBusy:
        raise DownloadError(
            f"{part.name} is being downloaded by another window or command right now, so it "
            "was not deleted. Cancel it there.",
            code="busy",
            resumable=True,
        ) from None


def partial_downloads(paths: AppPaths | None = None) -> list[PartialDownload]:
    """Unfinished downloads on disk, oldest first; stray files without a partner are removed.

    A download running in another process (its lock is held) is neither listed nor touched.
    """
    folder = downloads_dir(paths or app_paths())
    found: list[PartialDownload] = []
    if not folder.is_dir():
        return found
    for sidecar in sorted(folder.glob("*.part.json"), key=_mtime):
        part = sidecar.with_name(sidecar.name.removesuffix(".json"))
        if is_live(part):
            continue
        remote = read_sidecar(sidecar)
        if remote is None or not part.is_file():
            log.info("removing stray download files %s", part)
            with contextlib.suppress(DownloadError):
                discard_partial(part)
            continue
        found.append(PartialDownload(remote, part, part.stat().st_size))
    for part in folder.glob("*.part"):
        # nothing says what it is, so it cannot be verified
        if not sidecar_path(part).exists() and not is_live(part):
            with contextlib.suppress(DownloadError):
                discard_partial(part)
    return found


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # deleted meanwhile by the download that owned it
        return 0.0


def free_space(path: Path) -> int:
    """Free bytes on the disk holding ``path`` (a module function so tests can fake it)."""
    return shutil.disk_usage(path).free


def open_part(path: Path) -> BinaryIO:
    """Open the partial file for appending (a module function so tests can fake a full disk)."""
    return path.open("ab")

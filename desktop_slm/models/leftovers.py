"""Files a crash left behind: unfinished copies and unlisted GGUFs in the models folder.

After a crash (or a kill) the models folder can hold an unfinished copy (``.NAME.*.tmp``
from an import or an atomic write) or a ``.gguf`` that never made it into
``library.json``; the downloads folder can hold an unfinished download. They are found
at start and offered for adding (``models import PATH``) or deleting (``models clean``).

Nothing in use is ever offered: the folder is scanned under the library's lock (so a
model being added is either listed or not yet there), a copy in progress holds a lock on
its temporary file, and a live download holds the lock of its partial file
(``partials.is_live``), in this process or another.
"""

from __future__ import annotations

import enum
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_slm import APP_NAME
from desktop_slm.engine.hardware import human_bytes
from desktop_slm.fsutil import FileBusy, exclusive_lock, is_locked
from desktop_slm.models.errors import LibraryError
from desktop_slm.models.library import InstalledModel, ModelLibrary
from desktop_slm.models.partials import discard_partial, partial_downloads

log = logging.getLogger(__name__)


class LeftoverKind(enum.StrEnum):
    UNLISTED_MODEL = "unlisted_model"
    """A GGUF in the models folder that library.json does not list."""
    UNFINISHED_COPY = "unfinished_copy"
    """A temporary file of an import or a write that never finished."""
    PARTIAL_DOWNLOAD = "partial_download"
    """A download a previous run left unfinished (``models pull`` resumes it)."""


@dataclass(frozen=True)
class Leftover:
    path: Path
    kind: LeftoverKind
    size_bytes: int
    source: str = ""
    """For a partial download: ``REPO FILE``, what ``models pull`` takes to resume it."""

    @property
    def can_add(self) -> bool:
        return self.kind is LeftoverKind.UNLISTED_MODEL

    def describe(self) -> str:
        size = human_bytes(self.size_bytes)
        if self.kind is LeftoverKind.UNLISTED_MODEL:
            return f"model file not in the library ({size})"
        if self.kind is LeftoverKind.UNFINISHED_COPY:
            return f"unfinished copy ({size})"
        return f"unfinished download of {self.source} ({size})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "kind": str(self.kind),
            "size_bytes": self.size_bytes,
            "can_add": self.can_add,
        }


def find_leftovers(library: ModelLibrary, *, downloads: bool = True) -> list[Leftover]:
    """What a crash left, oldest kind first; ``downloads=False`` leaves out partial downloads."""
    found: list[Leftover] = []
    folder = library.folder
    if folder.is_dir():
        with library.holding_lock() as models:
            found.extend(_in_models_folder(folder, models))
    if downloads:
        for partial in partial_downloads(library.paths):  # live downloads are not listed
            source = f"{partial.remote.repo} {partial.remote.filename}"
            found.append(
                Leftover(partial.part_path, LeftoverKind.PARTIAL_DOWNLOAD, partial.done, source)
            )
    return found


def _in_models_folder(folder: Path, models: list[InstalledModel]) -> list[Leftover]:
    listed = {os.path.realpath(m.path) for m in models}
    found: list[Leftover] = []
    for entry in sorted(folder.iterdir()):
        try:
            if not entry.is_file():
                continue
            size = entry.stat().st_size
        except OSError:  # gone meanwhile
            continue
        if entry.name.endswith(".tmp"):
            if not is_locked(entry):  # a copy in progress keeps its file locked
                found.append(Leftover(entry, LeftoverKind.UNFINISHED_COPY, size))
        elif entry.suffix.lower() == ".gguf" and os.path.realpath(entry) not in listed:
            found.append(Leftover(entry, LeftoverKind.UNLISTED_MODEL, size))
    return found


def delete_leftover(library: ModelLibrary, path: str | os.PathLike[str]) -> Leftover:
    """Delete one leftover; anything else (a listed model, a live download) is refused."""
    wanted = os.path.realpath(os.path.expanduser(path))
    leftover = next(
        (x for x in find_leftovers(library) if os.path.realpath(x.path) == wanted), None
    )
    if leftover is None:
        raise LibraryError(
            f"{path} is not a leftover file (it is in use, installed, or gone), so it was not "
            f"deleted. '{APP_NAME} models list' shows the leftovers.",
            code="not_leftover",
        )
    if leftover.kind is LeftoverKind.PARTIAL_DOWNLOAD:
        discard_partial(leftover.path)  # refuses if a download started meanwhile
    elif leftover.kind is LeftoverKind.UNFINISHED_COPY:
        try:
            with exclusive_lock(leftover.path, remove=True):
                pass  # removed while locked, so no copy can be using it
        except FileBusy:
            raise LibraryError(
                f"{leftover.path.name} is being written right now, so it was not deleted.",
                code="busy",
            ) from None
    else:
        with library.holding_lock() as models:
            if any(os.path.realpath(m.path) == wanted for m in models):
                raise LibraryError(
                    f"{leftover.path.name} was just added to the library, so it was not "
                    "deleted; remove it with 'models rm' if you do not want it.",
                    code="not_leftover",
                )
            leftover.path.unlink(missing_ok=True)
    log.info("deleted leftover %s (%s)", leftover.path, leftover.kind)
    return leftover

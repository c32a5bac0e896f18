"""The installed models: GGUF files in ``data_dir/models`` and their record in ``library.json``.

Every change re-reads ``library.json`` under a lock and writes it atomically, so the
window and a ``desktop-slm models`` command running at the same time do not undo each
other. A damaged ``library.json`` is set aside (``library.json.<time>.bad``) and rebuilt
from the files in the folder. A model appears here only after its file was verified (a
download's sha256, an import's GGUF check): a failed download is never "installed".
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from desktop_slm.config import AppPaths, app_paths
from desktop_slm.engine.gguf_check import ModelInfo, inspect_model
from desktop_slm.engine.hardware import human_bytes
from desktop_slm.errors import ModelFileError
from desktop_slm.fsutil import (
    FileBusy,
    atomic_write_text,
    exclusive_lock,
    fsync_dir,
    set_aside,
    sha256_file,
)
from desktop_slm.models.errors import LibraryError

if TYPE_CHECKING:
    from desktop_slm.models.hub import RemoteFile

log = logging.getLogger(__name__)

LIBRARY_SCHEMA_VERSION: Final = 1
_COPY_BLOCK: Final = 4 * 1024 * 1024
LOCK_WAIT_S: Final = 60.0
"""How long a change to the library waits for another process's change to finish."""

BytesCallback = Callable[[int, int], None]
"""``(done, total)`` while a file is hashed or copied."""


@dataclass(frozen=True)
class InstalledModel:
    """One model in the library. ``path`` is absolute; ``in_place`` files are not ours."""

    id: str
    name: str
    repo: str | None
    file: str
    path: str
    size_bytes: int
    sha256: str
    quant: str
    architecture: str
    parameters: int
    trained_context: int
    is_base_model: bool
    installed_at: str
    source: str
    """"hub" (downloaded) or "import"."""
    in_place: bool
    revision: str | None = None

    @property
    def display_name(self) -> str:
        label = f"{self.name} ({self.quant})"
        return label + (" — base model: not instruction-tuned" if self.is_base_model else "")

    def exists(self) -> bool:
        return os.path.isfile(self.path)

    def to_dict(self, *, active: bool = False) -> dict[str, Any]:
        return {**asdict(self), "display_name": self.display_name, "active": active}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> InstalledModel:
        values: dict[str, Any] = {}
        optional = ("revision",)  # added after the first release
        for f in fields(cls):
            if f.name in data:
                values[f.name] = data[f.name]
            elif f.name not in optional:
                raise ValueError(f"missing {f.name!r}")
        model = cls(**values)
        for f in fields(cls):
            value = getattr(model, f.name)
            expected = {"int": int, "bool": bool}.get(str(f.type), str)
            if value is None and "None" in str(f.type):
                continue
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise ValueError(f"{f.name!r} has the wrong type")
        return model


@dataclass(frozen=True)
class VerifyResult:
    model: InstalledModel
    ok: bool
    problem: str | None
    """Why it failed, in words for the user."""


def slug(text: str) -> str:
    """Lower-case letters, digits, '.', '_' and '-': a model id people can type."""
    value = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    return value or "model"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def hash_file(path: Path, on_bytes: BytesCallback | None = None) -> str:
    """The sha256 of ``path`` as hex; ``on_bytes(done, total)`` follows progress."""
    size = path.stat().st_size
    report = None if on_bytes is None else (lambda done: on_bytes(done, size))
    return str(sha256_file(path, on_bytes=report)[0].hexdigest())


class ModelLibrary:
    """The installed models. Methods block on file I/O (hashing GBs takes seconds)."""

    def __init__(self, paths: AppPaths | None = None) -> None:
        self.paths = paths or app_paths()
        self.notice: str | None = None
        """A one-time message for the user, e.g. that a damaged library file was rebuilt."""
        self._thread_lock = threading.RLock()

    @property
    def folder(self) -> Path:
        return self.paths.models_dir

    @property
    def file(self) -> Path:
        return self.folder / "library.json"

    # ------------------------------------------------------------- storage
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time, across threads and across processes."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._thread_lock:
            try:
                with exclusive_lock(self.folder / ".library.lock", wait=LOCK_WAIT_S):
                    yield
            except FileBusy:
                raise LibraryError(
                    "Another Desktop SLM window or command has been busy with the model "
                    f"library for over {LOCK_WAIT_S:.0f} seconds; try again when it is done.",
                    code="library_busy",
                ) from None

    @contextlib.contextmanager
    def holding_lock(self) -> Iterator[list[InstalledModel]]:
        """The models, with the library locked until the block ends: nothing joins or leaves."""
        with self._locked():
            yield self._read()

    def _read(self) -> list[InstalledModel]:
        try:
            raw = self.file.read_bytes()
        except FileNotFoundError:
            return []
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("models"), list):
                raise ValueError("not a library object")
            models = [InstalledModel.from_dict(m) for m in data["models"]]
        except (ValueError, TypeError, AttributeError, RecursionError) as exc:
            return self._rebuild(exc)
        if "active" in data:  # kept here by earlier versions; the next write drops it
            from desktop_slm.models.selection import migrate_legacy_choice

            migrate_legacy_choice(self.paths)
        return models

    def _rebuild(self, exc: Exception) -> list[InstalledModel]:
        log.warning("damaged library file %s: %s", self.file, exc)
        try:
            kept = f"has been kept as {set_aside(self.file)}"
        except OSError:
            log.exception("could not set aside %s", self.file)
            kept = "could not be kept"
        models: list[InstalledModel] = []
        for path in sorted(self.folder.glob("*.gguf")):
            try:
                info = inspect_model(path)
            except ModelFileError:
                continue
            taken = {m.id for m in models}
            models.append(
                self._record(info, path, sha256=hash_file(path), source="import", taken=taken)
            )
        self._write(models)
        self.notice = (
            f"The list of installed models was damaged and {kept}; "
            f"it was rebuilt from the {len(models)} model files in {self.folder}."
        )
        return models

    def _write(self, models: list[InstalledModel]) -> None:
        payload = {
            "schema_version": LIBRARY_SCHEMA_VERSION,
            "models": [asdict(m) for m in models],
        }
        atomic_write_text(self.file, json.dumps(payload, indent=2) + "\n")

    # ------------------------------------------------------------- reading
    def models(self) -> list[InstalledModel]:
        with self._locked():
            return self._read()

    def get(self, model_id: str) -> InstalledModel:
        return _find(self.models(), model_id)

    def resolve(self, id_or_path: str) -> InstalledModel | None:
        """The model with this id, or whose file is at this path; None if neither."""
        models = self.models()
        for model in models:
            if model.id == id_or_path:
                return model
        try:
            wanted = os.path.realpath(os.path.expanduser(id_or_path))
        except (OSError, ValueError):
            return None
        return next((m for m in models if os.path.realpath(m.path) == wanted), None)

    def find_by_sha256(self, sha256: str) -> InstalledModel | None:
        return next((m for m in self.models() if m.sha256 == sha256.lower() and m.exists()), None)

    def total_bytes(self) -> int:
        """Disk space the library's own files take (files used in place are not counted)."""
        total = 0
        for model in self.models():
            if not model.in_place and model.exists():
                total += os.path.getsize(model.path)
        return total

    # ------------------------------------------------------------- adding
    def _record(
        self,
        info: ModelInfo,
        path: Path,
        *,
        sha256: str,
        source: str,
        taken: set[str],
        repo: str | None = None,
        revision: str | None = None,
        in_place: bool = False,
        file: str | None = None,
        name: str | None = None,
    ) -> InstalledModel:
        stem = name or path.name.removesuffix(".gguf")
        base = slug(stem)
        ident = base
        if ident in taken and repo:
            ident = slug(f"{repo.split('/')[0]}-{stem}")
        counter = 2
        while ident in taken:
            ident = f"{base}-{counter}"
            counter += 1
        return InstalledModel(
            id=ident,
            name=name or info.short_name(),
            repo=repo,
            file=file or path.name,
            path=str(path.absolute()),
            size_bytes=info.file_size,
            sha256=sha256.lower(),
            quant=info.quantization,
            architecture=info.architecture,
            parameters=info.parameter_count,
            trained_context=info.context_length,
            is_base_model=info.is_base_model,
            installed_at=_now(),
            source=source,
            in_place=in_place,
            revision=revision,
        )

    def _free_name(self, filename: str) -> Path:
        name = Path(filename).name
        target = self.folder / name
        counter = 2
        while target.exists():
            target = self.folder / f"{Path(name).stem}-{counter}.gguf"
            counter += 1
        return target

    def add_download(self, verified: Path, remote: RemoteFile) -> InstalledModel:
        """Move a verified download into the library and record it.

        The file is checked as a GGUF first; a file llama.cpp could not use is deleted
        and never listed.
        """
        try:
            info = inspect_model(verified)
        except ModelFileError as exc:
            with contextlib.suppress(OSError):
                verified.unlink()
            raise ModelFileError(
                f"{remote.filename} downloaded correctly but cannot be used: {exc} It was deleted.",
                code=exc.code,
            ) from None
        with self._locked():
            models = self._read()
            target = self._free_name(remote.filename)
            _move(verified, target)
            final_info = dataclasses.replace(info, path=str(target))
            model = self._record(
                final_info,
                target,
                sha256=remote.sha256,
                source="hub",
                taken={m.id for m in models},
                repo=remote.repo,
                revision=remote.revision,
                file=remote.filename,
            )
            models.append(model)
            self._write(models)
        log.info("installed %s as %s", target, model.id)
        return model

    def import_file(
        self,
        source: str | os.PathLike[str],
        *,
        in_place: bool = False,
        on_progress: BytesCallback | None = None,
        name: str | None = None,
        repo: str | None = None,
        file: str | None = None,
    ) -> InstalledModel:
        """Add a local .gguf after checking it: copied into the library, or used where it is.

        ``name``, ``repo`` and ``file`` say what another app knew about it (an Ollama blob
        is called ``sha256-…``, a Hugging Face cache file has its repository).
        """
        path = Path(source).expanduser().absolute()
        info = inspect_model(path)  # ModelFileError: missing, not a GGUF, truncated, ...
        known = self.resolve(str(path))
        if known is not None:
            raise LibraryError(
                f"{path.name} is already installed as '{known.id}'.", code="already_installed"
            )
        add = functools.partial(
            self._add, info, path, in_place=in_place, repo=repo, file=file, name=name
        )
        if in_place or self._in_folder(path):  # in the folder: a file a crash left unlisted
            sha256 = hash_file(path, on_progress)
            self._refuse_same(sha256, path.name)
            return add(sha256)
        self.folder.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(self.folder).free
        if free < info.file_size + 16 * 1024 * 1024:
            raise LibraryError(
                f"Not enough disk space to copy {path.name} ({human_bytes(info.file_size)}; "
                f"{human_bytes(free)} free). Free some space or use the file in place.",
                code="not_enough_space",
            )
        with _copying(path, self.folder, on_progress) as (copy, sha256):
            self._refuse_same(sha256, path.name)
            return add(sha256, copy=copy)

    def _in_folder(self, path: Path) -> bool:
        return os.path.dirname(os.path.realpath(path)) == os.path.realpath(self.folder)

    def _refuse_same(self, sha256: str, name: str) -> None:
        same = self.find_by_sha256(sha256)
        if same is not None:
            raise LibraryError(
                f"{name} is the same file as the installed model '{same.id}'.",
                code="already_installed",
            )

    def _add(
        self,
        info: ModelInfo,
        path: Path,
        sha256: str,
        *,
        copy: Path | None = None,
        in_place: bool,
        repo: str | None,
        file: str | None,
        name: str | None,
    ) -> InstalledModel:
        """Record a checked file; a ``copy`` is renamed into the folder under the same lock,
        so a leftover scan never sees it unlisted."""
        with self._locked():
            models = self._read()
            target = path
            if copy is not None:
                target = self._free_name(path.name)
                os.replace(copy, target)
                fsync_dir(target.parent)
            final_info = dataclasses.replace(info, path=str(target))
            model = self._record(
                final_info,
                target,
                sha256=sha256,
                source="import",
                taken={m.id for m in models},
                in_place=in_place,
                repo=repo,
                file=file,
                name=name,
            )
            models.append(model)
            self._write(models)
        return model

    # ------------------------------------------------------------- removing, verifying
    def _owns(self, model: InstalledModel) -> bool:
        folder = os.path.realpath(self.folder)
        return os.path.dirname(os.path.realpath(model.path)) == folder

    def remove(self, model_id: str) -> InstalledModel:
        """Delete a model's file and forget it; a file used in place is only forgotten.

        A removed model is no longer the active one and its remembered settings go too.
        """
        with self._locked():
            models = self._read()
            model = _find(models, model_id)
            if not model.in_place:
                if not self._owns(model):
                    raise LibraryError(
                        f"'{model_id}' points to {model.path}, outside the library folder, so "
                        "it is not deleted. Delete that file yourself if you no longer want it.",
                        code="outside_library",
                    )
                try:
                    os.unlink(model.path)
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    raise LibraryError(
                        f"Could not delete {model.path} ({exc.strerror}). Close any program "
                        "using it and try again.",
                        code="delete_failed",
                    ) from None
            self._write([m for m in models if m.id != model_id])
        from desktop_slm.models.selection import ModelSelection

        ModelSelection(self.paths).forget(model.path)  # no longer active, nothing remembered
        return model

    def verify(self, model_id: str, on_progress: BytesCallback | None = None) -> VerifyResult:
        """Hash the file again and compare it with the sha256 recorded when it was installed."""
        model = self.get(model_id)
        try:
            actual = hash_file(Path(model.path), on_progress)
        except FileNotFoundError:
            return VerifyResult(
                model, False, f"The file {model.path} is missing. Download or import it again."
            )
        except OSError as exc:
            return VerifyResult(model, False, f"The file {model.path} cannot be read: {exc}.")
        if actual != model.sha256:
            return VerifyResult(
                model,
                False,
                f"{model.file} has changed or is damaged (its checksum no longer matches). "
                "Delete it and download it again.",
            )
        return VerifyResult(model, True, None)


@contextlib.contextmanager
def _copying(
    source: Path, folder: Path, on_progress: BytesCallback | None
) -> Iterator[tuple[Path, str]]:
    """A complete copy of ``source`` in a temporary file in ``folder``, and its sha256.

    The temporary file stays locked (``fsutil.is_locked``) until the block ends, so a
    leftover scan in another process leaves a copy in progress alone; the block renames
    it (anything left is deleted).
    """
    size = source.stat().st_size
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(prefix=f".{source.name}.", suffix=".tmp", dir=folder)
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(lambda: Path(tmp).unlink(missing_ok=True))
        out = cleanup.enter_context(os.fdopen(fd, "wb"))
        cleanup.enter_context(exclusive_lock(Path(tmp)))
        with source.open("rb") as src:
            done = 0
            while block := src.read(_COPY_BLOCK):
                out.write(block)
                digest.update(block)
                done += len(block)
                if on_progress is not None:
                    on_progress(done, size)
        out.flush()
        os.fsync(out.fileno())
        yield Path(tmp), digest.hexdigest()


def _copy_hashing(source: Path, target: Path, on_progress: BytesCallback | None) -> str:
    """Copy through a temporary file in the target folder and rename: all or nothing."""
    with _copying(source, target.parent, on_progress) as (copy, sha256):
        os.replace(copy, target)
    fsync_dir(target.parent)
    return sha256


def _move(source: Path, target: Path) -> None:
    """Rename into the library; across disks, copy to a temporary file there and rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        _copy_hashing(source, target, None)
        source.unlink()
    fsync_dir(target.parent)


def _find(models: Iterable[InstalledModel], model_id: str) -> InstalledModel:
    for model in models:
        if model.id == model_id:
            return model
    raise LibraryError(
        f"No installed model has the id '{model_id}'. "
        "Run 'desktop-slm models list' to see the installed models.",
        code="not_installed",
    )

"""Resumable, sha256-verified downloads of model files (``download_queue`` runs them in turn).

huggingface_hub resolves the URL, commit, size and sha256 (see :meth:`HubClient.resolve`)
and lends its HTTP session; the transfer is ours because huggingface_hub 2.x neither
resumes across processes nor checks sha256. Bytes go into
``<cache>/downloads/<name>.part`` next to a sidecar ``<name>.part.json`` (repo, file,
commit, URL, size, sha256). The sha256 is computed while streaming and, on resume,
over the bytes already on disk, so the finished file is never read twice. Only a file
whose size and sha256 match moves into the library.

Threading: :class:`DownloadJob.run` blocks and may be called on any thread (the CLI
calls it on the main thread). :class:`DownloadQueue` runs jobs one after another on one
worker thread; its ``on_progress`` callback is called on that thread with frozen
:class:`DownloadProgress` snapshots, and :meth:`DownloadJob.pause` / ``resume`` /
``cancel`` may be called from any thread.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import hashlib
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final

from desktop_slm.engine.hardware import human_bytes
from desktop_slm.errors import UserFacingError
from desktop_slm.fsutil import (
    FileBusy,
    HashStopped,
    exclusive_lock,
    sha256_file,
)
from desktop_slm.models import hub
from desktop_slm.models.errors import DownloadError
from desktop_slm.models.partials import (
    discard_partial,
    free_space,
    lock_path,
    open_part,
    part_path,
    read_sidecar,
    remove_part,
    sidecar_path,
    write_sidecar,
)
from desktop_slm.models.transfer import (
    BackgroundHash,
    Meter,
    content_range_start,
    transport_reason,
)

if TYPE_CHECKING:
    import httpx2

    from desktop_slm.models.library import InstalledModel, ModelLibrary
    from desktop_slm.models.partials import PartialDownload

log = logging.getLogger(__name__)

WRITE_BLOCK_BYTES: Final = 1024 * 1024
# Room left on the disk beyond the file itself (file system metadata, the library file).
SPACE_MARGIN_BYTES: Final = 16 * 1024 * 1024
PROGRESS_INTERVAL_S: Final = 0.1


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RESOLVING = "resolving"
    CHECKING = "checking"
    """Hashing the bytes a previous attempt left on disk."""
    DOWNLOADING = "downloading"
    RETRYING = "retrying"
    VERIFYING = "verifying"
    INSTALLING = "installing"
    PAUSED = "paused"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True)
class DownloadProgress:
    """A snapshot of one job, safe to hand to another thread (e.g. in a Qt signal)."""

    job_id: int
    repo: str
    filename: str
    state: JobState
    done: int
    total: int
    speed: float
    """Bytes per second over the last few seconds."""
    eta_s: float | None
    message: str | None = None
    """Why the job is retrying, failed or paused, in words for the user."""
    error_code: str | None = None
    resumable: bool = False
    """For a failed job: the partial file is kept and :meth:`DownloadJob.resume` continues."""
    model_id: str | None = None
    """For a finished job: the id of the installed model."""

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


ProgressCallback = Callable[[DownloadProgress], None]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off for dropped connections and server errors (5xx, 429)."""

    attempts: int = 6
    """Tries in a row without receiving a byte; any progress starts the count again."""
    base_delay_s: float = 1.0
    max_delay_s: float = 16.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))


# ---------------------------------------------------------------- the transfer
class _Stopped(Exception):
    """Pause or cancel was asked for; the caller looks at which."""


class _Retry(Exception):
    def __init__(self, reason: str, *, server_status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.server_status = server_status


@dataclass
class _PartState:
    """The bytes on disk and the sha256 over exactly those bytes."""

    digest: Any
    done: int


# ---------------------------------------------------------------- jobs
@dataclass(frozen=True)
class DownloadRequest:
    """What the user asked for. ``remote`` is set when resuming a download found on disk."""

    repo: str
    filename: str
    revision: str = "main"
    remote: hub.RemoteFile | None = None

    @classmethod
    def from_partial(cls, partial: PartialDownload) -> DownloadRequest:
        r = partial.remote
        return cls(repo=r.repo, filename=r.filename, revision=r.revision, remote=r)


_job_ids = itertools.count(1)


class DownloadJob:
    """One model file: resolve it, fetch it (resuming), verify it, install it in the library."""

    def __init__(
        self,
        request: DownloadRequest,
        library: ModelLibrary,
        *,
        hub_client: hub.HubClient | None = None,
        on_progress: ProgressCallback | None = None,
        retry: RetryPolicy | None = None,
        make_active_if_none: bool = True,
    ) -> None:
        self.id = next(_job_ids)
        self.request = request
        self._library = library
        self._paths = library.paths
        self._hub = hub_client
        self._on_progress = on_progress
        self._retry = retry or RetryPolicy()
        self._make_active = make_active_if_none
        self._lock = threading.Lock()
        self._stop: str | None = None  # "pause" or "cancel"
        self._wake = threading.Event()
        self._remote: hub.RemoteFile | None = request.remote
        self._digest: Any = None  # kept across pause/resume in this process
        self._digest_len = 0
        self._meter = Meter()
        self._last_emit = 0.0
        self.result: InstalledModel | None = None
        self.error: UserFacingError | None = None
        self._progress = DownloadProgress(
            self.id,
            request.repo,
            request.filename,
            JobState.QUEUED,
            0,
            request.remote.size if request.remote else 0,
            0.0,
            None,
        )

    # ------------------------------------------------------------- control (any thread)
    @property
    def progress(self) -> DownloadProgress:
        return self._progress

    @property
    def state(self) -> JobState:
        return self._progress.state

    def pause(self) -> None:
        """Stop after the current chunk and keep the partial file."""
        with self._lock:
            if self._stop is None:
                self._stop = "pause"
        self._wake.set()

    def cancel(self) -> None:
        """Stop and delete the partial file. A queued or paused job is cancelled at once."""
        with self._lock:
            self._stop = "cancel"
        self._wake.set()
        if self.state in (JobState.QUEUED, JobState.PAUSED, JobState.FAILED):
            self._discard_part()
            self._emit(JobState.CANCELLED, force=True, message="Download cancelled.")

    def _clear_stop(self) -> None:
        with self._lock:
            self._stop = None
        self._wake.clear()

    def _stopping(self) -> bool:
        return self._stop is not None

    # ------------------------------------------------------------- progress
    def _emit(
        self,
        state: JobState,
        *,
        done: int | None = None,
        force: bool = False,
        message: str | None = None,
        error: UserFacingError | None = None,
    ) -> None:
        now = time.monotonic()
        old = self._progress
        done = old.done if done is None else done
        total = self._remote.size if self._remote else old.total
        if state is JobState.DOWNLOADING:
            self._meter.add(done)
        speed = self._meter.speed() if state is JobState.DOWNLOADING else 0.0
        eta = (total - done) / speed if speed > 0 and total >= done else None
        resumable = isinstance(error, DownloadError) and error.resumable
        self._progress = DownloadProgress(
            self.id,
            self.request.repo,
            self.request.filename,
            state,
            done,
            total,
            speed,
            eta,
            message if message is not None else (str(error) if error else None),
            error.code if error else None,
            resumable,
            self.result.id if self.result else None,
        )
        if self._on_progress is None:
            return
        if force or state is not old.state or now - self._last_emit >= PROGRESS_INTERVAL_S:
            self._last_emit = now
            try:
                self._on_progress(self._progress)
            except Exception:  # a broken listener must not break the download
                log.exception("download progress callback failed")

    # ------------------------------------------------------------- running
    def run(self) -> InstalledModel | None:
        """Run to the end. Returns the installed model, or None if paused or cancelled.

        Raises :class:`DownloadError` / :class:`HubError` / ``ModelFileError`` on failure
        (the job's state is then ``failed``, and ``progress.resumable`` says whether the
        partial file was kept). ``KeyboardInterrupt`` leaves the partial file for a resume.
        """
        if self.state.finished and self.state is not JobState.FAILED:
            return self.result
        if self._stop == "cancel":
            self._discard_part()
            self._emit(JobState.CANCELLED, force=True, message="Download cancelled.")
            return None
        self._clear_stop()
        self.error = None
        try:
            result = self._run()
        except _Stopped:
            self._stopped()
            return None
        except UserFacingError as exc:
            self.error = exc
            self._emit(JobState.FAILED, force=True, error=exc)
            raise
        except BaseException:
            self._emit(
                JobState.PAUSED, force=True, message="Interrupted; the download can be resumed."
            )
            raise
        self.result = result
        self._emit(JobState.DONE, force=True, message=f"Installed as {result.id}.")
        return result

    def _stopped(self) -> None:
        if self._stop == "cancel":
            self._discard_part()
            self._emit(JobState.CANCELLED, force=True, message="Download cancelled.")
        else:
            self._emit(JobState.PAUSED, force=True, message="Paused; the download can be resumed.")

    def _discard_part(self) -> None:
        self._digest, self._digest_len = None, 0
        try:
            discard_partial(part_path(self._paths, self.request.repo, self.request.filename))
        except DownloadError as exc:  # another process is downloading it: its file, not ours
            log.info("partial download not discarded: %s", exc)

    def _run(self) -> InstalledModel:
        if hub.split_part(self.request.filename) is not None:
            raise DownloadError(
                f"'{self.request.filename}' is one part of a model split into several files, "
                "which this app cannot load. Choose a single-file quantization such as Q4_K_M.",
                code="split_model",
                resumable=False,
            )
        if self._remote is None:
            self._emit(JobState.RESOLVING, force=True)
            client = self._hub or hub.HubClient()
            self._remote = client.resolve(
                self.request.repo, self.request.filename, self.request.revision
            )
        remote = self._remote
        existing = self._library.find_by_sha256(remote.sha256)
        if existing is not None:
            self._emit(JobState.DONE, done=remote.size, force=True)
            return existing
        verified = self._fetch(remote)
        self._emit(JobState.INSTALLING, done=remote.size, force=True)
        installed = self._library.add_download(verified, remote)
        remove_part(verified)
        if self._make_active:
            from desktop_slm.models.selection import ModelSelection

            ModelSelection(self._library.paths).choose_if_none(installed.path)
        return installed

    # ------------------------------------------------------------- the bytes
    def _fetch(self, remote: hub.RemoteFile) -> Path:
        part = part_path(self._paths, remote.repo, remote.filename)
        part.parent.mkdir(parents=True, exist_ok=True)
        with _exclusive(part, remote.filename):
            return self._fetch_locked(remote, part)

    def _fetch_locked(self, remote: hub.RemoteFile, part: Path) -> Path:
        previous = read_sidecar(sidecar_path(part))
        if previous is None or (previous.sha256, previous.size) != (remote.sha256, remote.size):
            if part.exists() or previous is not None:
                log.info("starting %s afresh: no record of it, or the file changed", part.name)
            remove_part(part)
            self._digest, self._digest_len = None, 0
        write_sidecar(part, remote)
        done = part.stat().st_size if part.exists() else 0
        if done > remote.size:
            remove_part(part)
            write_sidecar(part, remote)
            done = 0
            self._digest, self._digest_len = None, 0
        self._check_space(remote, done, part)
        state = self._digest_for(part, done)
        attempt = 0
        try:
            while state.done < remote.size:
                if self._stopping():
                    raise _Stopped
                before = state.done
                try:
                    self._transfer(remote, part, state)
                except _Retry as retry:
                    attempt = 0 if state.done > before else attempt + 1
                    if attempt >= self._retry.attempts:
                        raise self._gave_up(remote, state.done, retry) from None
                    delay = self._retry.delay(attempt)
                    log.warning(
                        "download of %s: %s; retry in %.1f s", remote.filename, retry, delay
                    )
                    self._emit(
                        JobState.RETRYING,
                        done=state.done,
                        force=True,
                        message=f"{retry.reason[:1].upper()}{retry.reason[1:]}; "
                        f"trying again in {delay:.0f} s.",
                    )
                    self._meter.reset()
                    if self._wake.wait(delay) and self._stopping():
                        raise _Stopped from None
        finally:
            self._digest, self._digest_len = state.digest, state.done
        return self._verify(remote, part, state.digest, state.done)

    def _digest_for(self, part: Path, done: int) -> _PartState:
        if done == 0:
            return _PartState(hashlib.sha256(), 0)
        if self._digest is not None and self._digest_len == done:
            return _PartState(self._digest.copy(), done)
        self._emit(JobState.CHECKING, done=0, force=True)
        try:
            digest, hashed = sha256_file(
                part,
                on_bytes=lambda n: self._emit(JobState.CHECKING, done=n),
                should_stop=self._stopping,
            )
        except HashStopped:
            raise _Stopped from None
        if hashed != done:  # the file changed while it was read: trust none of it
            with part.open("wb"):
                pass
            return _PartState(hashlib.sha256(), 0)
        return _PartState(digest, done)

    def _check_space(self, remote: hub.RemoteFile, done: int, part: Path) -> None:
        needed = remote.size - done + SPACE_MARGIN_BYTES
        free = free_space(part.parent)
        if free < needed:
            raise DownloadError(
                f"Not enough disk space for {remote.filename}: it needs "
                f"{human_bytes(remote.size - done)} more and {human_bytes(free)} is free in "
                f"{part.parent}. Free some space and try again.",
                code="not_enough_space",
                resumable=done > 0,
            )
        models = self._paths.models_dir
        models.mkdir(parents=True, exist_ok=True)
        if os.stat(models).st_dev != os.stat(part.parent).st_dev:
            free = free_space(models)
            if free < remote.size + SPACE_MARGIN_BYTES:
                raise DownloadError(
                    f"Not enough disk space for {remote.filename} in {models}: it needs "
                    f"{human_bytes(remote.size)} and {human_bytes(free)} is free. "
                    "Free some space and try again.",
                    code="not_enough_space",
                    resumable=done > 0,
                )

    def _request_headers(self, url: str, offset: int) -> dict[str, str]:
        token = self._hub.token if self._hub is not None else hub.get_token()
        headers = hub.request_headers(token, url)  # the token only where it may go
        headers["Accept-Encoding"] = "identity"
        if offset:
            headers["Range"] = f"bytes={offset}-"
        return headers

    def _transfer(self, remote: hub.RemoteFile, part: Path, state: _PartState) -> None:
        """One HTTP request from ``state.done`` on; ``state`` follows every byte written."""
        import httpx2
        from huggingface_hub.errors import OfflineModeIsEnabled

        session = hub.http_session()
        timeout = httpx2.Timeout(hub.READ_TIMEOUT_S, connect=hub.CONNECT_TIMEOUT_S)
        self._emit(JobState.DOWNLOADING, done=state.done, force=True)
        try:
            with session.stream(
                "GET",
                remote.url,
                headers=self._request_headers(remote.url, state.done),
                timeout=timeout,
            ) as response:
                self._accept(response, remote, part, state)
                with open_part(part) as out:
                    fileno = getattr(out, "fileno", None)
                    hasher = BackgroundHash(state.digest, fileno() if fileno else None)
                    try:
                        self._copy(response, out, hasher, remote, state)
                    except OSError as exc:
                        raise self._write_failed(remote, part, state.done, exc) from None
                    finally:
                        hasher.finish()  # from here on, state.digest covers state.done bytes
        except httpx2.TransportError as exc:
            raise _Retry(transport_reason(exc)) from None
        except OfflineModeIsEnabled:
            raise DownloadError(
                f"Downloads are switched off (HF_HUB_OFFLINE is set), so {remote.filename} "
                "cannot be fetched. Unset it to download; the partial file is kept.",
                code="offline",
                resumable=True,
            ) from None
        if state.done < remote.size:
            raise _Retry("the connection closed early")

    def _copy(
        self,
        response: httpx2.Response,
        out: BinaryIO,
        hasher: BackgroundHash,
        remote: hub.RemoteFile,
        state: _PartState,
    ) -> None:
        """Write the body in blocks of about 1 MiB; a dropped connection keeps what arrived."""
        pending: list[bytes] = []
        pending_bytes = 0

        def write_pending() -> None:
            nonlocal pending, pending_bytes
            if not pending:
                return
            chunks, size = pending, pending_bytes
            pending, pending_bytes = [], 0
            for chunk in chunks:  # no joined copy of the 1 MiB: the pieces go as they are
                out.write(chunk)
            out.flush()  # in the kernel before the hash thread may sync it
            hasher.update(chunks)
            state.done += size

        encoded = response.headers.get("Content-Encoding", "identity").lower() != "identity"
        # Raw bytes are what Range counts; a chunk size would let httpx2 drop a half-filled
        # chunk on an error.
        chunks = response.iter_bytes() if encoded else response.iter_raw()
        try:
            for chunk in chunks:
                pending.append(chunk)
                pending_bytes += len(chunk)
                if pending_bytes < WRITE_BLOCK_BYTES:
                    continue
                write_pending()
                if state.done > remote.size:
                    return
                self._emit(JobState.DOWNLOADING, done=state.done)
                if self._stopping():
                    raise _Stopped
        finally:
            write_pending()
        out.flush()
        self._emit(JobState.DOWNLOADING, done=state.done, force=True)

    def _accept(
        self,
        response: httpx2.Response,
        remote: hub.RemoteFile,
        part: Path,
        state: _PartState,
    ) -> None:
        """Check the answer's status; restart from zero if the server ignored the Range."""
        done = state.done
        status = response.status_code
        if status == 206:
            start_total = content_range_start(response.headers.get("Content-Range"))
            if start_total is None or start_total[0] != done:
                raise _Retry("the server sent the wrong part of the file")
            if start_total[1] is not None and start_total[1] != remote.size:
                raise self._changed(remote, part)
            return
        if status == 200:
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) != remote.size:
                raise self._changed(remote, part)
            if done:
                log.info("server ignored the Range header; starting %s again", remote.filename)
                with part.open("wb"):
                    pass
            state.done, state.digest = 0, hashlib.sha256()
            return
        if status == 416 and done:
            # Nothing left to send from here: the part is probably wrong. Start again.
            with part.open("wb"):
                pass
            state.done, state.digest = 0, hashlib.sha256()
            raise _Retry("the server refused to continue the partial file")
        if status >= 500 or status in (408, 429):
            raise _Retry(f"the Hub answered HTTP {status}", server_status=status)
        response.read()
        from huggingface_hub import hf_raise_for_status

        try:
            hf_raise_for_status(response)
        except Exception as exc:
            error = hub.hub_error(exc, remote.repo, remote.filename)
            raise DownloadError(str(error), code=error.code, resumable=done > 0) from None
        raise DownloadError(
            f"The Hub answered HTTP {status} for {remote.filename}. Try again later.",
            code="hub_error",
            resumable=done > 0,
        )

    def _changed(self, remote: hub.RemoteFile, part: Path) -> DownloadError:
        remove_part(part)
        self._digest, self._digest_len = None, 0
        return DownloadError(
            f"{remote.filename} changed on the Hub while it was downloading. "
            "Start the download again.",
            code="changed",
            resumable=False,
        )

    def _write_failed(
        self, remote: hub.RemoteFile, part: Path, done: int, exc: OSError
    ) -> DownloadError:
        # Keep exactly the bytes that were hashed, so a resume can trust the part.
        with contextlib.suppress(OSError), part.open("r+b") as handle:
            handle.truncate(done)
        kept = f"{human_bytes(done)} of {human_bytes(remote.size)}"
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            return DownloadError(
                f"The disk is full: the download of {remote.filename} stopped after {kept}. "
                "Free some space, then resume it; the downloaded part is kept.",
                code="disk_full",
                resumable=True,
            )
        return DownloadError(
            f"Could not write the download of {remote.filename} ({exc.strerror or exc}) after "
            f"{kept}. Fix the problem, then resume it; the downloaded part is kept.",
            code="write_failed",
            resumable=True,
        )

    def _gave_up(self, remote: hub.RemoteFile, done: int, retry: _Retry) -> DownloadError:
        kept = f"{human_bytes(done)} of {human_bytes(remote.size)}"
        if retry.server_status is not None:
            return DownloadError(
                f"The Hub kept failing (HTTP {retry.server_status}) while sending "
                f"{remote.filename}. {kept} are kept; resume the download later.",
                code="server_error",
                resumable=True,
            )
        return DownloadError(
            f"The connection to the Hub kept failing ({retry.reason}) while downloading "
            f"{remote.filename}. {kept} are kept; resume the download when the network is back.",
            code="network",
            resumable=True,
        )

    def _verify(self, remote: hub.RemoteFile, part: Path, digest: Any, done: int) -> Path:
        self._emit(JobState.VERIFYING, done=done, force=True)
        actual_size = part.stat().st_size
        actual = digest.hexdigest()
        if done != remote.size or actual_size != remote.size or actual != remote.sha256:
            log.warning(
                "corrupt download %s: size %d/%d, sha256 %s, expected %s",
                remote.filename,
                actual_size,
                remote.size,
                actual,
                remote.sha256,
            )
            remove_part(part)
            self._digest, self._digest_len = None, 0
            raise DownloadError(
                f"The download of {remote.filename} was corrupt (its checksum does not match "
                "the Hub's), so it was deleted. Download it again.",
                code="corrupt",
                resumable=False,
            )
        with part.open("rb+") as handle:
            os.fsync(handle.fileno())
        return part


@contextlib.contextmanager
def _exclusive(part: Path, filename: str) -> Iterator[None]:
    """One writer per partial file, even across processes (the window and a command)."""
    try:
        with exclusive_lock(lock_path(part), remove=True):
            yield
    except FileBusy:
        raise DownloadError(
            f"{filename} is already being downloaded by another window or command. "
            "Wait for it to finish.",
            code="busy",
            resumable=True,
        ) from None

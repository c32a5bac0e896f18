"""A queue that runs downloads one after another on one worker thread."""

from __future__ import annotations

import collections
import logging
import threading
from typing import TYPE_CHECKING

from desktop_slm.errors import UserFacingError
from desktop_slm.models import hub
from desktop_slm.models.download import (
    DownloadJob,
    DownloadRequest,
    JobState,
    ProgressCallback,
    RetryPolicy,
)
from desktop_slm.models.errors import DownloadError

if TYPE_CHECKING:
    from desktop_slm.models.library import ModelLibrary

log = logging.getLogger(__name__)


class DownloadQueue:
    """Runs downloads one after another on a background thread.

    ``on_progress`` receives :class:`DownloadProgress` snapshots on that thread (a Qt
    adapter re-emits them as signals). A failed or paused job stays in :meth:`jobs` and
    can be resumed; a finished job's model is in the library.
    """

    def __init__(
        self,
        library: ModelLibrary,
        *,
        on_progress: ProgressCallback | None = None,
        hub_client: hub.HubClient | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._library = library
        self._on_progress = on_progress
        self._hub = hub_client
        self._retry = retry
        self._jobs: dict[int, DownloadJob] = {}
        self._pending: collections.deque[DownloadJob] = collections.deque()
        self._cond = threading.Condition()
        self._current: DownloadJob | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._work, name="model-downloads", daemon=True)
        self._thread.start()

    def add(self, request: DownloadRequest) -> DownloadJob:
        """Queue a download (or return the job already fetching the same file)."""
        with self._cond:
            for job in self._jobs.values():
                same = (job.request.repo, job.request.filename) == (
                    request.repo,
                    request.filename,
                )
                if same and not job.state.finished and job.state is not JobState.PAUSED:
                    return job
            job = DownloadJob(
                request,
                self._library,
                hub_client=self._hub,
                on_progress=self._on_progress,
                retry=self._retry,
            )
            self._jobs[job.id] = job
            self._pending.append(job)
            self._cond.notify_all()
        job._emit(JobState.QUEUED, force=True)
        return job

    def jobs(self) -> list[DownloadJob]:
        with self._cond:
            return list(self._jobs.values())

    def get(self, job_id: int) -> DownloadJob:
        with self._cond:
            return self._jobs[job_id]

    def pause(self, job_id: int) -> None:
        job = self.get(job_id)
        with self._cond:
            if job in self._pending:
                self._pending.remove(job)
                job._emit(JobState.PAUSED, force=True, message="Paused.")
                return
        job.pause()

    def resume(self, job_id: int) -> None:
        """Queue a paused or failed job again, ahead of the others; it continues its part."""
        job = self.get(job_id)
        with self._cond:
            if job.state not in (JobState.PAUSED, JobState.FAILED) or job in self._pending:
                return
            self._pending.appendleft(job)
            self._cond.notify_all()
        job._emit(JobState.QUEUED, force=True)

    def cancel(self, job_id: int) -> None:
        job = self.get(job_id)
        with self._cond:
            if job in self._pending:
                self._pending.remove(job)
        job.cancel()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """True once nothing runs and nothing waits (for tests and for quitting)."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._current is None and not self._pending, timeout=timeout
            )

    def close(self, timeout: float = 5.0) -> None:
        """Pause the running job (its part is kept) and stop the worker thread."""
        with self._cond:
            self._closed = True
            current = self._current
            self._cond.notify_all()
        if current is not None:
            current.pause()
        self._thread.join(timeout)

    def _work(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or bool(self._pending))
                if self._closed:
                    return
                job = self._current = self._pending.popleft()
            try:
                job.run()
            except UserFacingError:
                pass  # the job's state and progress carry the message
            except Exception as exc:
                log.exception("download job %d failed unexpectedly", job.id)
                error = DownloadError(
                    f"The download of {job.request.filename} failed unexpectedly ({exc}). "
                    "Details are in the log.",
                    code="bug",
                    resumable=True,
                )
                job.error = error
                job._emit(JobState.FAILED, force=True, error=error)
            finally:
                with self._cond:
                    self._current = None
                    self._cond.notify_all()

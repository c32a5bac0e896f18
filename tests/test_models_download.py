"""Downloads from a misbehaving fake Hub: each fault ends in a verified model or a clear error."""

from __future__ import annotations

import errno
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from desktop_slm.config import app_paths
from desktop_slm.models import download, hub, partials
from desktop_slm.models.download import (
    DownloadJob,
    DownloadProgress,
    DownloadRequest,
    JobState,
    RetryPolicy,
)
from desktop_slm.models.download_queue import DownloadQueue
from desktop_slm.models.errors import DownloadError
from desktop_slm.models.fit import Memory
from desktop_slm.models.library import ModelLibrary
from desktop_slm.models.partials import partial_downloads
from desktop_slm.models.selection import ModelSelection
from tests.fakehub import GEMMA_REPO, SMOLLM2_REPO, SPLIT_REPO, FakeHub
from tests.support.test_models import GEMMA3_BASE, SMOLLM2

FAST_RETRY = RetryPolicy(attempts=4, base_delay_s=0.01, max_delay_s=0.05)
ROOMY = Memory(total=16_000_000_000, available=12_000_000_000)


@pytest.fixture
def fake_hub(
    monkeypatch: pytest.MonkeyPatch, smollm2_path: Path, gemma_base_path: Path
) -> Iterator[FakeHub]:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with FakeHub.standard(smollm2_path, gemma_base_path) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server


@pytest.fixture
def library(app_home: Path) -> ModelLibrary:
    return ModelLibrary(app_paths())


def new_job(
    library: ModelLibrary,
    repo: str = SMOLLM2_REPO,
    filename: str = SMOLLM2.filename,
    *,
    events: list[DownloadProgress] | None = None,
    remote: hub.RemoteFile | None = None,
    on_progress: Callable[[DownloadProgress], None] | None = None,
) -> DownloadJob:
    return DownloadJob(
        DownloadRequest(repo, filename, remote=remote),
        library,
        hub_client=hub.HubClient(use_stored_token=False, memory=ROOMY),
        on_progress=on_progress or (None if events is None else events.append),
        retry=FAST_RETRY,
    )


def resolved(repo: str = SMOLLM2_REPO, filename: str = SMOLLM2.filename) -> hub.RemoteFile:
    return hub.HubClient(use_stored_token=False).resolve(repo, filename)


def part_of(library: ModelLibrary, repo: str = SMOLLM2_REPO, name: str = SMOLLM2.filename) -> Path:
    return partials.part_path(library.paths, repo, name)


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- the plain path
def test_download_installs_a_verified_model_with_progress(
    fake_hub: FakeHub, library: ModelLibrary
) -> None:
    events: list[DownloadProgress] = []
    model = new_job(library, events=events).run()

    assert model is not None
    assert Path(model.path).parent == library.folder
    assert sha256(Path(model.path)) == SMOLLM2.sha256 == model.sha256
    # The first model becomes the active one.
    assert ModelSelection(library.paths).active_path() == model.path
    states = [e.state for e in events]
    assert states[0] is JobState.RESOLVING
    assert states[-1] is JobState.DONE
    assert JobState.VERIFYING in states
    done = [e.done for e in events if e.state is JobState.DOWNLOADING]
    assert done == sorted(done)
    assert done[-1] == SMOLLM2.size
    assert all(e.total == SMOLLM2.size for e in events if e.state is JobState.DOWNLOADING)
    assert any(e.speed > 0 and e.eta_s is not None for e in events)
    assert not any(library.paths.cache_dir.rglob("*.part*"))  # nothing left behind


# ---------------------------------------------------------------- faults
def test_dropped_connection_resumes_at_the_byte_it_stopped(
    fake_hub: FakeHub, library: ModelLibrary
) -> None:
    drop_at = 100_000_000
    fake_hub.drop_connection(GEMMA3_BASE.filename, drop_at)
    events: list[DownloadProgress] = []

    model = new_job(library, GEMMA_REPO, GEMMA3_BASE.filename, events=events).run()

    assert model is not None
    assert model.sha256 == GEMMA3_BASE.sha256
    assert model.is_base_model  # the Gemma test model has no chat template
    gets = fake_hub.file_requests(GEMMA3_BASE.filename)
    assert len(gets) == 2
    assert "range" not in gets[0].headers
    assert gets[1].headers["range"] == f"bytes={drop_at}-"
    retry = next(e for e in events if e.state is JobState.RETRYING)
    assert "connection" in (retry.message or "")


def test_server_errors_are_retried_then_the_download_finishes(
    fake_hub: FakeHub, library: ModelLibrary
) -> None:
    remote = resolved()
    fake_hub.fail(SMOLLM2.filename, 500, times=2)
    events: list[DownloadProgress] = []

    model = new_job(library, events=events, remote=remote).run()

    assert model is not None
    assert model.sha256 == SMOLLM2.sha256
    assert len(fake_hub.file_requests(SMOLLM2.filename)) == 3
    assert any("HTTP 500" in (e.message or "") for e in events if e.state is JobState.RETRYING)


def test_a_server_that_keeps_failing_gives_a_clear_resumable_error(
    fake_hub: FakeHub, library: ModelLibrary
) -> None:
    remote = resolved()
    fake_hub.drop_connection(SMOLLM2.filename, 30_000_000)

    def hub_breaks_down(progress: DownloadProgress) -> None:
        if progress.state is JobState.RETRYING and not fake_hub.faults.statuses:
            fake_hub.fail(SMOLLM2.filename, 503, times=FAST_RETRY.attempts + 10)

    job = new_job(library, remote=remote, on_progress=hub_breaks_down)

    with pytest.raises(DownloadError) as caught:
        job.run()

    assert caught.value.code == "server_error"
    assert caught.value.resumable
    assert "HTTP 503" in str(caught.value)
    assert "resume" in str(caught.value)
    assert job.progress.state is JobState.FAILED
    assert job.progress.resumable
    assert part_of(library).stat().st_size == 30_000_000
    assert library.models() == []  # a failed download is never installed

    fake_hub.faults.statuses.clear()  # the Hub recovers; the user presses "Resume"
    model = job.run()
    assert model is not None
    assert model.sha256 == SMOLLM2.sha256
    assert fake_hub.file_requests(SMOLLM2.filename)[-1].headers["range"] == "bytes=30000000-"


def test_wrong_bytes_are_caught_deleted_and_reported_as_corrupt(
    fake_hub: FakeHub, library: ModelLibrary
) -> None:
    fake_hub.serve_wrong_bytes(SMOLLM2.filename)

    with pytest.raises(DownloadError) as caught:
        new_job(library).run()

    assert caught.value.code == "corrupt"
    assert not caught.value.resumable
    assert "corrupt" in str(caught.value)
    assert "deleted" in str(caught.value)
    assert not part_of(library).exists()
    assert not partials.sidecar_path(part_of(library)).exists()
    assert library.models() == []
    assert not list(library.folder.glob("*.gguf"))


def test_a_slow_download_is_cancelled_promptly_and_leaves_nothing(
    fake_hub: FakeHub, library: ModelLibrary
) -> None:
    fake_hub.throttle(2_000_000)
    queue = DownloadQueue(library, hub_client=hub.HubClient(use_stored_token=False))
    try:
        job = queue.add(DownloadRequest(SMOLLM2_REPO, SMOLLM2.filename))
        wait_for(lambda: job.progress.done > 500_000)
        started = time.monotonic()
        queue.cancel(job.id)
        wait_for(lambda: job.state is JobState.CANCELLED, timeout=5)
        assert time.monotonic() - started < 2
    finally:
        queue.close()
    assert not part_of(library).exists()
    assert partial_downloads(library.paths) == []
    assert library.models() == []


def test_pause_keeps_the_part_and_resume_continues_without_rereading_it(
    fake_hub: FakeHub, library: ModelLibrary
) -> None:
    fake_hub.throttle(8_000_000)
    events: list[DownloadProgress] = []
    queue = DownloadQueue(library, on_progress=events.append, retry=FAST_RETRY)
    try:
        job = queue.add(DownloadRequest(SMOLLM2_REPO, SMOLLM2.filename))
        wait_for(lambda: job.progress.done > 2_000_000)
        queue.pause(job.id)
        wait_for(lambda: job.state is JobState.PAUSED)
        kept = part_of(library).stat().st_size
        assert kept >= 2_000_000
        assert [p.done for p in partial_downloads(library.paths)] == [kept]

        fake_hub.throttle(None)
        queue.resume(job.id)
        wait_for(lambda: job.state is JobState.DONE)
    finally:
        queue.close()
    assert job.result is not None
    assert job.result.sha256 == SMOLLM2.sha256
    assert fake_hub.file_requests(SMOLLM2.filename)[-1].headers["range"] == f"bytes={kept}-"
    assert JobState.CHECKING not in [e.state for e in events]  # the sha256 state was kept


def test_the_queue_runs_downloads_one_after_another(
    fake_hub: FakeHub, library: ModelLibrary
) -> None:
    events: list[DownloadProgress] = []
    queue = DownloadQueue(library, on_progress=events.append, retry=FAST_RETRY)
    try:
        first = queue.add(DownloadRequest(SMOLLM2_REPO, SMOLLM2.filename))
        second = queue.add(DownloadRequest(GEMMA_REPO, GEMMA3_BASE.filename))
        assert queue.add(DownloadRequest(SMOLLM2_REPO, SMOLLM2.filename)) is first
        assert queue.wait_idle(timeout=120)
    finally:
        queue.close()
    assert first.state is JobState.DONE
    assert second.state is JobState.DONE
    order = [(e.job_id, e.state) for e in events]
    first_done = order.index((first.id, JobState.DONE))
    second_started = order.index((second.id, JobState.RESOLVING))
    assert first_done < second_started
    assert {m.file for m in library.models()} == {SMOLLM2.filename, GEMMA3_BASE.filename}
    assert threading.active_count() < 20


def test_a_split_model_is_refused_with_a_reason(fake_hub: FakeHub, library: ModelLibrary) -> None:
    with pytest.raises(DownloadError) as caught:
        new_job(library, SPLIT_REPO, "big-model-Q8_0-00001-of-00003.gguf").run()
    assert caught.value.code == "split_model"
    assert "single-file" in str(caught.value)
    assert fake_hub.file_requests("00001-of-00003.gguf") == []


# ---------------------------------------------------------------- a full disk
def test_not_enough_space_is_said_before_anything_is_downloaded(
    fake_hub: FakeHub, library: ModelLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(download, "free_space", lambda _path: 50_000_000)

    with pytest.raises(DownloadError) as caught:
        new_job(library).run()

    assert caught.value.code == "not_enough_space"
    assert "Not enough disk space" in str(caught.value)
    assert "50.0 MB is free" in str(caught.value)
    assert fake_hub.file_requests(SMOLLM2.filename) == []


class _FillsUp:
    """A file that takes ``room`` bytes and then fails like a full disk."""

    def __init__(self, real: BinaryIO, room: int) -> None:
        self._real = real
        self._room = room

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            self._real.write(data[: self._room])  # a short write, as a real disk does
            self._room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self._room -= len(data)
        return self._real.write(data)

    def flush(self) -> None:
        self._real.flush()

    def __enter__(self) -> _FillsUp:
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.close()


def test_disk_full_midway_keeps_a_resumable_part_and_a_restart_continues(
    fake_hub: FakeHub, library: ModelLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = download.open_part
    monkeypatch.setattr(download, "open_part", lambda p: _FillsUp(real_open(p), 40_000_100))

    with pytest.raises(DownloadError) as caught:
        new_job(library).run()

    assert caught.value.code == "disk_full"
    assert caught.value.resumable
    assert "disk is full" in str(caught.value)
    assert "kept" in str(caught.value)
    kept = part_of(library).stat().st_size
    assert 0 < kept <= 40_000_100
    assert library.models() == []

    # The app restarts with space freed: it finds the part and offers to resume it.
    monkeypatch.setattr(download, "open_part", real_open)
    [partial] = partial_downloads(library.paths)
    assert (partial.remote.filename, partial.done) == (SMOLLM2.filename, kept)
    events: list[DownloadProgress] = []
    job = DownloadJob(DownloadRequest.from_partial(partial), library, on_progress=events.append)
    model = job.run()

    assert model is not None
    assert model.sha256 == SMOLLM2.sha256
    assert fake_hub.file_requests(SMOLLM2.filename)[-1].headers["range"] == f"bytes={kept}-"
    assert JobState.CHECKING in [e.state for e in events]  # a new process re-hashes the part


def test_the_same_file_is_never_written_by_two_downloads_at_once(
    fake_hub: FakeHub, library: ModelLibrary
) -> None:
    part = part_of(library)
    part.parent.mkdir(parents=True)
    # Another window is downloading it.
    with download._exclusive(part, SMOLLM2.filename), pytest.raises(DownloadError) as caught:
        new_job(library).run()
    assert caught.value.code == "busy"
    assert "already being downloaded" in str(caught.value)
    assert fake_hub.file_requests(SMOLLM2.filename) == []
    assert new_job(library).run() is not None  # once the other one is done, it works

"""How sizes, contexts, times and downloads are put into words, in the window and the CLI alike."""

from __future__ import annotations

import pytest

from desktop_slm.models.download import DownloadProgress, JobState
from desktop_slm.models.fit import Fit
from desktop_slm.models.formatting import (
    context_label,
    describe_progress,
    duration_label,
    file_set_notes,
    parameters_label,
    transfer_parts,
)
from desktop_slm.models.hub import GgufFileSet, HubFile


@pytest.mark.parametrize(
    ("count", "label"),
    [
        (134_515_008, "135M"),
        (361_821_120, "362M"),
        (1_543_714_304, "1.5B"),
        (3_000_000_000, "3B"),  # as model cards write it, not "3.0B"
        (0, "unknown"),  # a GGUF that does not say
    ],
)
def test_parameters_are_named_as_model_cards_name_them(count: int, label: str) -> None:
    assert parameters_label(count) == label


def test_context_sizes_in_k_when_they_are_a_power_of_two_multiple() -> None:
    assert context_label(32_768) == "32K tokens"
    assert context_label(8192) == "8K tokens"
    assert context_label(1000) == "1,000 tokens"
    assert context_label(40_000) == "40,000 tokens"


def test_durations_read_like_a_clock() -> None:
    assert duration_label(0.4) == "0 s"
    assert duration_label(45) == "45 s"
    assert duration_label(125) == "2 min 05 s"
    assert duration_label(4000) == "1 h 06 min"
    assert duration_label(-3) == "0 s"


def progress(state: JobState, **changes: object) -> DownloadProgress:
    fields: dict[str, object] = {
        "job_id": 1,
        "repo": "org/model-GGUF",
        "filename": "model-Q4_K_M.gguf",
        "state": state,
        "done": 3_100_000,
        "total": 98_400_000,
        "speed": 1_500_000.0,
        "eta_s": 63.0,
    }
    fields.update(changes)
    return DownloadProgress(**fields)  # type: ignore[arg-type]


def test_a_running_download_says_bytes_speed_and_time_left() -> None:
    running = progress(JobState.DOWNLOADING)
    assert transfer_parts(running) == ["3.1 MB of 98.4 MB", "1.5 MB/s", "1 min 03 s left"]
    assert describe_progress(running) == "3.1 MB of 98.4 MB · 1.5 MB/s · 1 min 03 s left"
    # Before the first second there is no speed and no estimate yet.
    starting = progress(JobState.DOWNLOADING, speed=0.0, eta_s=None)
    assert describe_progress(starting) == "3.1 MB of 98.4 MB"


def test_every_state_has_its_own_words() -> None:
    assert describe_progress(progress(JobState.QUEUED, done=0)).startswith("Waiting for")
    assert describe_progress(progress(JobState.PAUSED)) == "Paused · 3.1 MB of 98.4 MB"
    assert describe_progress(progress(JobState.PAUSED, total=0)) == "Paused"
    assert "sha256" in describe_progress(progress(JobState.DONE))
    assert "deleted" in describe_progress(progress(JobState.CANCELLED))
    offline = progress(JobState.FAILED, message="You are offline. Installed models still work.")
    assert describe_progress(offline) == "You are offline. Installed models still work."
    assert describe_progress(progress(JobState.FAILED)) == "The download failed."


def file_set(name: str, *, parts: int = 1, files: int = 1, projector: bool = False) -> GgufFileSet:
    listed = tuple(HubFile("org/m", f"{name}-{n}", 10, None) for n in range(files))
    return GgufFileSet("org/m", name, listed, "Q8_0", Fit.RUNS_WELL, projector, parts)


def test_file_notes_warn_before_a_download_that_cannot_be_used() -> None:
    assert file_set_notes(file_set("a.gguf"), "a.gguf") == ["recommended"]
    assert file_set_notes(file_set("b.gguf"), "a.gguf") == []
    split = file_set("big.gguf", parts=3, files=3)
    assert file_set_notes(split, None) == ["split in 3 parts: not supported"]
    partial = file_set("big.gguf", parts=3, files=2)
    assert file_set_notes(partial, None) == ["split in 3 parts, incomplete: not supported"]
    projector = file_set("mmproj.gguf", projector=True)
    assert file_set_notes(projector, None) == ["image encoder (mmproj), not a language model"]

"""Files a crash left behind are found, listed with what to do, added or deleted; never a live one.

The CLI runs as a subprocess; a live download is a real second process holding the
download's lock through the app's own code.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_slm.config import app_paths
from desktop_slm.models import partials
from desktop_slm.models.errors import DownloadError
from desktop_slm.models.leftovers import LeftoverKind, delete_leftover, find_leftovers
from desktop_slm.models.library import ModelLibrary
from tests.test_gguf_check import CHATML, write_tiny_model
from tests.test_models_cli import cli

REPO, FILENAME = "someone/Tiny-GGUF", "tiny-Q4_K_M.gguf"


@pytest.fixture
def library(app_home: Path) -> ModelLibrary:
    return ModelLibrary(app_paths())


def crash_leftovers(library: ModelLibrary) -> tuple[Path, Path]:
    """What a crash leaves: an unfinished import copy and a model missing from library.json."""
    library.folder.mkdir(parents=True, exist_ok=True)
    copy = library.folder / ".big-model.gguf.k2j4x9.tmp"
    copy.write_bytes(b"GGUF" + b"\0" * 4096)
    orphan = write_tiny_model(library.folder / "orphan.gguf", chat_template=CHATML)
    return copy, orphan


def test_models_list_shows_leftovers_and_they_can_be_added_or_deleted(
    library: ModelLibrary,
) -> None:
    copy, orphan = crash_leftovers(library)

    listing = cli("models", "list")
    assert listing.returncode == 0, listing.stderr
    assert "Left over from an interrupted run" in listing.stdout
    lines = {line.split()[0]: line for line in listing.stdout.splitlines() if line.strip()}
    assert "unfinished copy" in lines[str(copy)]
    assert "model file not in the library" in lines[str(orphan)]
    assert "models import PATH" in listing.stdout
    assert "models clean PATH" in listing.stdout

    added = cli("models", "import", orphan)
    assert added.returncode == 0, added.stderr
    [model] = json.loads(cli("models", "list", "--json").stdout)
    assert model["path"] == str(orphan)  # recorded where it is, not copied a second time
    assert not model["in_place"]  # it is the library's own file: rm deletes it
    assert sorted(p.name for p in library.folder.glob("*.gguf")) == ["orphan.gguf"]

    cleaned = cli("models", "clean", copy, "--yes")
    assert cleaned.returncode == 0, cleaned.stderr
    assert f"Deleted {copy}" in cleaned.stdout
    assert not copy.exists()
    assert "Left over" not in cli("models", "list").stdout


def test_clean_all_deletes_every_leftover_and_never_an_installed_model(
    library: ModelLibrary, tmp_path: Path
) -> None:
    mine = write_tiny_model(tmp_path / "mine.gguf", chat_template=CHATML + "{# mine #}")
    installed = library.import_file(mine)
    copy, orphan = crash_leftovers(library)

    refused = cli("models", "clean", installed.path, "--yes")
    assert refused.returncode == 1
    assert "not a leftover" in refused.stderr
    assert Path(installed.path).exists()

    cleaned = cli("models", "clean", "--all", "--yes")
    assert cleaned.returncode == 0, cleaned.stderr
    assert not copy.exists()
    assert not orphan.exists()
    assert Path(installed.path).exists()
    assert [m.id for m in library.models()] == [installed.id]


LIVE_DOWNLOAD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from desktop_slm.models import download, hub, partials

    part = Path(sys.argv[1])
    remote = hub.RemoteFile(
        "someone/Tiny-GGUF", "tiny-Q4_K_M.gguf", "main", "http://127.0.0.1:9/x", 10_000, "0" * 64
    )
    with download._exclusive(part, remote.filename):
        partials.write_sidecar(part, remote)
        part.write_bytes(b"\\0" * 4_000)
        print("downloading", flush=True)
        sys.stdin.readline()
    """
)


@pytest.fixture
def live_download(library: ModelLibrary) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """A second process in the middle of downloading, holding the download's lock."""
    part = partials.part_path(library.paths, REPO, FILENAME)
    part.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", LIVE_DOWNLOAD, str(part)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdin is not None
    try:
        assert proc.stdout.readline() == "downloading\n"
        yield part, proc
    finally:
        if proc.poll() is None:
            proc.stdin.close()  # lets it finish; then it exits
            proc.wait(timeout=30)
        proc.stdout.close()


def test_a_download_running_in_another_process_is_never_offered_or_deleted(
    library: ModelLibrary, live_download: tuple[Path, subprocess.Popen[str]]
) -> None:
    part, proc = live_download
    sidecar = partials.sidecar_path(part)

    assert find_leftovers(library) == []
    assert partials.partial_downloads(library.paths) == []  # not offered for resuming either
    listing = cli("models", "list")
    assert str(part) not in listing.stdout
    refused = cli("models", "clean", part, "--yes")
    assert refused.returncode == 1
    assert part.exists()
    assert sidecar.exists()
    with pytest.raises(DownloadError) as caught:
        partials.discard_partial(part)
    assert caught.value.code == "busy"
    assert part.stat().st_size == 4_000

    assert proc.stdin is not None
    proc.stdin.close()  # the other process stops (as if it was closed mid-download)
    assert proc.wait(timeout=30) == 0

    [left] = find_leftovers(library)
    assert (left.path, left.kind, left.size_bytes) == (part, LeftoverKind.PARTIAL_DOWNLOAD, 4_000)
    assert f"{REPO} {FILENAME}" in cli("models", "list").stdout
    delete_leftover(library, part)
    assert not part.exists()
    assert not sidecar.exists()


def test_a_copy_in_progress_is_not_a_leftover(library: ModelLibrary, tmp_path: Path) -> None:
    source = write_tiny_model(tmp_path / "incoming.gguf", chat_template=CHATML)
    seen: list[list[object]] = []

    def look(done: int, total: int) -> None:  # called while the copy is being written
        seen.append([x.kind for x in find_leftovers(library)])

    library.import_file(source, on_progress=look)
    assert seen
    assert all(kinds == [] for kinds in seen)
    assert find_leftovers(library) == []

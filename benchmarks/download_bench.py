"""Downloads: our resumable, sha256-verified transfer against a plain HTTP copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.common import Figure

ROOT = Path(__file__).resolve().parents[1]


LINK_BYTES_PER_S = 125e6
"""1 Gbit/s: the fastest Internet link most laptops have (the fake Hub's sleeps make it
a little slower; both sides get the same server)."""


def downloads(repeats: int) -> list[Figure]:
    """At the speed of a fast home link (the target), and unthrottled on loopback."""
    return [download(repeats, LINK_BYTES_PER_S), download(repeats, None)]


def download(repeats: int, bytes_per_second: float | None) -> Figure:
    """Throughput of a model download from the local fake Hub, both from the same server."""
    from tests.fakehub import GEMMA_REPO
    from tests.support.test_models import GEMMA3_BASE

    rate = [] if bytes_per_second is None else [str(bytes_per_second)]
    # The server runs in its own process, so it shares no GIL with either client.
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.fakehub", "serve", *rate],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    previous = {k: os.environ.get(k) for k in ("HF_ENDPOINT", "NO_PROXY")}
    try:
        assert server.stdout is not None
        os.environ["HF_ENDPOINT"] = server.stdout.readline().strip()
        os.environ["NO_PROXY"] = "127.0.0.1"
        from desktop_slm.config import AppPaths
        from desktop_slm.models.download import DownloadJob, DownloadRequest
        from desktop_slm.models.hub import HubClient
        from desktop_slm.models.library import ModelLibrary

        remote = HubClient(use_stored_token=False).resolve(GEMMA_REPO, GEMMA3_BASE.filename)
        size_mb = remote.size / 1e6
        ours: list[float] = []
        base: list[float] = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                started = time.perf_counter()
                with (
                    urllib.request.urlopen(remote.url) as response,
                    open(Path(tmp) / "copy.gguf", "wb") as out,
                ):
                    shutil.copyfileobj(response, out, 1024 * 1024)
                base.append(size_mb / (time.perf_counter() - started))
            with tempfile.TemporaryDirectory() as tmp:
                home = Path(tmp)
                paths = AppPaths(home / "c", home / "d", home / "k", home / "l")
                job = DownloadJob(
                    DownloadRequest(GEMMA_REPO, GEMMA3_BASE.filename, remote=remote),
                    ModelLibrary(paths),
                )
                started = time.perf_counter()
                job.run()
                ours.append(size_mb / (time.perf_counter() - started))
    finally:
        server.kill()
        server.wait()
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    link = (
        "unthrottled on loopback (memory speed: shows what our pipeline can sustain)"
        if bytes_per_second is None
        else f"served at {bytes_per_second * 8 / 1e9:g} Gbit/s (a fast home link)"
    )
    return Figure(
        key="download" if bytes_per_second else "download_loopback",
        what=f"model download from the local fake Hub ({size_mb:.0f} MB) {link}: resumable "
        "transfer with sha256 while streaming, fsync, GGUF check and move into the library",
        baseline="plain urllib copy of the same file from the same server (no hash, no fsync)",
        unit="MB/s",
        ours=ours,
        base=base,
        target=">= 0.9" if bytes_per_second else "informative",
        threshold=0.9 if bytes_per_second else None,
    )

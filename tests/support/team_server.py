"""A real OpenAI-compatible server for the tests: llama-cpp-python's own (``llama_cpp.server``).

Started on 127.0.0.1 at a free port with an API key, stopped by its pid.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

SERVER_KEY = "test-team-key"
START_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class TeamServer:
    url: str
    key: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash or a pulled cable would."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def _wait_ready(server: TeamServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"llama_cpp.server exited with {server.process.returncode}: "
                + server.log.read_text(errors="replace")[-2000:]
            )
        with contextlib.suppress(httpx.HTTPError):
            response = httpx.get(
                server.url + "/v1/models",
                headers={"Authorization": f"Bearer {server.key}"},
                timeout=2.0,
                trust_env=False,
            )
            if response.status_code == 200:
                return
        time.sleep(0.2)
    server.stop()
    raise RuntimeError("llama_cpp.server did not start within 2 minutes")


@contextlib.contextmanager
def team_server(
    model: Path, log_dir: Path, *, n_ctx: int = 2048, key: str = SERVER_KEY
) -> Iterator[TeamServer]:
    """``python -m llama_cpp.server`` serving ``model`` with ``key``; stopped at the end."""
    port = free_port()
    log = log_dir / f"llama-server-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(model),
                "--model_alias",
                "smollm2",
                "--api_key",
                key,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                str(n_ctx),
                "--n_threads",
                "1",
                "--verbose",
                "false",
            ],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = TeamServer(f"http://127.0.0.1:{port}", key, process, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        server.stop()

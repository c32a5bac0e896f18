"""A real OpenAI-compatible server for the tests: llama-cpp-python's own (``llama_cpp.server``).

Started on 127.0.0.1 at a free port with an API key, stopped by its pid.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
        request = urllib.request.Request(
            server.url + "/v1/models", headers={"Authorization": f"Bearer {server.key}"}
        )
        with contextlib.suppress(OSError), _direct().open(request, timeout=2.0) as response:
            if response.status == 200:
                return
        time.sleep(0.2)
    server.stop()
    raise RuntimeError("llama_cpp.server did not start within 2 minutes")


@contextlib.contextmanager
def team_server(
    model: Path,
    log_dir: Path,
    *,
    n_ctx: int = 2048,
    key: str = SERVER_KEY,
    aliases: tuple[str, ...] = ("smollm2",),
) -> Iterator[TeamServer]:
    """``python -m llama_cpp.server`` serving ``model`` with ``key``; stopped at the end.

    More than one of ``aliases``: the same file is offered as that many models (through
    the server's config file), as a server with several models is.
    """
    port = free_port()
    log = log_dir / f"llama-server-{port}.log"
    args = [
        "--model",
        str(model),
        "--model_alias",
        aliases[0],
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
    ]
    if len(aliases) > 1:
        config = log_dir / f"llama-server-{port}.json"
        each = {"model": str(model), "n_ctx": n_ctx, "n_threads": 1, "verbose": False}
        config.write_text(
            json.dumps(
                {
                    "host": "127.0.0.1",
                    "port": port,
                    "api_key": key,
                    "models": [{**each, "model_alias": alias} for alias in aliases],
                }
            ),
            encoding="utf-8",
        )
        args = ["--config_file", str(config)]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", *args],
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


def _direct() -> urllib.request.OpenerDirector:
    """An opener that ignores proxy variables: the tests talk to 127.0.0.1 only."""
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]


class BusyProxy:
    """A proxy in front of a real server that answers the first ``refusals`` generation
    requests with ``status`` and ``Retry-After``, and records every request it sees."""

    def __init__(self, target: str, *, refusals: int, status: int = 503, retry_after: str = "1"):
        import http.server
        import threading

        self.target = target
        self.refusals = refusals
        self.refused = 0
        self.seen: list[SeenRequest] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def _forward(self, body: bytes | None) -> None:
                proxy.seen.append(
                    SeenRequest(
                        self.command, self.path, {k.lower(): v for k, v in self.headers.items()}
                    )
                )
                generating = self.path.endswith("completions")
                if generating and proxy.refused < proxy.refusals:
                    proxy.refused += 1
                    payload = b'{"error": {"message": "busy"}}'
                    self.send_response(status)
                    self.send_header("Retry-After", retry_after)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "content-length", "connection")
                }
                request = urllib.request.Request(
                    proxy.target + self.path, data=body, headers=headers, method=self.command
                )
                try:
                    response = _direct().open(request, timeout=600.0)
                except urllib.error.HTTPError as refused:
                    response = refused
                with response:
                    data = response.read()  # a streamed answer is passed on whole: fine here
                    status_code = response.status
                    content_type = response.headers.get("Content-Type", "application/json")
                self.send_response(status_code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._forward(None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._forward(self.rfile.read(length))

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

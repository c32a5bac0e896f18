"""A local imitation of the Hugging Face Hub for tests: stdlib HTTP on 127.0.0.1, fault injection.

It implements what huggingface_hub 2.x calls (read from its source:
``HfApi.list_repo_tree``, ``HfApi.list_models``, ``get_hf_file_metadata``) plus the
Range GETs of our own downloader:

* ``HEAD``/``GET /{repo}/resolve/{rev}/{file}``: ``X-Repo-Commit``, ``ETag`` and
  ``X-Linked-Etag`` (the sha256), ``X-Linked-Size``, ``Content-Length``, ``Accept-Ranges``;
  ``Range: bytes=N-`` answers 206 with ``Content-Range``.
* ``GET /api/models/{repo}/tree/{rev}[/{folder}]?recursive=..&expand=..``: files with
  size and ``lfs.oid`` (sha256).
* ``GET /api/models?search=..&filter=gguf&sort=downloads&limit=N``.
* Errors as the real Hub sends them: ``X-Error-Code: RepoNotFound`` (401),
  ``RevisionNotFound`` (404), ``EntryNotFound`` (404), ``GatedRepo`` (401 without a token,
  403 with one whose account has not accepted the licence).

Every request is recorded (method, path, query, headers). Faults: drop the connection
at a chosen byte, answer a status code for the next N requests, serve wrong bytes,
throttle. Files are served with plain reads (no sendfile).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.support.test_models import GEMMA3_BASE, SMOLLM2

SMOLLM2_REPO = "test-org/SmolLM2-135M-Instruct-GGUF"
GEMMA_REPO = "test-org/gemma-3-270m-GGUF"
SPLIT_REPO = "test-org/big-model-GGUF"
GATED_REPO = "test-org/gated-model-GGUF"
SERVE_CHUNK = 1024 * 1024
THROTTLED_CHUNK = 16 * 1024


@dataclass
class FakeFile:
    path: str
    source: Path | bytes
    size: int
    sha256: str
    lfs: bool = True

    def read(self, start: int, length: int) -> Iterator[bytes]:
        """The bytes from ``start``, in pieces, read from disk each time (no sendfile)."""
        if isinstance(self.source, bytes):
            yield self.source[start : start + length]
            return
        with self.source.open("rb") as handle:
            handle.seek(start)
            left = length
            while left > 0:
                block = handle.read(min(SERVE_CHUNK, left))
                if not block:
                    return
                left -= len(block)
                yield block


@dataclass
class FakeRepo:
    repo_id: str
    files: dict[str, FakeFile]
    commit: str
    gated: bool = False
    downloads: int = 0
    likes: int = 0
    tags: tuple[str, ...] = ("gguf",)
    refused_tokens: set[str] = field(default_factory=set)
    """Tokens of accounts that have not accepted a gated repo's terms: answered 403."""
    # Hub tokens whose accounts accepted a gated repo's licence (None: any token). The
    # real Hub answers 401 without a token and 403 for a token that has not accepted.
    accepted_tokens: frozenset[str] | None = None


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    """Lower-case header names."""


@dataclass
class _Faults:
    drop_at: dict[str, list[int]] = field(default_factory=dict)
    statuses: dict[str, list[int]] = field(default_factory=dict)
    wrong_bytes: set[str] = field(default_factory=set)
    bytes_per_second: float | None = None


def file_from_bytes(path: str, data: bytes, *, lfs: bool = True) -> FakeFile:
    return FakeFile(path, data, len(data), hashlib.sha256(data).hexdigest(), lfs)


class FakeHub:
    """``with FakeHub() as hub: os.environ["HF_ENDPOINT"] = hub.url``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.repos: dict[str, FakeRepo] = {}
        self.requests: list[Recorded] = []
        self.faults = _Faults()
        self._lock = threading.Lock()
        hub = self

        class Handler(_Handler):
            fake = hub

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # ------------------------------------------------------------- set-up
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_repo(
        self,
        repo_id: str,
        files: list[FakeFile],
        *,
        gated: bool = False,
        downloads: int = 0,
        likes: int = 0,
    ) -> FakeRepo:
        commit = hashlib.sha1(repo_id.encode()).hexdigest()
        repo = FakeRepo(repo_id, {f.path: f for f in files}, commit, gated, downloads, likes)
        self.repos[repo_id] = repo
        return repo

    @classmethod
    def standard(cls, smollm2: Path, gemma: Path, host: str = "127.0.0.1") -> FakeHub:
        """The two real test models, a split model, a gated repo and a README."""
        hub = cls(host)
        hub.add_repo(
            SMOLLM2_REPO,
            [
                FakeFile(SMOLLM2.filename, smollm2, SMOLLM2.size, SMOLLM2.sha256),
                file_from_bytes("README.md", b"# SmolLM2 135M Instruct\n", lfs=False),
                file_from_bytes("extra/SmolLM2-135M-Instruct.Q8_0.gguf", b"GGUF" + bytes(60)),
            ],
            downloads=5000,
            likes=40,
        )
        hub.add_repo(
            GEMMA_REPO,
            [FakeFile(GEMMA3_BASE.filename, gemma, GEMMA3_BASE.size, GEMMA3_BASE.sha256)],
            downloads=9000,
            likes=10,
        )
        parts = [
            file_from_bytes(f"big-model-Q8_0-{i:05d}-of-00003.gguf", bytes([i]) * 3000)
            for i in range(1, 4)
        ]
        hub.add_repo(
            SPLIT_REPO,
            [*parts, file_from_bytes("big-model-Q2_K.gguf", b"GGUF" + bytes(2000))],
            downloads=100,
        )
        hub.add_repo(
            GATED_REPO,
            [file_from_bytes("gated-Q4_K_M.gguf", b"GGUF" + bytes(100))],
            gated=True,
            downloads=1,
        )
        hub.add_repo("test-org/not-gguf", [file_from_bytes("model.bin", b"x")])
        hub.repos["test-org/not-gguf"].tags = ("pytorch",)
        return hub

    # ------------------------------------------------------------- faults
    def drop_connection(self, filename: str, at_byte: int, *, times: int = 1) -> None:
        """The next ``times`` GETs of ``filename`` stop (socket closed) at absolute ``at_byte``."""
        with self._lock:
            self.faults.drop_at.setdefault(filename, []).extend([at_byte] * times)

    def fail(self, key: str, status: int = 500, *, times: int = 1) -> None:
        """The next ``times`` requests whose path ends with ``key`` answer ``status``."""
        with self._lock:
            self.faults.statuses.setdefault(key, []).extend([status] * times)

    def serve_wrong_bytes(self, filename: str) -> None:
        """Flip one byte in the middle of ``filename`` whenever it is sent."""
        with self._lock:
            self.faults.wrong_bytes.add(filename)

    def throttle(self, bytes_per_second: float | None) -> None:
        with self._lock:
            self.faults.bytes_per_second = bytes_per_second

    def _take(self, table: dict[str, list[int]], key: str) -> int | None:
        with self._lock:
            for name, queue in table.items():
                if queue and key.endswith(name):
                    return queue.pop(0)
        return None

    # ------------------------------------------------------------- inspection
    def record(self, entry: Recorded) -> None:
        with self._lock:
            self.requests.append(entry)

    def file_requests(self, filename: str, method: str = "GET") -> list[Recorded]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method and "/resolve/" in r.path and r.path.endswith(filename)
            ]

    def api_requests(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith("/api/")]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the FakeHub records requests itself

    # ------------------------------------------------------------- helpers
    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
        self._send(
            status,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )

    def _error(self, status: int, code: str, message: str) -> None:
        self._json(status, {"error": message}, {"X-Error-Code": code, "X-Error-Message": message})

    def _repo(self, repo_id: str) -> FakeRepo | None:
        repo = self.fake.repos.get(repo_id)
        if repo is None:
            # The real Hub answers 401 for a missing repo when no token is sent.
            self._error(401, "RepoNotFound", "Repository not found")
        return repo

    def _revision_ok(self, repo: FakeRepo, revision: str) -> bool:
        if revision in ("main", repo.commit):
            return True
        self._error(404, "RevisionNotFound", "Invalid rev id: " + revision)
        return False

    # ------------------------------------------------------------- routing
    def do_HEAD(self) -> None:
        self._route()

    def do_GET(self) -> None:
        self._route()

    def _route(self) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        self.fake.record(
            Recorded(
                self.command,
                path,
                parse_qs(parts.query),
                {k.lower(): v for k, v in self.headers.items()},
            )
        )
        try:
            status = self.fake._take(self.fake.faults.statuses, path)
            if status is not None:
                self._send(status, f"injected error {status}".encode(), {"Retry-After": "0"})
            elif path == "/api/models":
                self._search(parse_qs(parts.query))
            elif path.startswith("/api/models/") and "/tree/" in path:
                self._tree(path.removeprefix("/api/models/"), parse_qs(parts.query))
            elif "/resolve/" in path:
                self._resolve(path.lstrip("/"))
            else:
                self._error(404, "NotFound", "Not found")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _search(self, query: dict[str, list[str]]) -> None:
        text = (query.get("search") or [""])[0].lower()
        filters = set(query.get("filter", []))
        found = [
            r
            for r in self.fake.repos.values()
            if text in r.repo_id.lower() and filters <= set(r.tags)
        ]
        if (query.get("sort") or [""])[0] == "downloads":
            found.sort(key=lambda r: r.downloads, reverse=True)
        limit = int((query.get("limit") or ["1000"])[0])
        self._json(
            200,
            [
                {
                    "_id": r.commit[:24],
                    "id": r.repo_id,
                    "downloads": r.downloads,
                    "likes": r.likes,
                    "tags": list(r.tags),
                    "private": False,
                    "gated": "manual" if r.gated else False,
                    "library_name": "gguf",
                    "createdAt": "2025-01-01T00:00:00.000Z",
                    "lastModified": "2025-02-01T00:00:00.000Z",
                }
                for r in found[:limit]
            ],
        )

    def _tree(self, rest: str, query: dict[str, list[str]]) -> None:
        owner, name, _tree, revision, *folder_parts = rest.split("/")
        repo = self._repo(f"{owner}/{name}")
        if repo is None or not self._revision_ok(repo, revision):
            return
        folder = "/".join(folder_parts)
        recursive = (query.get("recursive") or ["false"])[0].lower() == "true"
        prefix = folder + "/" if folder else ""
        entries: list[dict[str, Any]] = []
        folders: set[str] = set()
        for f in repo.files.values():
            if not f.path.startswith(prefix):
                continue
            rel = f.path[len(prefix) :]
            if "/" in rel and not recursive:
                folders.add(prefix + rel.split("/")[0])
                continue
            if recursive:
                bits = rel.split("/")[:-1]
                folders.update(prefix + "/".join(bits[: i + 1]) for i in range(len(bits)))
            entry: dict[str, Any] = {
                "type": "file",
                "oid": hashlib.sha1(f.sha256.encode()).hexdigest(),
                "size": f.size,
                "path": f.path,
            }
            if f.lfs:
                entry["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": 134}
            entries.append(entry)
        entries += [
            {"type": "directory", "oid": hashlib.sha1(d.encode()).hexdigest(), "size": 0, "path": d}
            for d in sorted(folders)
        ]
        self._json(200, entries)

    def _may_download(self, repo: FakeRepo) -> bool:
        """Answer a gated repo's file request as the Hub does; True if it may be served.

        The real Hub answers 401 without a token and 403 for a token whose account has
        not accepted the licence (in ``refused_tokens``, or not in ``accepted_tokens``).
        """
        token = self.headers.get("authorization")
        if token is None:
            self._error(401, "GatedRepo", "Access to this model is restricted.")
            return False
        token = token.removeprefix("Bearer ")
        accepted = repo.accepted_tokens
        if token in repo.refused_tokens or (accepted is not None and token not in accepted):
            self._error(403, "GatedRepo", "You are not in the authorized list of this model.")
            return False
        return True

    def _resolve(self, rest: str) -> None:
        repo_part, _, tail = rest.partition("/resolve/")
        revision, _, filename = tail.partition("/")
        repo = self._repo(repo_part)
        if repo is None:
            return
        if repo.gated and not self._may_download(repo):
            return
        if not self._revision_ok(repo, revision):
            return
        f = repo.files.get(filename)
        if f is None:
            self._error(404, "EntryNotFound", f"{filename} does not exist on main")
            return
        headers = {
            "X-Repo-Commit": repo.commit,
            "ETag": f'"{f.sha256}"',
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
        }
        if f.lfs:
            headers["X-Linked-Etag"] = f'"{f.sha256}"'
            headers["X-Linked-Size"] = str(f.size)
        start, status = 0, 200
        wanted = self.headers.get("Range")
        if wanted:
            try:
                unit, _, spec = wanted.partition("=")
                first, _, last = spec.partition("-")
                start = int(first)
                end = int(last) if last else f.size - 1
                if unit != "bytes" or start >= f.size or end < start:
                    raise ValueError
            except ValueError:
                self._send(416, b"", {"Content-Range": f"bytes */{f.size}"})
                return
            status = 206
            headers["Content-Range"] = f"bytes {start}-{f.size - 1}/{f.size}"
        length = f.size - start
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command == "HEAD":
            return
        self._stream(f, start, length)

    def _stream(self, f: FakeFile, start: int, length: int) -> None:
        fake = self.fake
        drop_at = fake._take(fake.faults.drop_at, f.path) if self.command == "GET" else None
        flip = f.size // 2 if f.path in fake.faults.wrong_bytes else None
        position = start
        for block in f.read(start, length):
            pieces = [block]
            rate = fake.faults.bytes_per_second
            if rate:
                pieces = [
                    block[i : i + THROTTLED_CHUNK] for i in range(0, len(block), THROTTLED_CHUNK)
                ]
            for original in pieces:
                piece = original
                if flip is not None and position <= flip < position + len(piece):
                    i = flip - position
                    piece = piece[:i] + bytes([piece[i] ^ 0xFF]) + piece[i + 1 :]
                if drop_at is not None and position + len(piece) >= drop_at:
                    self.wfile.write(piece[: max(0, drop_at - position)])
                    self.wfile.flush()
                    self._hang_up()
                    return
                self.wfile.write(piece)
                position += len(piece)
                rate = fake.faults.bytes_per_second
                if rate:
                    time.sleep(len(piece) / rate)

    def _hang_up(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


# ---------------------------------------------------------------- served from its own process
def _serve_forever(bytes_per_second: float | None = None) -> None:
    """``python -m tests.fakehub serve [BYTES_PER_S]``: the standard fake Hub until killed,
    optionally throttled; prints its URL. ``benchmarks/download_bench.py`` uses it."""
    from tests.support.test_models import ensure_model

    with FakeHub.standard(ensure_model(SMOLLM2), ensure_model(GEMMA3_BASE)) as hub:
        hub.throttle(bytes_per_second)
        print(hub.url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] != ["serve"] or len(sys.argv) > 3:
        raise SystemExit("usage: python -m tests.fakehub serve [BYTES_PER_SECOND]")
    _serve_forever(float(sys.argv[2]) if len(sys.argv) == 3 else None)

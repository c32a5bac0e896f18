"""One window per user and data folder: a second launch hands its arguments to the first.

The running window listens on a local socket (``QLocalServer``) named after the user and
a hash of the resolved data folder, so two ``DESKTOP_SLM_HOME`` folders are two
independent instances. A launch first connects to it: if the window answers, the launch
sends one request and exits; if nobody answers (no socket, or one a killed window left
behind), it removes the leftover and listens itself. A lock file in the data folder
makes that check-then-listen one step when two launches start at the same moment.

The wire format is one JSON object on one line, at most ``MAX_REQUEST_BYTES``::

    {"v": 1, "model": "/abs/model.gguf" | null, "file": "/abs/notes.pdf" | null}

and the window answers ``{"ok": true}`` (or ``{"ok": false, "error": "..."}``) before it
closes the connection. Anything else is logged and ignored.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCryptographicHash, QEvent, QLockFile, QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

if TYPE_CHECKING:
    from desktop_slm.ui.main_window import MainWindow

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
MAX_REQUEST_BYTES = 64 * 1024
MAX_PATH_CHARS = 4096
READ_TIMEOUT_MS = 2000
"""A connection that has not sent its whole request by then is dropped."""
HAND_OVER_TIMEOUT_S = 1.5
"""How long a second launch waits for the running window (connect, send, answer)."""
LOCK_TIMEOUT_MS = 1500


@dataclass(frozen=True)
class LaunchRequest:
    """What a launch asks the window for: a model to switch to, a document to open."""

    model: str | None = None
    file: str | None = None

    def encode(self) -> bytes:
        message = {"v": PROTOCOL_VERSION, "model": self.model, "file": self.file}
        return json.dumps(message).encode() + b"\n"

    @classmethod
    def decode(cls, data: bytes) -> LaunchRequest:
        """The request in ``data``; ValueError says why it is not one."""
        message = json.loads(data.decode("utf-8"))  # UnicodeDecodeError is a ValueError
        if not isinstance(message, dict):
            raise ValueError("not a JSON object")
        if message.get("v") != PROTOCOL_VERSION:
            raise ValueError(f"unknown version {message.get('v')!r}")
        unknown = set(message) - {"v", "model", "file"}
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}")
        return cls(model=_path_field(message, "model"), file=_path_field(message, "file"))


def _path_field(message: dict[str, Any], key: str) -> str | None:
    value = message.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_PATH_CHARS or "\0" in value:
        raise ValueError(f"{key} is not a path")
    return value


def server_name(data_dir: Path) -> str:
    """The socket's name for this user and this (resolved) data folder."""
    # The uid, not the name: no lookup in the user database before the first paint.
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    key = f"{user}\0{data_dir.resolve()}".encode()
    # Qt's own hash: hashlib would load OpenSSL before the first paint.
    digest = QCryptographicHash.hash(key, QCryptographicHash.Algorithm.Sha256).toHex()
    return f"desktop-slm-{user}-{bytes(digest.data()).decode()[:16]}"


# ---------------------------------------------------------------- a launch's side
def claim(request: LaunchRequest, data_dir: Path) -> InstanceServer | None:
    """Become the running instance (its server is returned), or hand ``request`` to it.

    None means the running window has the request: this launch should exit.
    """
    name = server_name(data_dir)
    lock = _claim_lock(data_dir)
    try:
        if hand_over(name, request):
            return None
        # Nobody answers: whatever has the name is left over from a window that was killed.
        QLocalServer.removeServer(name)
        server = QLocalServer()
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(name):
            # The window still opens; only later launches cannot reach it.
            log.warning("cannot listen for other launches on %s: %s", name, server.errorString())
        else:
            log.info("listening for other launches on %s", server.fullServerName())
        return InstanceServer(server)
    finally:
        if lock is not None:
            lock.unlock()


def _claim_lock(data_dir: Path) -> QLockFile | None:
    """Held while one launch checks for a window and starts listening; None if unusable."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("no instance lock (the data folder cannot be created: %s)", exc)
        return None
    lock = QLockFile(str(data_dir / "instance.lock"))
    lock.setStaleLockTime(0)  # stale only when its owner is gone (e.g. killed mid-claim)
    if lock.tryLock(LOCK_TIMEOUT_MS):
        return lock
    log.warning("the instance lock is busy (error %s); checking without it", lock.error())
    return None


def hand_over(name: str, request: LaunchRequest) -> bool:
    """Send ``request`` to the window listening on ``name``; False if none is listening.

    Once connected the request is delivered even if the window is slow to answer: the
    connection only succeeds while a live process listens.
    """
    deadline = time.monotonic() + HAND_OVER_TIMEOUT_S
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(_ms_left(deadline)):
        return False
    socket.write(request.encode())
    socket.flush()
    answer = b""
    while b"\n" not in answer and socket.waitForReadyRead(_ms_left(deadline)):
        answer += bytes(socket.readAll().data())
        if len(answer) > MAX_REQUEST_BYTES:
            break
    socket.abort()
    if not answer:
        log.warning("the running window did not answer in time; it has the request")
    return True


def _ms_left(deadline: float) -> int:
    return max(1, int((deadline - time.monotonic()) * 1000))


# ---------------------------------------------------------------- the window's side
class InstanceServer(QObject):
    """The running window's end: reads each launch's request, bounded and checked."""

    requested = Signal(object)
    """A valid :class:`LaunchRequest` from another launch."""

    def __init__(self, server: QLocalServer) -> None:
        super().__init__()
        self._server = server
        server.setParent(self)
        server.setMaxPendingConnections(8)
        server.newConnection.connect(self._accept)

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    def close(self) -> None:
        """Stop listening (removes the socket): the next launch becomes the window."""
        if self._server.isListening():
            self._server.close()
            log.info("no longer listening for other launches")

    def serve(self, window: MainWindow) -> None:
        """Hand each request to ``window``; stop listening as soon as it starts closing.

        Not once it has closed: a launch during a slow close would otherwise give its
        request to a window that is going away.
        """
        self.requested.connect(lambda got: window.handle_launch(model=got.model, document=got.file))
        window.installEventFilter(_CloseWatcher(self, window))

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            if socket is not None:
                _Connection(socket, self.requested.emit)


class _CloseWatcher(QObject):
    def __init__(self, server: InstanceServer, window: QObject) -> None:
        super().__init__(window)
        self._instance = server

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() == QEvent.Type.Close:
            self._instance.close()
        return False


class _Connection(QObject):
    """One launch's connection: at most MAX_REQUEST_BYTES, within READ_TIMEOUT_MS."""

    def __init__(self, socket: QLocalSocket, deliver: Callable[[LaunchRequest], None]) -> None:
        super().__init__(socket)  # lives and dies with its socket
        self._socket = socket
        self._deliver = deliver
        self._buffer = bytearray()
        self._done = False
        socket.readyRead.connect(self._read)
        socket.disconnected.connect(self._on_disconnected)
        QTimer.singleShot(READ_TIMEOUT_MS, self, self._timed_out)
        self._read()  # the request may have arrived with the connection

    def _read(self) -> None:
        if self._done:
            return
        room = MAX_REQUEST_BYTES + 1 - len(self._buffer)
        self._buffer += bytes(self._socket.read(room).data())
        line, newline, _rest = self._buffer.partition(b"\n")
        if newline:
            self._finish(bytes(line))
        elif len(self._buffer) > MAX_REQUEST_BYTES:
            self._ignore(f"more than {MAX_REQUEST_BYTES} bytes")

    def _on_disconnected(self) -> None:
        if not self._done and self._buffer:
            self._finish(bytes(self._buffer))  # a request without its final newline
        self._done = True
        self._socket.deleteLater()

    def _timed_out(self) -> None:
        if not self._done:
            self._ignore(f"no complete request within {READ_TIMEOUT_MS} ms")

    def _finish(self, line: bytes) -> None:
        try:
            request = LaunchRequest.decode(line)
        except ValueError as exc:
            self._ignore(str(exc))
            return
        self._done = True
        log.info("request from another launch: model=%s file=%s", request.model, request.file)
        self._answer({"ok": True})
        self._deliver(request)

    def _ignore(self, why: str) -> None:
        self._done = True
        log.warning("ignored a malformed request from another launch: %s", why)
        self._answer({"ok": False, "error": "not a Desktop SLM launch request"})

    def _answer(self, message: dict[str, Any]) -> None:
        if self._socket.state() == QLocalSocket.LocalSocketState.ConnectedState:
            self._socket.write(json.dumps(message).encode() + b"\n")
            self._socket.disconnectFromServer()  # after the answer has been written
        else:
            self._socket.deleteLater()

"""The Hugging Face Hub, through ``huggingface_hub``: GGUF file listings, search, file lookup.

Nothing here runs at import time: the Hub is contacted only when the user lists,
searches or downloads. ``HF_ENDPOINT`` is read at each call (so a mirror or the
tests' fake Hub works whatever the import order), telemetry is off, and a token is
sent only if the user stored one (:func:`set_token`) or set ``HF_TOKEN``, and only
over https or to this computer (:func:`token_allowed`).
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import logging
import os
import re
import socket
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from desktop_slm import APP_NAME, __version__, keystore
from desktop_slm.engine import hardware
from desktop_slm.errors import UserFacingError
from desktop_slm.models.catalog import Catalog, load_catalog
from desktop_slm.models.errors import CatalogError, HubError
from desktop_slm.models.fit import Fit, Memory, estimated_kv_bytes_per_token, fit_label

if TYPE_CHECKING:
    import httpx2
    from huggingface_hub import HfApi

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT: Final = "https://huggingface.co"
KEYRING_USER: Final = "huggingface-token"
CONNECT_TIMEOUT_S: Final = 10.0
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})
READ_TIMEOUT_S: Final = 60.0

_SPLIT_RE = re.compile(r"^(?P<base>.+)-(?P<part>\d{5})-of-(?P<total>\d{5})\.gguf$", re.IGNORECASE)
# Longest first, so "Q4_K_M" wins over "Q4_K" and "IQ4_XS" over "Q4".
_QUANT_RE = re.compile(
    r"(?<![A-Za-z0-9])(I?Q\d_K_[SMLX]L?|I?Q\d_K|IQ\d_(?:XXS|XS|S|M|NL)|Q\d_\d|TQ\d_\d|"
    r"MXFP4|BF16|F16|F32|FP16)(?![A-Za-z0-9])",
    re.IGNORECASE,
)


# ---------------------------------------------------------------- set-up of huggingface_hub
def endpoint() -> str:
    """The Hub's address: ``HF_ENDPOINT`` (a mirror, or the tests' fake Hub) or huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


@functools.cache
def _configure_huggingface_hub() -> None:
    # Read by huggingface_hub when it is first imported: no telemetry, and never the token
    # another tool saved on this computer unless the user gives it to us.
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    import httpx2
    from huggingface_hub.utils import _http

    class DefaultTimeouts(httpx2.HTTPTransport):
        """huggingface_hub's listings pass ``timeout=None``; a stalled server must not hang us."""

        def handle_request(self, request: httpx2.Request) -> httpx2.Response:
            timeout = request.extensions.get("timeout")
            if isinstance(timeout, dict) and all(v is None for v in timeout.values()):
                request.extensions["timeout"] = {
                    "connect": CONNECT_TIMEOUT_S,
                    "read": READ_TIMEOUT_S,
                    "write": READ_TIMEOUT_S,
                    "pool": CONNECT_TIMEOUT_S,
                }
            return super().handle_request(request)

    def client_factory() -> httpx2.Client:
        direct = DefaultTimeouts()
        return httpx2.Client(
            event_hooks={"request": [_http.hf_request_event_hook]},
            follow_redirects=True,
            timeout=None,
            transport=direct,
            # A proxy set for the internet must not swallow a mirror on this computer.
            mounts={f"all://{host}": direct for host in ("127.0.0.1", "localhost", "[::1]")},
        )

    _http.set_client_factory(client_factory)


def http_session() -> httpx2.Client:
    """huggingface_hub's shared HTTP client (httpx2), configured as above."""
    _configure_huggingface_hub()
    from huggingface_hub import get_session

    return get_session()


def request_headers(token: str | None, url: str | None = None) -> dict[str, str]:
    """huggingface_hub's headers (user agent; authorization only with a token).

    The token is left out unless both the endpoint and ``url`` may carry it
    (:func:`token_allowed`).
    """
    _configure_huggingface_hub()
    from huggingface_hub.utils._headers import build_hf_headers

    if not token_allowed(endpoint()) or (url is not None and not token_allowed(url)):
        token = None
    headers: dict[str, str] = build_hf_headers(
        token=token or False, library_name=APP_NAME, library_version=__version__
    )
    return headers


# ---------------------------------------------------------------- token
def token_allowed(url: str) -> bool:
    """Whether the Hub token may be sent to ``url``: over https, or plain http to this computer.

    Plain http to any other host would show the token to everyone on the way, so a
    mirror there (``HF_ENDPOINT=http://...``) is used without it.
    """
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


def withheld_token_notice() -> str | None:
    """The sentence saying why the user's token was not sent to the endpoint, or None."""
    if token_allowed(endpoint()) or get_token() is None:
        return None
    return (
        f"Your Hub token was not sent to {_host()} because HF_ENDPOINT uses plain http, "
        "which would expose it on the network; set an https address to use the token."
    )


def get_token() -> str | None:
    """The user's Hub token: the one stored in the OS keyring, else ``HF_TOKEN``, else None."""
    return keystore.read_secret(KEYRING_USER) or os.environ.get("HF_TOKEN") or None


def set_token(token: str | None) -> None:
    """Store (or with None, forget) a Hub token in the OS keyring, never in settings.json."""
    try:
        keystore.write_secret(KEYRING_USER, token)
    except keystore.KeyringUnavailable as exc:
        if exc.reason is None:
            raise HubError(
                "No secure password store is available, so the token cannot be saved. "
                "Set the HF_TOKEN environment variable instead.",
                code="no_keyring",
            ) from None
        raise HubError(
            f"The system keyring refused to store the token ({exc.reason}). "
            "Set the HF_TOKEN environment variable instead.",
            code="no_keyring",
        ) from None


# ---------------------------------------------------------------- data
@dataclass(frozen=True)
class HubFile:
    """One file in a Hub repository, as the tree listing describes it."""

    repo: str
    path: str
    size: int
    sha256: str | None
    """From the LFS pointer; None for a file kept in git itself."""


@dataclass(frozen=True)
class GgufFileSet:
    """A model file, or all parts of a split model (``name-00001-of-00003.gguf``)."""

    repo: str
    name: str
    """The file path, or for a split model its path without the part suffix."""
    files: tuple[HubFile, ...]
    quant: str | None
    fit: Fit
    is_projector: bool
    """An ``mmproj`` image encoder: not a language model on its own."""
    expected_parts: int = 1

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def is_split(self) -> bool:
        return self.expected_parts > 1

    @property
    def is_complete(self) -> bool:
        return len(self.files) == self.expected_parts

    def to_dict(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "name": self.name,
            "files": [f.path for f in self.files],
            "parts": self.expected_parts,
            "size_bytes": self.size,
            "quant": self.quant,
            "fit": str(self.fit),
            "sha256": [f.sha256 for f in self.files],
            "is_projector": self.is_projector,
        }


@dataclass(frozen=True)
class RepoFiles:
    repo: str
    revision: str
    sets: tuple[GgufFileSet, ...]
    recommended: str | None = None
    """The name of the set to suggest: the catalog's preferred quantization if it fits."""


@dataclass(frozen=True)
class HubModel:
    """A search result."""

    repo: str
    downloads: int
    likes: int
    last_modified: str | None
    gated: bool
    tags: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "downloads": self.downloads,
            "likes": self.likes,
            "last_modified": self.last_modified,
            "gated": self.gated,
        }


@dataclass(frozen=True)
class RemoteFile:
    """Everything a download needs, pinned to one commit so a resume fetches the same bytes."""

    repo: str
    filename: str
    revision: str
    url: str
    size: int
    sha256: str


def quant_of(filename: str) -> str | None:
    """The quantization named in a file name, upper-case ("Q4_K_M"), or None."""
    name = filename.rsplit("/", 1)[-1]
    found = _QUANT_RE.findall(name)
    # The last one: "Model-F16-Q4_K_M.gguf" is a Q4_K_M.
    return str(found[-1]).upper() if found else None


def split_part(filename: str) -> tuple[str, int, int] | None:
    """``(base name, part, total)`` for ``x-00002-of-00003.gguf``, else None."""
    match = _SPLIT_RE.match(filename)
    if not match:
        return None
    return match.group("base"), int(match.group("part")), int(match.group("total"))


def group_gguf_files(
    files: list[HubFile],
    *,
    kv_bytes_per_token: int | None = None,
    n_ctx: int | None = None,
    memory: Memory | None = None,
) -> list[GgufFileSet]:
    """Group a repository's .gguf files into models (split parts together), smallest first."""
    memory = memory or Memory.detect()
    singles: list[HubFile] = []
    splits: dict[tuple[str, int], list[tuple[int, HubFile]]] = {}
    for f in files:
        if not f.path.lower().endswith(".gguf"):
            continue
        split = split_part(f.path)
        if split is None:
            singles.append(f)
        else:
            base, part, total = split
            splits.setdefault((base, total), []).append((part, f))

    def make(name: str, parts: tuple[HubFile, ...], expected: int) -> GgufFileSet:
        size = sum(p.size for p in parts)
        kv = kv_bytes_per_token or estimated_kv_bytes_per_token(size)
        ctx = n_ctx or hardware.DEFAULT_CONTEXT
        base = name.rsplit("/", 1)[-1].lower()
        return GgufFileSet(
            repo=parts[0].repo,
            name=name,
            files=parts,
            quant=quant_of(name),
            fit=fit_label(size, kv, n_ctx=ctx, memory=memory),
            is_projector=base.startswith("mmproj") or "-mmproj" in base,
            expected_parts=expected,
        )

    sets = [make(f.path, (f,), 1) for f in singles]
    for (base, total), parts in splits.items():
        ordered = tuple(f for _, f in sorted(parts, key=lambda p: p[0]))
        sets.append(make(base + ".gguf", ordered, total))
    sets.sort(key=lambda s: (s.is_projector, s.size, s.name))
    return sets


# ---------------------------------------------------------------- errors
def _host() -> str:
    return urlsplit(endpoint()).netloc or endpoint()


def offline_error() -> HubError:
    return HubError(
        f"Cannot reach the Hugging Face Hub ({_host()}): this computer seems to be offline. "
        "Installed models still work; try again when you are connected.",
        code="offline",
    )


def gated_error(repo: str) -> HubError:
    """The one sentence for a gated repository: accept its licence, then add a token."""
    return HubError(
        f"'{repo}' is gated: sign in on the Hugging Face Hub, accept the model's licence "
        "on its page, then add your Hub access token (Models tab, or the HF_TOKEN "
        "environment variable) and try again.",
        code="gated",
    )


def hub_error(  # noqa: PLR0911 (one message per kind of failure)
    exc: BaseException, repo: str, filename: str | None = None
) -> UserFacingError:
    """A one- or two-sentence message for an exception from huggingface_hub or httpx2."""
    import httpx2
    from huggingface_hub import errors

    what = f"'{filename}' in '{repo}'" if filename else f"'{repo}'"
    if isinstance(exc, UserFacingError):
        return exc
    if isinstance(exc, errors.GatedRepoError) and (notice := withheld_token_notice()):
        return HubError(notice, code="token_withheld")  # a new token would not help
    if isinstance(exc, errors.GatedRepoError):
        return gated_error(repo)
    if isinstance(exc, errors.RevisionNotFoundError):
        return HubError(
            f"The version of '{repo}' asked for no longer exists on the Hub. "
            "List its files again and choose one.",
            code="file_not_found",
        )
    if isinstance(exc, errors.RepositoryNotFoundError):
        return HubError(
            f"There is no public model repository '{repo}' on the Hub. Check the name "
            "(for example 'bartowski/SmolLM2-360M-Instruct-GGUF') or search for it.",
            code="repo_not_found",
        )
    if isinstance(exc, errors.RemoteEntryNotFoundError):
        return HubError(
            f"The file {what} does not exist on the Hub. List the repository's files "
            "and choose one of them.",
            code="file_not_found",
        )
    if isinstance(exc, errors.HFValidationError):
        return HubError(
            f"'{repo}' is not a Hub repository name; names look like 'owner/model-GGUF'.",
            code="repo_not_found",
        )
    if isinstance(exc, errors.OfflineModeIsEnabled):
        return offline_error()
    if isinstance(exc, errors.HfHubHTTPError):
        status = exc.response.status_code
        if status >= 500 or status == 429:
            busy = "is busy" if status == 429 else "had a problem"
            return HubError(
                f"The Hugging Face Hub {busy} (HTTP {status}) while looking up {what}. "
                "Try again in a few minutes.",
                code="server_error",
            )
        if status in (401, 403) and (notice := withheld_token_notice()):
            return HubError(notice, code="token_withheld")  # a new token would not help
        if status in (401, 403):
            return HubError(
                f"The Hub refused access to {what} (HTTP {status}). If it needs an account, "
                "add your Hub access token in the Models tab or set HF_TOKEN.",
                code="gated",
            )
        return HubError(
            f"The Hub could not answer for {what} (HTTP {status}). Try again later.",
            code="hub_error",
        )
    if isinstance(exc, httpx2.ProxyError):
        return HubError(
            f"The proxy server refused the connection to {_host()}. Check the proxy settings; "
            "installed models still work.",
            code="offline",
        )
    if isinstance(exc, httpx2.TransportError | socket.gaierror | ConnectionError | TimeoutError):
        return offline_error()
    if isinstance(exc, ValueError):  # e.g. a page that is not JSON: a broken mirror
        return HubError(
            f"The Hub sent an answer this app cannot read while looking up {what}. "
            "Try again later, or check HF_ENDPOINT if you use a mirror.",
            code="hub_error",
        )
    raise exc


@contextlib.contextmanager
def translate_errors(repo: str, filename: str | None = None) -> Iterator[None]:
    try:
        yield
    except UserFacingError:
        raise
    except Exception as exc:
        converted = hub_error(exc, repo, filename)
        log.info("hub request for %s failed: %r", repo, exc)
        raise converted from exc


def check_reachable(timeout: float = 3.0) -> None:
    """Fail fast with code ``offline`` when the Hub's host cannot be reached at all.

    huggingface_hub retries a refused connection five times with back-off (about
    23 s); a computer without network should hear "offline" at once. Skipped when a
    proxy handles the endpoint: only the proxy can tell.
    """
    parts = urlsplit(endpoint())
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if urllib.request.getproxies().get(parts.scheme) and not urllib.request.proxy_bypass(host):
        return
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError:
        raise offline_error() from None


# ---------------------------------------------------------------- the client
class HubClient:
    """Listings and lookups on the Hub. Every method blocks: call it off the GUI thread.

    Each call raises :class:`HubError` (``code`` is ``offline``, ``repo_not_found``,
    ``file_not_found``, ``gated``, ``server_error`` or ``hub_error``) and nothing else
    a user could cause.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        use_stored_token: bool = True,
        catalog: Catalog | None = None,
        memory: Memory | None = None,
    ) -> None:
        self._token = token or (get_token() if use_stored_token else None)
        self._catalog = catalog
        self._memory = memory

    @property
    def token(self) -> str | None:
        """The token to send, None when there is none or the endpoint may not carry it."""
        return self._token if token_allowed(endpoint()) else None

    def _api(self) -> HfApi:
        _configure_huggingface_hub()
        from huggingface_hub import HfApi

        return HfApi(
            endpoint=endpoint(),
            token=self.token or False,
            library_name=APP_NAME,
            library_version=__version__,
        )

    def _catalog_or_none(self) -> Catalog | None:
        if self._catalog is None:
            try:
                self._catalog = load_catalog()
            except CatalogError:
                log.warning("catalog unavailable", exc_info=True)
                return None
        return self._catalog

    def tree(self, repo: str, revision: str = "main", folder: str | None = None) -> list[HubFile]:
        """Every file in ``repo`` (recursively) with its size and LFS sha256."""
        from huggingface_hub.hf_api import RepoFile

        check_reachable()
        with translate_errors(repo):
            entries = list(
                self._api().list_repo_tree(
                    repo,
                    folder,
                    recursive=True,
                    revision=revision,
                    token=self.token or False,
                )
            )
        return [
            HubFile(
                repo=repo,
                path=e.path,
                size=int(e.lfs.size if e.lfs is not None else e.size),
                sha256=e.lfs.sha256 if e.lfs is not None else None,
            )
            for e in entries
            if isinstance(e, RepoFile)
        ]

    def list_files(
        self, repo: str, *, revision: str = "main", n_ctx: int | None = None
    ) -> RepoFiles:
        """The repository's GGUF models with sizes, sha256 and fit labels for this computer."""
        files = self.tree(repo, revision)
        catalog = self._catalog_or_none()
        entry = catalog.get(repo) if catalog else None
        memory = self._memory or Memory.detect()
        sets = group_gguf_files(
            files,
            kv_bytes_per_token=entry.kv_bytes_per_token if entry else None,
            n_ctx=min(n_ctx or hardware.DEFAULT_CONTEXT, entry.trained_context) if entry else n_ctx,
            memory=memory,
        )
        recommended = None
        usable = [s for s in sets if not s.is_projector and not s.is_split]
        if entry is not None:
            preferred = [s for s in usable if s.quant == entry.preferred_quant.upper()]
            if preferred and preferred[0].fit is not Fit.TOO_LARGE:
                recommended = preferred[0].name
        if recommended is None:
            fitting = [s for s in usable if s.fit is Fit.RUNS_WELL and s.quant == "Q4_K_M"]
            recommended = fitting[0].name if fitting else None
        return RepoFiles(repo=repo, revision=revision, sets=tuple(sets), recommended=recommended)

    def search(self, query: str, *, limit: int = 20) -> list[HubModel]:
        """Public GGUF repositories matching ``query``, most downloaded first."""
        check_reachable()
        with translate_errors(query):
            found = list(
                self._api().list_models(
                    search=query or None,
                    filter="gguf",
                    sort="downloads",
                    limit=limit,
                    token=self.token or False,
                )
            )
        return [
            HubModel(
                repo=m.id,
                downloads=int(m.downloads or 0),
                likes=int(m.likes or 0),
                last_modified=m.last_modified.isoformat() if m.last_modified else None,
                gated=bool(m.gated),
                tags=tuple(m.tags or ()),
            )
            for m in found
        ]

    def resolve(self, repo: str, filename: str, revision: str = "main") -> RemoteFile:
        """Pin ``filename`` to a commit and get its URL, size and sha256 for a download."""
        _configure_huggingface_hub()
        from huggingface_hub import get_hf_file_metadata, hf_hub_url

        check_reachable()
        host = endpoint()
        with translate_errors(repo, filename):
            meta = get_hf_file_metadata(
                hf_hub_url(repo, filename, revision=revision, endpoint=host),
                token=self.token or False,
                endpoint=host,
                retry_on_errors=True,
            )
        commit = meta.commit_hash or revision
        folder = filename.rsplit("/", 1)[0] if "/" in filename else None
        listed = {f.path: f for f in self.tree(repo, commit, folder)}
        entry = listed.get(filename)
        if entry is None:
            raise HubError(
                f"The file '{filename}' in '{repo}' does not exist on the Hub. List the "
                "repository's files and choose one of them.",
                code="file_not_found",
            )
        if entry.sha256 is None:
            raise HubError(
                f"The Hub gives no checksum for '{filename}', so its download cannot be "
                "verified. Choose another file.",
                code="hub_error",
            )
        if meta.size is not None and meta.size != entry.size:
            raise HubError(
                f"The Hub reports two different sizes for '{filename}'. Try again in a few "
                "minutes; the repository may be changing.",
                code="hub_error",
            )
        return RemoteFile(
            repo=repo,
            filename=filename,
            revision=commit,
            url=hf_hub_url(repo, filename, revision=commit, endpoint=host),
            size=entry.size,
            sha256=entry.sha256.lower(),
        )

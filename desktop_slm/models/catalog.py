"""The curated catalog of small models (``resources/catalog.json``) and the pick for here."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from desktop_slm.engine import hardware
from desktop_slm.engine.architectures import engine_runs
from desktop_slm.engine.hardware import human_bytes
from desktop_slm.models.errors import CatalogError
from desktop_slm.models.fit import (
    READABLE_TOKENS_PER_SECOND,
    Fit,
    Memory,
    expected_tokens_per_second,
    fit_label,
    measured_bandwidth,
    speed_label,
)
from desktop_slm.models.formatting import parameters_label
from desktop_slm.models.user_languages import language_names, locale_language
from desktop_slm.resources import resource_path

# Version 2 adds "architecture" (required) and "gated"; version 1 files still load, their
# entries with no architecture to check against the engine.
CATALOG_SCHEMA_VERSION: Final = 2
_READABLE_VERSIONS: Final = (1, 2)
# The licences a model may have to be recommended without the user choosing it.
OPEN_LICENSES: Final = frozenset({"apache-2.0", "mit"})
STRENGTHS: Final = frozenset({"email", "translation", "summary"})
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_REPO_RE = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass(frozen=True)
class CatalogEntry:
    """One curated model. Sizes here are expectations; the Hub's listing is the truth."""

    id: str
    repo: str
    display_name: str
    parameters: int
    license: str
    open_license: bool
    languages: tuple[str, ...]
    trained_context: int
    strengths: tuple[str, ...]
    preferred_quant: str
    preferred_file: str
    expected_size_bytes: int
    kv_bytes_per_token: int
    thinks_by_default: bool
    recommend_rank: int | None
    notes: str
    architecture: str | None = None
    """``general.architecture`` of the file (None: not given, as in version-1 catalogs)."""
    gated: bool = False
    """The Hub serves the file only to accounts that accepted its licence, with a token."""

    @property
    def engine_supported(self) -> bool:
        """Whether the bundled llama.cpp can run it; if not it "needs a newer engine"."""
        return engine_runs(self.architecture)

    @property
    def recommendable(self) -> bool:
        """Ranked, openly licensed (Apache-2.0, MIT) and free to download without an account."""
        return (
            self.recommend_rank is not None
            and self.open_license
            and self.license.lower() in OPEN_LICENSES
            and not self.gated
        )

    def covers(self, languages: tuple[str, ...]) -> bool:
        """Whether the model card lists every one of ``languages`` (ISO 639-1 codes)."""
        return set(languages) <= set(self.languages)

    def tokens_per_second(self, *, bandwidth: float, cores: int) -> float:
        """Expected writing speed here (see :func:`expected_tokens_per_second`)."""
        return expected_tokens_per_second(
            self.expected_size_bytes, bandwidth=bandwidth, cores=cores
        )

    @property
    def parameters_label(self) -> str:
        """ "360M", "1.5B": how model cards name sizes."""
        return parameters_label(self.parameters)

    def fit(self, *, n_ctx: int | None = None, memory: Memory | None = None) -> Fit:
        ctx = min(n_ctx or hardware.DEFAULT_CONTEXT, self.trained_context)
        return fit_label(
            self.expected_size_bytes, self.kv_bytes_per_token, n_ctx=ctx, memory=memory
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "repo": self.repo,
            "display_name": self.display_name,
            "parameters": self.parameters,
            "parameters_label": self.parameters_label,
            "license": self.license,
            "open_license": self.open_license,
            "languages": list(self.languages),
            "trained_context": self.trained_context,
            "strengths": list(self.strengths),
            "preferred_quant": self.preferred_quant,
            "preferred_file": self.preferred_file,
            "expected_size_bytes": self.expected_size_bytes,
            "thinks_by_default": self.thinks_by_default,
            "architecture": self.architecture,
            "gated": self.gated,
            "engine_supported": self.engine_supported,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Catalog:
    schema_version: int
    entries: tuple[CatalogEntry, ...]

    def get(self, id_or_repo: str) -> CatalogEntry | None:
        """The entry with this catalog id or Hub repo id (case-insensitive), if any."""
        key = id_or_repo.lower()
        for entry in self.entries:
            if key in (entry.id, entry.repo.lower()):
                return entry
        return None


@dataclass(frozen=True)
class Recommendation:
    """The model to suggest first, and why, in one sentence a user can read."""

    entry: CatalogEntry
    reason: str
    # Expected writing speed here (tokens/s), None where it cannot be estimated.
    tokens_per_second: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.entry.to_dict(),
            "file": self.entry.preferred_file,
            "size_bytes": self.entry.expected_size_bytes,
            "reason": self.reason,
            "tokens_per_second": (
                None if self.tokens_per_second is None else round(self.tokens_per_second, 1)
            ),
        }


def recommend(
    catalog: Catalog,
    *,
    memory: Memory | None = None,
    physical_cores: int | None = None,
    languages: tuple[str, ...] | None = None,
    bandwidth: float | None = None,
    n_ctx: int | None = None,
) -> Recommendation | None:
    """The best openly licensed model that covers ``languages`` and runs well here.

    ``languages`` are ISO 639-1 codes (the user's, from the OS locale and the languages
    they translate into: :func:`desktop_slm.models.user_languages.user_languages`); None
    means the OS locale's language. A candidate is ranked in the catalog, openly licensed
    (Apache-2.0 or MIT) and not gated, lists every one of the languages, runs on the
    bundled llama.cpp, and "Runs well" in ``memory`` at ``n_ctx``. Of those the best
    ranked that writes at a readable speed (:data:`READABLE_TOKENS_PER_SECOND`, from
    ``bandwidth`` and ``physical_cores``) is the pick; when none is that fast, the
    fastest. None when no entry qualifies.
    """
    memory = memory or Memory.detect()
    cores = physical_cores or hardware.physical_cores()
    wanted = tuple(languages) if languages else (locale_language() or "en",)
    candidates = [
        e
        for e in catalog.entries
        if e.recommendable
        and e.covers(wanted)
        and e.engine_supported
        and e.fit(n_ctx=n_ctx, memory=memory) is Fit.RUNS_WELL
    ]
    if not candidates:
        return None
    bandwidth = bandwidth or measured_bandwidth()
    speeds = {e.id: e.tokens_per_second(bandwidth=bandwidth, cores=cores) for e in candidates}
    readable = [e for e in candidates if speeds[e.id] >= READABLE_TOKENS_PER_SECOND]
    if readable:
        entry = min(readable, key=lambda e: (e.recommend_rank or 0, e.parameters))
        why = "the best openly licensed model"
    else:
        entry = max(candidates, key=lambda e: speeds[e.id])
        why = "the fastest openly licensed model"
    speed = speeds[entry.id]
    reason = (
        f"{entry.display_name} is {why} for {language_names(wanted)} that runs well on "
        f"this computer: {entry.license} licence, {human_bytes(entry.expected_size_bytes)}, "
        f"{speed_label(speed)}."
    )
    return Recommendation(entry, reason, speed)


def default_catalog_path() -> Path:
    return resource_path("catalog.json")


def load_catalog(path: Path | None = None) -> Catalog:
    """Read and validate the catalog; a broken file raises :class:`CatalogError` naming it."""
    path = path or default_catalog_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(
            f"The model catalog {path} is missing. Reinstall the app, or search the Hub instead."
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CatalogError(
            f"The model catalog {path} cannot be read ({_reason(exc)}). "
            "Reinstall the app, or search the Hub instead."
        ) from None
    try:
        return _parse(data)
    except _Invalid as exc:
        raise CatalogError(
            f"The model catalog {path} is broken: {exc}. Fix or reinstall it, "
            "or search the Hub instead."
        ) from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON at line {exc.lineno}"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)


class _Invalid(Exception):
    pass


def _parse(data: object) -> Catalog:
    if not isinstance(data, dict):
        raise _Invalid("it does not hold a JSON object")
    version = data.get("schema_version")
    if isinstance(version, bool) or version not in _READABLE_VERSIONS:
        raise _Invalid(
            f"schema_version is {version!r}, this app reads versions up to {CATALOG_SCHEMA_VERSION}"
        )
    models = data.get("models")
    if not isinstance(models, list) or not models:
        raise _Invalid("'models' must be a non-empty list")
    entries: list[CatalogEntry] = []
    seen: set[str] = set()
    for index, raw in enumerate(models):
        if not isinstance(raw, dict):
            raise _Invalid(f"model #{index + 1} is not an object")
        entry = _entry(raw, index, needs_architecture=version >= 2)
        if entry.id in seen:
            raise _Invalid(f"the id '{entry.id}' appears twice")
        seen.add(entry.id)
        entries.append(entry)
    return Catalog(CATALOG_SCHEMA_VERSION, tuple(entries))


def _entry(raw: Mapping[str, object], index: int, *, needs_architecture: bool) -> CatalogEntry:
    where = f"model #{index + 1}"
    ident = raw.get("id")
    if isinstance(ident, str):
        where = f"model '{ident}'"

    def text(key: str) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise _Invalid(f"{where} needs a text '{key}'")
        return value

    def count(key: str) -> int:
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise _Invalid(f"{where} needs a positive whole number '{key}'")
        return value

    def flag(key: str) -> bool:
        value = raw.get(key, False)
        if not isinstance(value, bool):
            raise _Invalid(f"{where}: '{key}' must be true or false")
        return value

    def words(key: str) -> tuple[str, ...]:
        value = raw.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise _Invalid(f"{where} needs a non-empty list of texts '{key}'")
        return tuple(value)

    entry_id = text("id")
    if not _ID_RE.match(entry_id):
        raise _Invalid(f"{where}: the id must be lower-case letters, digits, '.', '-' or '_'")
    repo = text("repo")
    if not _REPO_RE.match(repo):
        raise _Invalid(f"{where}: '{repo}' is not a Hub repository id like 'owner/name'")
    strengths = words("strengths")
    unknown = sorted(set(strengths) - STRENGTHS)
    if unknown:
        raise _Invalid(f"{where}: unknown strengths {unknown} (known: {sorted(STRENGTHS)})")
    preferred_file = text("preferred_file")
    if not preferred_file.lower().endswith(".gguf"):
        raise _Invalid(f"{where}: preferred_file must be a .gguf file")
    rank = raw.get("recommend_rank")
    if rank is not None and (isinstance(rank, bool) or not isinstance(rank, int) or rank < 1):
        raise _Invalid(f"{where}: recommend_rank must be a positive number or null")
    architecture = text("architecture") if needs_architecture else None
    if architecture is not None and not _ID_RE.match(architecture):
        raise _Invalid(f"{where}: '{architecture}' is not an architecture name like 'qwen3'")
    notes = raw.get("notes", "")
    if not isinstance(notes, str):
        raise _Invalid(f"{where}: notes must be text")
    return CatalogEntry(
        id=entry_id,
        repo=repo,
        display_name=text("display_name"),
        parameters=count("parameters"),
        license=text("license"),
        open_license=flag("open_license"),
        languages=words("languages"),
        trained_context=count("trained_context"),
        strengths=strengths,
        preferred_quant=text("preferred_quant"),
        preferred_file=preferred_file,
        expected_size_bytes=count("expected_size_bytes"),
        kv_bytes_per_token=count("kv_bytes_per_token"),
        thinks_by_default=flag("thinks_by_default"),
        recommend_rank=rank,
        notes=notes,
        architecture=architecture,
        gated=flag("gated"),
    )

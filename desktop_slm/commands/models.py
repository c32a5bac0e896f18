"""``desktop-slm models ...``: list, recommend, search, download, switch, remove, import, verify,
clean."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from desktop_slm import APP_NAME
from desktop_slm.commands.common import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    cancel_on_sigint,
    note,
    number_between,
    positive_int,
    usage,
)
from desktop_slm.engine.hardware import human_bytes
from desktop_slm.errors import UserFacingError
from desktop_slm.models.formatting import file_set_notes, parameters_label, transfer_parts

if TYPE_CHECKING:
    from desktop_slm.models.catalog import CatalogEntry
    from desktop_slm.models.download import DownloadProgress
    from desktop_slm.models.hub import HubClient
    from desktop_slm.models.library import InstalledModel, ModelLibrary
    from desktop_slm.models.selection import ModelSelection

DEFAULT_QUANT = "Q4_K_M"


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    run_tools: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add ``models`` and its subcommands to the CLI."""
    del run_tools  # the model commands are not writing tools
    models = commands.add_parser("models", help="list, download and switch models")
    sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    listing = sub.add_parser("list", help="the installed models")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=_list)

    recommend = sub.add_parser(
        "recommend", help="the catalog model to start with on this computer, and why"
    )
    recommend.add_argument(
        "--ram",
        type=_gigabytes,
        metavar="GB",
        help="plan for a computer with this much memory (default: this one's free memory)",
    )
    recommend.add_argument(
        "--cores", type=positive_int, metavar="N", help="physical CPU cores (default: this one's)"
    )
    recommend.add_argument(
        "--language",
        type=_languages,
        action="append",
        metavar="LANG",
        help="a language the model must cover; repeat it or separate with commas "
        "(default: your locale and the languages in Preferences)",
    )
    recommend.add_argument("--json", action="store_true", help="print one JSON object")
    recommend.set_defaults(handler=_recommend)

    search = sub.add_parser("search", help="find GGUF models on the Hugging Face Hub")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--json", action="store_true", help="print a JSON array")
    search.set_defaults(handler=_search)

    files = sub.add_parser("files", help="a repository's GGUF files, sizes and fit here")
    files.add_argument("repo", metavar="REPO", help="Hub repository (owner/name) or catalog id")
    files.add_argument("--json", action="store_true", help="print one JSON object")
    files.set_defaults(handler=_files)

    pull = sub.add_parser("pull", help="download a model (resumes a partial download)")
    pull.add_argument("repo", metavar="REPO", help="Hub repository (owner/name) or catalog id")
    pull.add_argument("file", metavar="FILE", nargs="?", help="the .gguf file in the repository")
    pull.add_argument(
        "--quant", metavar="Q", help=f"choose the file by quantization, e.g. {DEFAULT_QUANT}"
    )
    pull.add_argument(
        "--yes", action="store_true", help="accept a restrictive licence without being asked"
    )
    pull.set_defaults(handler=_pull)

    use = sub.add_parser("use", help="make a model the one every tool uses")
    use.add_argument("model", metavar="ID|PATH")
    use.set_defaults(handler=_use)

    rm = sub.add_parser("rm", help="delete an installed model")
    rm.add_argument("model", metavar="ID")
    rm.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rm.set_defaults(handler=_rm)

    imp = sub.add_parser("import", help="add a .gguf file from this computer")
    imp.add_argument("path", metavar="PATH")
    imp.add_argument("--in-place", action="store_true", help="use the file where it is, no copy")
    imp.set_defaults(handler=_import)

    verify = sub.add_parser("verify", help="re-check installed files against their sha256")
    verify.add_argument("model", metavar="ID", nargs="?")
    verify.set_defaults(handler=_verify)

    clean = sub.add_parser("clean", help="delete files an interrupted run left behind")
    clean.add_argument("paths", metavar="PATH", nargs="*", help="leftovers shown by 'models list'")
    clean.add_argument("--all", action="store_true", help="every leftover 'models list' shows")
    clean.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    clean.set_defaults(handler=_clean)


# ---------------------------------------------------------------- helpers
def _library() -> ModelLibrary:
    from desktop_slm.models.library import ModelLibrary

    library = ModelLibrary()
    library.models()  # reads the file now, so a rebuild notice is shown first
    if library.notice:
        note(library.notice)
    return library


def _selection() -> ModelSelection:
    from desktop_slm.models.selection import ModelSelection

    return ModelSelection()


def _is_active(model: InstalledModel) -> bool:
    return _selection().is_active(model.path)


def _usage(action: str, message: str) -> int:
    return usage(f"models {action}", message)


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _repo_name(arg: str) -> str:
    """A catalog id stands for its repository."""
    if "/" in arg:
        return arg
    from desktop_slm.models.catalog import load_catalog

    entry = load_catalog().get(arg)
    if entry is None:
        raise UserFacingError(
            f"'{arg}' is neither a Hub repository (owner/name) nor a model in the catalog. "
            f"Find one with '{APP_NAME} models search WORDS'.",
            code="repo_not_found",
        )
    return entry.repo


def _hub() -> HubClient:
    from desktop_slm.models.hub import HubClient

    return HubClient()


# ---------------------------------------------------------------- list
def _list(args: argparse.Namespace) -> int:
    library = _library()
    models = library.models()
    selection = _selection()
    active_id = next((m.id for m in models if selection.is_active(m.path)), None)
    if args.json:
        print(json.dumps([m.to_dict(active=m.id == active_id) for m in models], indent=2))
        return EXIT_OK
    if not models:
        print(
            f"No models installed. Run '{APP_NAME} models pull REPO' or "
            f"'{APP_NAME} models import FILE.gguf', or open the Models tab."
        )
        _print_leftovers(library)
        return EXIT_OK
    rows = [["", "ID", "NAME", "QUANT", "SIZE", "ARCH", "PARAMS", "CONTEXT", "KIND", "FILE"]]
    for m in models:
        kind = "base" if m.is_base_model else "instruct"
        where = m.path + ("" if m.exists() else "  (missing)")
        rows.append(
            [
                "*" if m.id == active_id else "",
                m.id,
                m.name,
                m.quant,
                human_bytes(m.size_bytes),
                m.architecture,
                parameters_label(m.parameters),
                str(m.trained_context),
                kind,
                where,
            ]
        )
    print(_table(rows))
    print(f"\n{len(models)} models, {human_bytes(library.total_bytes())} in {library.folder}")
    if active_id is None:
        print(f"No active model: choose one with '{APP_NAME} models use ID'.")
    _print_leftovers(library)
    return EXIT_OK


def _print_leftovers(library: ModelLibrary) -> None:
    from desktop_slm.models.leftovers import LeftoverKind, find_leftovers

    leftovers = find_leftovers(library)
    if not leftovers:
        return
    print("\nLeft over from an interrupted run:")
    print(_table([[str(x.path), x.describe()] for x in leftovers]))
    if any(x.can_add for x in leftovers):
        print(f"Add a model file with '{APP_NAME} models import PATH'.")
    if any(x.kind is LeftoverKind.PARTIAL_DOWNLOAD for x in leftovers):
        print(f"Resume a download with '{APP_NAME} models pull REPO FILE'.")
    print(f"Delete one with '{APP_NAME} models clean PATH', or all with 'models clean --all'.")


# ---------------------------------------------------------------- recommend
# With --ram the computer is planned as freshly started with a browser open: this share
# of its memory is available to the model and everything else started later.
AVAILABLE_SHARE_OF_RAM = 0.7


def _gigabytes(value: str) -> float:
    return number_between(value, 0.5, 4096)


def _languages(value: str) -> tuple[str, ...]:
    from desktop_slm.languages import UnknownLanguage
    from desktop_slm.models.user_languages import parse_languages

    try:
        codes = parse_languages(value)
    except UnknownLanguage as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not codes:
        raise argparse.ArgumentTypeError("give a language, for example French or fr")
    return codes


def _recommend(args: argparse.Namespace) -> int:
    from desktop_slm.config import load_settings
    from desktop_slm.models.catalog import load_catalog, recommend
    from desktop_slm.models.fit import Memory
    from desktop_slm.models.user_languages import language_names, user_languages

    if args.language:
        languages = tuple(dict.fromkeys(c for group in args.language for c in group))
    else:
        languages = user_languages(load_settings().settings)
    memory = Memory.detect()
    if args.ram is not None:
        total = int(args.ram * 1_000_000_000)
        memory = Memory(total=total, available=int(total * AVAILABLE_SHARE_OF_RAM))
    pick = recommend(load_catalog(), memory=memory, physical_cores=args.cores, languages=languages)
    if pick is None:
        message = (
            f"No model in the catalog is openly licensed, covers {language_names(languages)} "
            f"and runs well with {human_bytes(memory.available)} of free memory. Close "
            f"other programs, or find one with '{APP_NAME} models search WORDS'."
        )
        if args.json:
            print(json.dumps({"recommended": None, "reason": message}, indent=2))
        else:
            note(message)
        return EXIT_FAILURE
    if args.json:
        print(json.dumps(pick.to_dict(), indent=2))
        return EXIT_OK
    e = pick.entry
    print(f"{e.display_name} ({e.id})")
    print(pick.reason)
    print(f"Get it with: {APP_NAME} models pull {e.id}")
    return EXIT_OK


# ---------------------------------------------------------------- search, files
def _search(args: argparse.Namespace) -> int:
    results = _hub().search(args.query)
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
        return EXIT_OK
    if not results:
        print(f"No GGUF models on the Hub match '{args.query}'.")
        return EXIT_OK
    rows = [["REPO", "DOWNLOADS", "LIKES", ""]]
    rows += [
        [r.repo, f"{r.downloads:,}", f"{r.likes:,}", "gated: needs a token" if r.gated else ""]
        for r in results
    ]
    print(_table(rows))
    return EXIT_OK


def _speed_here() -> Callable[[int], float]:
    """Expected tokens/s of a file of a given size on this computer."""
    from desktop_slm.engine.hardware import physical_cores
    from desktop_slm.models.fit import expected_tokens_per_second, measured_bandwidth

    bandwidth, cores = measured_bandwidth(), physical_cores()
    return lambda size: expected_tokens_per_second(size, bandwidth=bandwidth, cores=cores)


def _files(args: argparse.Namespace) -> int:
    from desktop_slm.models.fit import speed_label

    repo = _repo_name(args.repo)
    listing = _hub().list_files(repo)
    speeds = _speed_here()
    if args.json:
        payload = {
            "repo": listing.repo,
            "revision": listing.revision,
            "recommended": listing.recommended,
            "files": [
                {**s.to_dict(), "tokens_per_second": round(speeds(s.size), 1)} for s in listing.sets
            ],
        }
        print(json.dumps(payload, indent=2))
        return EXIT_OK
    if not listing.sets:
        print(f"'{repo}' has no GGUF files. Search for a GGUF version of the model.")
        return EXIT_OK
    rows = [["FILE", "QUANT", "SIZE", "FIT", "SPEED HERE", ""]]
    rows += [
        [
            s.name,
            s.quant or "?",
            human_bytes(s.size),
            str(s.fit),
            "" if s.is_projector else speed_label(speeds(s.size)),
            ", ".join(file_set_notes(s, listing.recommended)),
        ]
        for s in listing.sets
    ]
    print(_table(rows))
    return EXIT_OK


# ---------------------------------------------------------------- pull
def _choose_file(repo: str, quant: str | None) -> str:
    from desktop_slm.models.catalog import load_catalog

    listing = _hub().list_files(repo)
    usable = [s for s in listing.sets if not s.is_projector]
    if not usable:
        raise UserFacingError(
            f"'{repo}' has no GGUF files. Search for a GGUF version of the model.",
            code="file_not_found",
        )
    available = sorted({s.quant for s in usable if s.quant})
    if quant is not None:
        matches = [s for s in usable if s.quant == quant.upper()]
        if not matches:
            raise UserFacingError(
                f"'{repo}' has no {quant.upper()} file; it has {', '.join(available) or 'none'}. "
                "Choose one with --quant.",
                code="file_not_found",
            )
        return matches[0].files[0].path if not matches[0].is_split else matches[0].name
    entry = load_catalog().get(repo)
    preferred = entry.preferred_quant.upper() if entry else DEFAULT_QUANT
    for s in usable:
        if s.quant == preferred and not s.is_split:
            return s.files[0].path
    if listing.recommended:
        return listing.recommended
    if len(usable) == 1 and not usable[0].is_split:
        return usable[0].files[0].path
    raise UserFacingError(
        f"'{repo}' has no {preferred} file; choose one of {', '.join(available)} with --quant, "
        "or name the file.",
        code="file_not_found",
    )


class _ProgressPrinter:
    """Progress on stderr: one rewritten line on a terminal, a line per 10% otherwise."""

    def __init__(self) -> None:
        self._tty = sys.stderr.isatty()
        self._last_state: str | None = None
        self._last_decile = -1
        self._last_draw = 0.0
        self._started = False

    def __call__(self, p: DownloadProgress) -> None:
        from desktop_slm.models.download import JobState

        if p.state is not self._last_state:
            self._last_state = p.state
            if p.state is JobState.DOWNLOADING and not self._started:
                self._started = True
                self._line(f"downloading {p.filename} ({human_bytes(p.total)}) from {p.repo}")
            elif p.state is JobState.CHECKING:
                self._line(f"checking the {human_bytes(p.total)} already downloaded")
            elif p.state is JobState.VERIFYING:
                self._line("verifying sha256")
            elif p.state is JobState.RETRYING and p.message:
                self._line(p.message)
        if p.state is not JobState.DOWNLOADING or not p.total:
            return
        text = "  ".join([f"{p.fraction:4.0%}", *transfer_parts(p)])
        if self._tty:
            now = time.monotonic()
            if now - self._last_draw >= 0.2 or p.done == p.total:
                self._last_draw = now
                sys.stderr.write(f"\r{text:<70}")
                sys.stderr.flush()
        else:
            decile = int(p.fraction * 10)
            if decile != self._last_decile:
                self._last_decile = decile
                print(f"{APP_NAME}: {text}", file=sys.stderr, flush=True)

    def _line(self, text: str) -> None:
        if self._tty:
            sys.stderr.write("\r" + " " * 70 + "\r")
        print(f"{APP_NAME}: {text}", file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self._tty and self._last_state is not None:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _pull(args: argparse.Namespace) -> int:
    from desktop_slm.models.download import DownloadJob, DownloadRequest
    from desktop_slm.models.partials import part_path, partial_downloads

    if args.file and args.quant:
        return _usage("pull", "give either FILE or --quant, not both")
    repo = _repo_name(args.repo)
    entry = _catalog_entry(repo)
    if entry is not None and not entry.open_license and not _licence_accepted(entry, args.yes):
        return EXIT_OK if sys.stdin.isatty() else _usage("pull", _LICENCE_USAGE)
    library = _library()
    filename = args.file or _choose_file(repo, args.quant)
    request = DownloadRequest(repo, filename)
    part = part_path(library.paths, repo, filename)
    for partial in partial_downloads(library.paths):
        if partial.part_path == part:
            note(
                f"resuming {filename}: {human_bytes(partial.done)} of "
                f"{human_bytes(partial.remote.size)} already downloaded"
            )
    printer = _ProgressPrinter()
    job = DownloadJob(request, library, on_progress=printer)
    interrupted_note = (
        "interrupted; the partial download is kept. Run the same command again to resume."
    )
    try:
        # Ctrl+C pauses the job (it stops after the current chunk and keeps the part). A
        # handler that only sets a flag cannot be lost the way a KeyboardInterrupt raised
        # inside a finaliser or a library's cleanup can; a second Ctrl+C still aborts.
        with cancel_on_sigint(job.pause) as interrupted:
            model = job.run()
    except KeyboardInterrupt:
        printer.finish()
        note(interrupted_note)
        return EXIT_INTERRUPTED
    finally:
        printer.finish()
    if model is None:  # paused by Ctrl+C: nothing else pauses a job run from here
        note(interrupted_note)
        return EXIT_INTERRUPTED
    if interrupted.is_set():
        note("Ctrl+C came as the download finished; the model is installed.")
    note(f"installed '{model.id}': {model.display_name}, in {model.path}")
    if _is_active(model):
        note("it is now the active model")
    else:
        note(f"make it the active model with '{APP_NAME} models use {model.id}'")
    print(model.id)
    return EXIT_OK


_LICENCE_USAGE = "add --yes to accept the licence and download without being asked"


def _catalog_entry(repo: str) -> CatalogEntry | None:
    from desktop_slm.models.catalog import load_catalog

    return load_catalog().get(repo)


def _licence_accepted(entry: CatalogEntry, yes: bool) -> bool:
    """Show a restrictive licence before the download; True to go on (--yes, or "y")."""
    note(
        f"{entry.display_name} is under the '{entry.license}' licence, which restricts "
        f"some uses: read its terms on the model's Hub page ({entry.repo}) before use."
    )
    if yes:
        return True
    if not sys.stdin.isatty():
        return False
    answer = input("Accept the licence and download? [y/N] ")
    if answer.strip().lower() in ("y", "yes"):
        return True
    print("Nothing downloaded.")
    return False


# ---------------------------------------------------------------- use, rm, import, verify
def _use(args: argparse.Namespace) -> int:
    from pathlib import Path

    library = _library()
    model = library.resolve(args.model)
    if model is None:
        candidate = Path(args.model).expanduser()
        if "/" not in args.model and not args.model.endswith(".gguf"):
            raise UserFacingError(
                f"No installed model has the id '{args.model}'. "
                f"Run '{APP_NAME} models list' to see the installed models.",
                code="not_installed",
            )
        model = library.import_file(candidate, in_place=True)
        note(f"added {candidate} to the library as '{model.id}' (used in place)")
    _selection().choose(model.path)
    print(f"Active model: {model.display_name} ('{model.id}')")
    return EXIT_OK


def _rm(args: argparse.Namespace) -> int:
    library = _library()
    model = library.get(args.model)
    if not args.yes:
        if not sys.stdin.isatty():
            return _usage("rm", f"add --yes to delete '{model.id}' without being asked")
        what = "forget" if model.in_place else f"delete ({human_bytes(model.size_bytes)})"
        answer = input(f"{what.capitalize()} {model.display_name}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.")
            return EXIT_OK
    was_active = _is_active(model)
    library.remove(model.id)
    if model.in_place:
        print(f"Forgot '{model.id}'; the file {model.path} is left where it is.")
    else:
        print(f"Deleted '{model.id}' and freed {human_bytes(model.size_bytes)}.")
    if was_active:
        print(f"No model is active now: choose one with '{APP_NAME} models use ID'.")
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    library = _library()
    model = library.import_file(args.path, in_place=args.in_place)
    how = "used in place" if model.in_place else f"copied to {model.path}"
    note(f"imported {model.display_name} ({how})")
    if _selection().active_path() is None:
        _selection().choose(model.path)
        note("it is now the active model")
    print(model.id)
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    library = _library()
    models: list[InstalledModel] = [library.get(args.model)] if args.model else library.models()
    if not models:
        print("No models installed: nothing to verify.")
        return EXIT_OK
    failed = 0
    for model in models:
        result = library.verify(model.id)
        if result.ok:
            print(f"ok      {model.id}")
        else:
            failed += 1
            print(f"FAILED  {model.id}: {result.problem}")
    if failed:
        note(f"{failed} of {len(models)} models failed verification")
        return EXIT_FAILURE
    return EXIT_OK


# ---------------------------------------------------------------- clean
def _clean(args: argparse.Namespace) -> int:
    from desktop_slm.models.leftovers import delete_leftover, find_leftovers

    if bool(args.paths) == args.all:
        return _usage("clean", "give the PATHs of leftovers to delete, or --all")
    library = _library()
    paths = args.paths or [str(x.path) for x in find_leftovers(library)]
    if not paths:
        print("Nothing left over: there is nothing to clean.")
        return EXIT_OK
    if not args.yes:
        if not sys.stdin.isatty():
            return _usage("clean", "add --yes to delete leftovers without being asked")
        answer = input(f"Delete {len(paths)} leftover file(s)? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.")
            return EXIT_OK
    failures = 0
    for path in paths:
        try:
            gone = delete_leftover(library, path)
        except UserFacingError as exc:
            note(str(exc))
            failures += 1
            continue
        print(f"Deleted {gone.path} and freed {human_bytes(gone.size_bytes)}.")
    return EXIT_FAILURE if failures else EXIT_OK

"""The ``desktop-slm`` command: the window, a doctor, and the writing tools headless.

Exit codes: 0 success, 1 failure (one line on stderr says why), 2 usage error,
130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from desktop_slm import APP_NAME, __version__
from desktop_slm.errors import UserFacingError

log = logging.getLogger(__name__)

# Modules that add commands: each has ``register(commands, run_tools)`` adding
# subparsers whose defaults set ``handler`` (a function of the parsed arguments that
# returns an exit code). Kept as names so the CLI imports only what it runs.
COMMAND_MODULES: tuple[str, ...] = ("desktop_slm.commands.models", "desktop_slm.commands.tools")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # usage errors: one line, exit code 2
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog=APP_NAME,
        description="Desktop SLM: a private writing assistant running a small language "
        "model on this computer. Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--model", metavar="PATH_OR_ID", help="model (.gguf file) to use")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    doctor = commands.add_parser("doctor", help="report this computer, llama.cpp and folders")
    doctor.add_argument("--json", action="store_true", help="print one JSON object")
    doctor.set_defaults(handler=_doctor)

    run = commands.add_parser("run", help="run a writing tool without the window")
    tools = run.add_subparsers(dest="tool", metavar="TOOL", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands, tools)
    # The hidden "engine-worker" command is handled before parsing (see main), so it
    # never shows up in the help or in the "choose from" list of a usage error.
    return parser


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def _temperature(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0.0 <= number <= 2.0:  # also refuses nan
        raise argparse.ArgumentTypeError("must be between 0 and 2")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["check-template"]:  # hidden too: engine/template_guard.py
        from desktop_slm.engine.template_guard import child_main

        return child_main()
    if args_list[:1] == ["engine-worker"]:
        from desktop_slm.engine import worker

        return worker.main()
    window_model = _plain_launch(args_list)
    if window_model is not None:  # the everyday launch skips building every command's parser
        return _open_window(window_model or None)
    args = build_parser().parse_args(args_list)
    if args.command is None:
        return _open_window(args.model)

    from desktop_slm.logsetup import setup_logging

    paths = setup_logging()
    command: Callable[[argparse.Namespace], int] = args.handler
    try:
        code = command(args)
        sys.stdout.flush()  # a closed pipe must show up here, not at interpreter exit
    except UserFacingError as exc:
        _fail(str(exc))
        code = EXIT_FAILURE
    except KeyboardInterrupt:
        print(f"{APP_NAME}: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (e.g. "| head"); later writes to stdout must not fail too.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        _fail("the output was closed before everything was written (broken pipe).")
        code = EXIT_FAILURE
    except Exception as exc:  # a bug: the traceback goes to the log, one line to the user
        log.exception("unexpected error in %s", args.command)
        _fail(f"unexpected {type(exc).__name__}: {exc}. Details are in {paths.log_file}")
        code = EXIT_FAILURE
    return code


def _plain_launch(args_list: list[str]) -> str | None:
    """The model of a plain window launch (``""`` for none); None for anything else.

    ``desktop-slm`` and ``desktop-slm --model M`` open the window. Building the full
    parser imports every command module, which would delay the window's first paint.
    """
    if not args_list:
        return ""
    if len(args_list) == 1 and args_list[0].startswith("--model=") and args_list[0][8:]:
        return args_list[0][8:]
    if len(args_list) == 2 and args_list[0] == "--model" and not args_list[1].startswith("-"):
        return args_list[1]
    return None


def _open_window(model: str | None) -> int:
    try:
        from desktop_slm.ui.app import run_app
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in ("PySide6", "shiboken6"):
            raise
        _fail(
            f"the window needs PySide6, which cannot be loaded ({exc}). "
            f"The commands 'doctor' and 'run' work without it."
        )
        return EXIT_FAILURE
    screenshot = os.environ.get("DESKTOP_SLM_SCREENSHOT")
    if screenshot:  # the installer tests' picture of the window (desktop_slm.ui.screenshot)
        from desktop_slm.ui.screenshot import capture_main_window

        capture_main_window(Path(screenshot))
    return run_app(model=model)


def _fail(message: str) -> None:
    print(f"{APP_NAME}: error: {' '.join(message.split())}", file=sys.stderr)


def _model_choice(args: argparse.Namespace, settings_model: str | None) -> str | None:
    # The library's active model comes before the older settings.model_path.
    explicit = getattr(args, "tool_model", None) or args.model
    return explicit or _active_model_path() or settings_model


def _active_model_path() -> str | None:
    from desktop_slm.models.library import ModelLibrary

    active = ModelLibrary().active()
    return active.path if active else None


def _resolve_model(choice: str | None) -> Path:
    """A .gguf path from an installed model ID or a path (see ``_model_choice``)."""
    from desktop_slm.models.library import ModelLibrary

    library = ModelLibrary()
    if not choice:
        if library.models():
            raise UserFacingError(
                f"No model is active. Choose one with '{APP_NAME} models use ID' "
                "(see 'models list'), or pass --model PATH to a .gguf file."
            )
        raise UserFacingError(
            f"No model installed. Run '{APP_NAME} models pull REPO' or open the Models tab, "
            "or pass --model PATH to a .gguf file."
        )
    installed = library.resolve(choice)
    if installed is not None:
        return Path(installed.path)
    path = Path(choice).expanduser()
    if not path.exists() and "/" not in choice and not choice.lower().endswith(".gguf"):
        raise UserFacingError(
            f"No installed model has the ID '{choice}' and there is no file by that name. "
            f"Run '{APP_NAME} models list' to see the installed models."
        )
    return path


# ---------------------------------------------------------------- doctor
def doctor_report() -> dict[str, Any]:
    from desktop_slm.config import app_paths, load_settings
    from desktop_slm.engine import hardware
    from desktop_slm.engine.gguf_check import inspect_model

    hw = hardware.detect()
    report: dict[str, Any] = {
        "version": __version__,
        "python": sys.version.split()[0],
        "cpu": {
            "model": hw.cpu_model,
            "machine": hw.machine,
            "features": list(hw.cpu_flags),
            "physical_cores": hw.physical_cores,
            "logical_cores": hw.logical_cores,
        },
        "memory": {"total_bytes": hw.total_ram, "available_bytes": hw.available_ram},
        "folders": app_paths().as_dict(),
    }
    from desktop_slm.engine.backends import load_cpu_backend

    # First: it loads the CPU variant, without which system_info would be empty.
    report["cpu_backend"] = load_cpu_backend().as_dict()
    try:
        import llama_cpp

        report["llama_cpp"] = {
            "version": llama_cpp.__version__,
            "system_info": llama_cpp.llama_print_system_info().decode(errors="replace").strip(),
        }
    except Exception as exc:  # a broken build must still let the doctor speak
        report["llama_cpp"] = {"error": f"llama.cpp could not be loaded: {exc}"}
    loaded = load_settings()
    settings = loaded.settings
    report["settings"] = {
        "n_threads": settings.n_threads or f"auto ({hw.physical_cores})",
        "n_ctx": settings.n_ctx or "auto",
    }
    if loaded.notice:
        report["settings_notice"] = loaded.notice
    model: dict[str, Any] = {"path": settings.model_path}
    if settings.model_path:
        try:
            info = inspect_model(settings.model_path)
            model.update(
                name=info.display_name(),
                architecture=info.architecture,
                quantization=info.quantization,
                base_model=info.is_base_model,
                trained_context=info.context_length,
                size_bytes=info.file_size,
            )
        except UserFacingError as exc:
            model["error"] = str(exc)
    report["active_model"] = model
    return report


def _doctor(args: argparse.Namespace) -> int:
    from desktop_slm.engine.backends import describe as describe_backend
    from desktop_slm.engine.hardware import human_bytes

    report = doctor_report()
    if "settings_notice" in report:
        print(f"{APP_NAME}: {report['settings_notice']}", file=sys.stderr)
    if args.json:
        print(json.dumps(report, indent=2))
        return EXIT_OK
    cpu, mem = report["cpu"], report["memory"]
    lines = [
        f"{APP_NAME} {report['version']} (Python {report['python']})",
        f"CPU: {cpu['model']} ({cpu['machine']}), {cpu['physical_cores']} physical cores, "
        f"{cpu['logical_cores']} logical",
        f"CPU features: {' '.join(cpu['features']) or 'none detected'}",
        f"Memory: {human_bytes(mem['total_bytes'])} total, "
        f"{human_bytes(mem['available_bytes'])} available",
    ]
    llama = report["llama_cpp"]
    lines.append(
        f"llama.cpp: {llama.get('version', '?')} {llama.get('system_info', '')}"
        if "error" not in llama
        else f"llama.cpp: {llama['error']}"
    )
    lines.append(f"llama.cpp CPU backend: {describe_backend(report['cpu_backend'])}")
    lines += [f"{name.replace('_', ' ')}: {path}" for name, path in report["folders"].items()]
    model = report["active_model"]
    if not model["path"]:
        lines.append("Active model: none chosen")
    elif "error" in model:
        lines.append(f"Active model: {model['error']}")
    else:
        lines.append(f"Active model: {model['name']} ({model['path']})")
    print("\n".join(lines))
    return EXIT_OK


# ---------------------------------------------------------------- shared by run commands
def _read_notes(source: str | None) -> str:
    if source in (None, "-"):
        if source is None and sys.stdin.isatty():
            raise _UsageError("give the notes with --input FILE or on standard input")
        try:
            # Bytes, decoded strictly: a C/POSIX locale would let bad bytes through as
            # surrogates that only fail later, deep inside the engine.
            buffer = getattr(sys.stdin, "buffer", None)
            if buffer is None:
                return sys.stdin.read()
            text: str = buffer.read().decode("utf-8")
            return text.replace("\r\n", "\n")  # as text mode would
        except UnicodeDecodeError:
            raise UserFacingError("The notes on standard input are not UTF-8 text.") from None
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserFacingError(f"Input file {path} does not exist.") from None
    except UnicodeDecodeError:
        raise UserFacingError(f"Input file {path} is not UTF-8 text.") from None
    except OSError as exc:
        raise UserFacingError(f"Cannot read input file {path}: {exc.strerror}.") from None


class _UsageError(Exception):
    pass


@contextlib.contextmanager
def cancel_on_sigint(cancel: Callable[[], None]) -> Iterator[threading.Event]:
    """While inside, Ctrl+C calls ``cancel`` and sets the event; a second Ctrl+C aborts.

    ``cancel`` runs on a thread of its own: it may block, a signal handler must not.
    """
    interrupted = threading.Event()

    def on_sigint(_signum: int, _frame: object) -> None:
        if interrupted.is_set():
            raise KeyboardInterrupt
        interrupted.set()
        threading.Thread(target=cancel, daemon=True).start()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


if __name__ == "__main__":  # pragma: no cover
    os._exit(main())

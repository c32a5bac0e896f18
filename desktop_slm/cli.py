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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from desktop_slm import APP_NAME, __version__
from desktop_slm.errors import UserFacingError

log = logging.getLogger(__name__)

# Modules that add commands: each has ``register(commands, run_tools)`` adding
# subparsers whose defaults set ``handler`` (a function of the parsed arguments that
# returns an exit code). Kept as names so the CLI imports only what it runs.
COMMAND_MODULES: tuple[str, ...] = ()

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # usage errors: one line, exit code 2
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from desktop_slm.tools.email import LENGTHS, TONES

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
    email = tools.add_parser("email", help="write an email from notes")
    email.add_argument(
        "--model", dest="tool_model", metavar="PATH_OR_ID", help="model (.gguf file) to use"
    )
    email.add_argument(
        "--input",
        metavar="FILE|-",
        help="file with the notes, or - for standard input (the default)",
    )
    email.add_argument("--tone", choices=list(TONES), default=None)
    email.add_argument("--length", choices=list(LENGTHS), default=None)
    email.add_argument("--language", default=None)
    email.add_argument("--recipient", default="")
    email.add_argument("--sign-off", default="")
    email.add_argument("--max-tokens", type=_positive_int, default=None)
    email.add_argument("--temperature", type=_temperature, default=None)
    email.add_argument("--seed", type=int, default=None)
    email.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object with the text, model, tokens and timings",
    )
    email.set_defaults(handler=_run_email)
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
    if args_list[:1] == ["engine-worker"]:
        from desktop_slm.engine import worker

        return worker.main()
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
    return run_app(model=model)


def _fail(message: str) -> None:
    print(f"{APP_NAME}: error: {' '.join(message.split())}", file=sys.stderr)


def _model_choice(args: argparse.Namespace, settings_model: str | None) -> str | None:
    return getattr(args, "tool_model", None) or args.model or settings_model


def _resolve_model(choice: str | None) -> Path:
    if not choice:
        raise UserFacingError(
            "No model chosen. Pass --model PATH to a .gguf file, or choose one in the window."
        )
    return Path(choice).expanduser()


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


# ---------------------------------------------------------------- run email
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


def _run_email(args: argparse.Namespace) -> int:
    from desktop_slm.config import load_settings
    from desktop_slm.engine.client import EngineClient
    from desktop_slm.engine.protocol import Completion, SamplingOptions
    from desktop_slm.tools import email
    from desktop_slm.tools.prompt import stream

    loaded = load_settings()
    if loaded.notice:
        print(f"{APP_NAME}: {loaded.notice}", file=sys.stderr)
    settings = loaded.settings
    # Before reading the notes: a missing model must not wait for standard input first.
    model_path = _resolve_model(_model_choice(args, settings.model_path))
    try:
        notes = _read_notes(args.input)
    except _UsageError as exc:
        print(f"{APP_NAME} run email: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    request = email.EmailRequest(
        notes=notes,
        tone=args.tone or settings.email_tone,
        length=args.length or settings.email_length,
        language=args.language or settings.email_language,
        recipient=args.recipient,
        sign_off=args.sign_off,
    )
    try:
        prompt = email.build(request)
    except email.EmailOptionError as exc:
        raise UserFacingError(str(exc)) from None
    options = SamplingOptions(
        max_tokens=args.max_tokens or prompt.suggested_max_tokens,
        temperature=settings.temperature if args.temperature is None else args.temperature,
        seed=args.seed,
    )

    with EngineClient() as client:
        active = client.load(model_path, n_ctx=settings.n_ctx, n_threads=settings.n_threads)
        print(f"{APP_NAME}: model {active.info.display_name()}", file=sys.stderr)
        interrupted = threading.Event()

        def on_sigint(_signum: int, _frame: object) -> None:
            if interrupted.is_set():
                raise KeyboardInterrupt
            interrupted.set()
            threading.Thread(target=client.cancel, daemon=True).start()

        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            result: Completion | None = None
            for event in stream(client, prompt, options):
                if isinstance(event, Completion):
                    result = event
                elif not args.json:
                    sys.stdout.write(event.text)
                    sys.stdout.flush()
        finally:
            signal.signal(signal.SIGINT, previous)
        assert result is not None
        if interrupted.is_set() or result.cancelled:
            if not args.json:
                sys.stdout.write("\n")
            print(f"{APP_NAME}: interrupted; generation stopped", file=sys.stderr)
            return EXIT_INTERRUPTED
        if args.json:
            draft = email.split_subject(result.text)
            payload = {
                **result.to_dict(),
                "subject": draft.subject,
                "body": draft.body,
                "model": {
                    "path": str(active.info.path),
                    "name": active.info.display_name(),
                    "base_model": active.info.is_base_model,
                    "n_ctx": active.loaded.n_ctx,
                    "n_threads": active.loaded.n_threads,
                },
            }
            print(json.dumps(payload, ensure_ascii=False))
        else:
            if not result.text.endswith("\n"):
                sys.stdout.write("\n")
            t = result.timings
            print(
                f"{APP_NAME}: {result.completion_tokens} tokens, "
                f"{t.tokens_per_s:.1f} tokens/s, first token after {t.ttft_s:.2f} s",
                file=sys.stderr,
            )
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    os._exit(main())

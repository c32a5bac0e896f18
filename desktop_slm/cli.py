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
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from desktop_slm import APP_NAME, __version__
from desktop_slm.commands.common import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    fail,
)
from desktop_slm.errors import UserFacingError

log = logging.getLogger(__name__)

# Modules that add commands: each has ``register(commands, run_tools)`` adding
# subparsers whose defaults set ``handler`` (a function of the parsed arguments that
# returns an exit code). Kept as names so the CLI imports only what it runs.
COMMAND_MODULES: tuple[str, ...] = (
    "desktop_slm.commands.models",
    "desktop_slm.commands.tools",
    "desktop_slm.commands.check",
)


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # usage errors: one line, exit code 2
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog=APP_NAME,
        description="Desktop SLM: a private writing assistant running a small language "
        "model on this computer. Without a command, opens the window: "
        f"{APP_NAME} [--model M] [FILE] (FILE opens in the Summarize tab; when the window "
        "is already open, it gets the model and the file).",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--model", metavar="PATH_OR_ID", help="model (.gguf file) to use")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    doctor = commands.add_parser("doctor", help="report this computer, llama.cpp and folders")
    doctor.add_argument("--json", action="store_true", help="print one JSON object")
    from desktop_slm.commands.server import add_option

    add_option(doctor)
    doctor.set_defaults(handler=_doctor)

    run = commands.add_parser("run", help="run a writing tool without the window")
    tools = run.add_subparsers(dest="tool", metavar="TOOL", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands, tools)
    # The hidden "engine-worker" command is handled before parsing (see main), so it
    # never shows up in the help or in the "choose from" list of a usage error.
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["check-template"]:  # hidden too: engine/template_guard.py
        from desktop_slm.engine.template_guard import child_main

        return child_main()
    if args_list[:1] == ["engine-worker"]:
        from desktop_slm.engine import worker

        return worker.main()
    launch = _plain_launch(args_list)
    if launch is not None:  # the everyday launch skips building every command's parser
        return _open_window(*launch)
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
        fail(str(exc))
        code = EXIT_FAILURE
    except KeyboardInterrupt:
        print(f"{APP_NAME}: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (e.g. "| head"); later writes to stdout must not fail too.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        fail("the output was closed before everything was written (broken pipe).")
        code = EXIT_FAILURE
    except Exception as exc:  # a bug: the traceback goes to the log, one line to the user
        log.exception("unexpected error in %s", args.command)
        fail(f"unexpected {type(exc).__name__}: {exc}. Details are in {paths.log_file}")
        code = EXIT_FAILURE
    return code


def _plain_launch(args_list: list[str]) -> tuple[str | None, str | None] | None:
    """The model and document of a window launch; None for anything else.

    ``desktop-slm [--model M] [FILE]`` opens the window (FILE in the Summarize tab).
    Building the full parser imports every command module, which would delay the
    window's first paint.
    """
    model: str | None = None
    document: str | None = None
    rest = list(args_list)
    while rest:
        arg = rest.pop(0)
        if arg.startswith("--model=") and arg[8:] and model is None:
            model = arg[8:]
        elif arg == "--model" and rest and not rest[0].startswith("-") and model is None:
            model = rest.pop(0)
        elif arg.startswith("-") or document is not None or arg in _COMMANDS:
            return None  # an option, a command or a second file: the full parser decides
        else:
            document = arg
    return model, document


_COMMANDS = ("doctor", "run", "models", "check", "engine-worker")


def _open_window(model: str | None, document: str | None = None) -> int:
    if document is not None and not Path(document).expanduser().is_file():
        build_parser().error(f"there is no file or command {document!r} (see --help)")
    try:
        from desktop_slm.ui.app import run_app
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in ("PySide6", "shiboken6"):
            raise
        fail(
            f"the window needs PySide6, which cannot be loaded ({exc}). "
            f"The commands 'doctor' and 'run' work without it."
        )
        return EXIT_FAILURE
    screenshot = os.environ.get("DESKTOP_SLM_SCREENSHOT")
    if screenshot:  # the installer tests' picture of the window (desktop_slm.ui.screenshot)
        from desktop_slm.ui.screenshot import capture_main_window

        capture_main_window(Path(screenshot))
    return run_app(model=model, document=document)


# ---------------------------------------------------------------- doctor
def doctor_report(server: str | None = None) -> dict[str, Any]:
    """This computer, llama.cpp, the folders and the engine in use (``server``: a team
    server's address, which is asked for its models)."""
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
    from desktop_slm.models.selection import ModelSelection

    loaded = load_settings()
    selection = ModelSelection()
    active_path = selection.active_path()
    tuning = selection.settings_for(active_path, loaded.settings)
    report["settings"] = {
        "n_threads": tuning.n_threads or f"auto ({hw.physical_cores})",
        "n_ctx": tuning.n_ctx or "auto",
        "temperature": tuning.temperature,
        "max_tokens": tuning.max_tokens,
        "remembered_for_model": bool(
            active_path and selection.remembered(active_path, loaded.settings)
        ),
    }
    if loaded.notice:
        report["settings_notice"] = loaded.notice
    from desktop_slm.engine.power import SystemPower

    power = SystemPower().read()
    report["power"] = {
        "on_battery": power.on_battery,
        "battery_percent": power.battery_percent,
        "power_saver": power.power_saver,
        "save_power": power.save_power,
        "prepare_on_battery": loaded.settings.prepare_on_battery,
        "description": power.describe(),
    }
    model: dict[str, Any] = {"path": active_path}
    if active_path:
        try:
            info = inspect_model(active_path)
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
    from desktop_slm.commands.server import describe_engine

    report["engine"] = describe_engine(server)
    return report


def _doctor(args: argparse.Namespace) -> int:
    from desktop_slm.commands.server import chosen_server, engine_line
    from desktop_slm.engine.backends import describe as describe_backend
    from desktop_slm.engine.hardware import human_bytes

    report = doctor_report(chosen_server(args))
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
    lines.append(engine_line(report["engine"]))
    tuning = report["settings"]
    lines.append(
        f"Model settings: context {tuning['n_ctx']}, temperature {tuning['temperature']}, "
        f"answers up to {tuning['max_tokens']} tokens, threads {tuning['n_threads']} "
        + ("(remembered for this model)" if tuning["remembered_for_model"] else "(global)")
    )
    power = report["power"]
    paused = power["save_power"] and not power["prepare_on_battery"]
    lines.append(
        f"Power: {power['description']}"
        + ("; the window prepares nothing and suggests nothing while you type" if paused else "")
    )
    print("\n".join(lines))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    os._exit(main())

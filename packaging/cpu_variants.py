"""Evidence that one installed build runs on old and new x86-64 CPUs (packaging/README.md).

For the native CPU and for each emulated CPU model given (Debian's qemu-user):

* ``desktop-slm doctor --json`` in that CPU: which llama.cpp CPU variant it loads;
* the installed app's engine worker (``desktop-slm engine-worker``) in that CPU,
  driven by the app's own :class:`EngineClient`: the variant the worker loaded (its
  ``hello``), then a short chat generation with the model, with its timings.

    .venv/bin/python packaging/cpu_variants.py --model M.gguf --cpu Nehalem --cpu SandyBridge

qemu-user does not follow ``exec``: the worker is started under qemu directly, and
PyInstaller's launcher, which re-executes itself once on Linux after setting
LD_LIBRARY_PATH, is given the environment of that second start (its private
``_PYI_*`` variables, PyInstaller 6) so that it runs on in the emulator.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop_slm.engine import client as engine_client  # noqa: E402
from desktop_slm.engine.protocol import Completion, SamplingOptions  # noqa: E402

PROMPT = [{"role": "user", "content": "Write one short sentence thanking the team for the launch."}]


def launcher_restarted_env(app: str) -> dict[str, str]:
    """What PyInstaller's launcher sets before it re-executes itself (seen in /proc/PID/environ)."""
    return {
        "_PYI_ARCHIVE_FILE": app,
        "_PYI_PARENT_PROCESS_LEVEL": "-1",
        "_PYI_LINUX_PROCESS_NAME": Path(app).name,
        "LD_LIBRARY_PATH": str(Path(app).parent / "_internal"),
    }


def run_on(cpu: str | None, app: str, model: str, max_tokens: int) -> dict[str, object]:
    prefix = [] if cpu is None else [shutil.which("qemu-x86_64") or "qemu-x86_64", "-cpu", cpu]
    name = cpu or "native"
    saved = dict(os.environ)
    if cpu is not None:
        os.environ.update(launcher_restarted_env(app))  # the client's worker inherits it
    try:
        return _run(prefix, name, app, model, max_tokens)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _run(prefix: list[str], name: str, app: str, model: str, max_tokens: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="cpu-variants-") as home:
        env = {**os.environ, "DESKTOP_SLM_HOME": home}
        started = time.monotonic()
        doctor = subprocess.run(
            [*prefix, app, "doctor", "--json"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            timeout=600,
        )
        doctor_s = time.monotonic() - started
    report = json.loads(doctor.stdout)
    engine_client.HELLO_TIMEOUT_S = 600.0  # Python starts slowly in an emulator
    client = engine_client.EngineClient(command=[*prefix, app, "engine-worker"])
    try:
        client.load(model, n_ctx=1024, n_threads=2)
        hello = client.hello
        options = SamplingOptions(max_tokens=max_tokens, temperature=0.0, seed=1)
        done = list(client.chat(PROMPT, options))[-1]
        assert isinstance(done, Completion)
    finally:
        client.close()
    return {
        "cpu": name,
        "doctor_variant": report["cpu_backend"]["variant"],
        "doctor_library": report["cpu_backend"]["library"],
        "doctor_s": round(doctor_s, 1),
        "cpu_flags": " ".join(report["cpu"]["features"]),
        "worker_variant": hello["cpu_backend"]["variant"],
        "worker_features": " ".join(hello["cpu_backend"]["features"]),
        "tokens": done.completion_tokens,
        "tokens_per_s": done.timings.tokens_per_s,
        "text": done.text.strip(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default="/usr/lib/desktop-slm/desktop-slm")
    parser.add_argument("--model", required=True)
    parser.add_argument("--cpu", action="append", default=[], help="a qemu -cpu model")
    parser.add_argument("--max-tokens", type=int, default=16)
    args = parser.parse_args()
    for cpu in [None, *args.cpu]:
        result = run_on(cpu, args.app, args.model, args.max_tokens)
        print(json.dumps(result, indent=1), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

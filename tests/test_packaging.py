"""The installers' sources: icons, desktop metadata, build-script rules, the CPU backend report.

The installers themselves are built and exercised by ``packaging/test-deb.sh`` (a CI
stage of its own: it builds, installs and purges a real .deb). These tests are the
fast part that runs with every ``make test``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from desktop_slm import __version__
from desktop_slm.engine import backends

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
LINUX = PACKAGING / "linux"


def _load(name: str) -> ModuleType:
    sys.path.insert(0, str(PACKAGING))
    try:
        spec = importlib.util.spec_from_file_location(name, PACKAGING / f"{name}.py")
        assert spec
        assert spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(PACKAGING))


app_info = _load("app_info")
icons = _load("icons")
build = _load("build")


# ---------------------------------------------------------------- icons
@pytest.mark.parametrize("size", icons.SIZES)
def test_each_icon_png_has_its_size_and_stays_small(size: int) -> None:
    data = icons.png_path(size).read_bytes()
    assert icons._png_size(data) == (size, size)
    assert len(data) <= 20_000, f"{size}px icon is {len(data)} bytes"


def test_windows_icon_holds_every_size_as_png(tmp_path: Path) -> None:
    data = icons.write_ico(tmp_path / "app.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, len(icons.ICO_SIZES))
    sizes = []
    for i in range(count):
        width, _h, _c, _r, _p, _b, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * i : 22 + 16 * i]
        )
        assert data[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"
        assert offset + length <= len(data)
        sizes.append(width or 256)
    assert sizes == list(icons.ICO_SIZES)


def test_macos_icon_family_is_well_formed(tmp_path: Path) -> None:
    data = icons.write_icns(tmp_path / "app.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    kinds, pos = [], 8
    while pos < len(data):
        kind, length = data[pos : pos + 4], struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        assert data[pos + 8 : pos + 16] == b"\x89PNG\r\n\x1a\n"
        kinds.append(kind)
        pos += length
    assert pos == len(data)
    assert {b"ic07", b"ic08", b"ic09"} <= set(kinds)


# ---------------------------------------------------------------- desktop metadata
def test_desktop_entry_and_metainfo_agree_on_the_app_id() -> None:
    desktop = (LINUX / f"{app_info.APP_ID}.desktop").read_text(encoding="utf-8")
    metainfo = (LINUX / f"{app_info.APP_ID}.metainfo.xml").read_text(encoding="utf-8")
    assert f"<id>{app_info.APP_ID}</id>" in metainfo
    assert f'<launchable type="desktop-id">{app_info.APP_ID}.desktop</launchable>' in metainfo
    assert re.search(rf"^Exec={app_info.EXECUTABLE}$", desktop, re.MULTILINE)
    assert re.search(rf"^Icon={app_info.EXECUTABLE}$", desktop, re.MULTILINE)
    assert f'<release version="{__version__}"' in metainfo, "add the release to the metainfo"


# desktop-file-validate and appstreamcli run in packaging/test-deb.sh (CI installs them).


def test_every_lintian_override_gives_its_reason() -> None:
    lines = (LINUX / "debian" / "lintian-overrides").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("desktop-slm:"):
            block = lines[:i]
            previous = next(x for x in reversed(block) if not x.startswith("desktop-slm:"))
            assert previous.startswith("#"), f"override without a reason: {line}"


# ---------------------------------------------------------------- build script rules
@pytest.mark.parametrize(
    ("python_version", "deb"),
    [("0.1.0", "0.1.0-1"), ("0.2.0rc1", "0.2.0~rc1-1"), ("1.0.0b2", "1.0.0~b2-1")],
)
def test_deb_versions_sort_like_python_versions(
    monkeypatch: pytest.MonkeyPatch, python_version: str, deb: str
) -> None:
    monkeypatch.setattr(build.app_info, "version", lambda: python_version)
    assert build.deb_version() == deb


def test_the_wheel_cache_is_keyed_by_the_cmake_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    portable = build.wheel_dir()
    monkeypatch.setattr(build, "PORTABLE_CMAKE_ARGS", "-DGGML_NATIVE=ON")
    assert build.wheel_dir() != portable


def test_only_a_wheel_with_cpu_variants_counts_as_portable(tmp_path: Path) -> None:
    native, portable = tmp_path / "native.whl", tmp_path / "portable.whl"
    with zipfile.ZipFile(native, "w") as whl:
        whl.writestr("llama_cpp/lib/libggml-cpu.so", b"")
        whl.writestr("llama_cpp/lib/libllama.so", b"")
    with zipfile.ZipFile(portable, "w") as whl:
        for variant in ("x64", "sse42", "haswell"):
            whl.writestr(f"bin/libggml-cpu-{variant}.so", b"")
    assert not build.is_portable_wheel(native)
    assert build.is_portable_wheel(portable)


def test_the_spec_and_the_build_script_name_the_same_entry_points() -> None:
    spec = (PACKAGING / "desktop-slm.spec").read_text(encoding="utf-8")
    assert "launch.py" in spec
    assert (PACKAGING / "launch.py").is_file()
    workflow = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    for target in ("windows", "macos"):
        assert f"packaging/build.py {target}" in workflow
    # Linux: the release job runs the same end-to-end test as CI, which runs `make deb`.
    assert "packaging/test-deb.sh" in workflow
    assert "packaging/build.py deb" in (ROOT / "Makefile").read_text(encoding="utf-8")
    assert build.PORTABLE_CMAKE_ARGS.split()[-1] == "-DGGML_CPU_ALL_VARIANTS=ON"


# ---------------------------------------------------------------- the CPU backend report
@pytest.mark.parametrize(
    ("name", "variant"),
    [
        ("libggml-cpu-haswell.so", "haswell"),
        ("libggml-cpu-sse42.so", "sse42"),
        ("ggml-cpu-x64.dll", "x64"),
        ("libggml-cpu-apple_m2_m3.so", "apple_m2_m3"),
        ("libggml-cpu.so", None),
        ("libggml-cpu.so.0", None),
    ],
)
def test_variant_names_are_read_from_library_files(name: str, variant: str | None) -> None:
    match = backends._VARIANT_FILE.match(name)
    assert match is not None
    assert match.group("variant") == variant


def test_variants_are_looked_for_in_the_bundle_then_where_pip_puts_them(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "llama_cpp"
    assert backends.variant_dirs(package) == [package / "lib", tmp_path / "site-packages" / "bin"]


def test_doctor_reports_the_cpu_backend_llama_cpp_runs(app_home: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "desktop_slm", "doctor", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=os.environ.copy(),
    )
    assert proc.returncode == 0, proc.stderr
    backend = json.loads(proc.stdout)["cpu_backend"]
    assert "error" not in backend
    library = Path(backend["library"])
    assert library.is_file()
    assert "ggml-cpu" in library.name
    assert backend["features"], "llama.cpp names the instruction sets it was built for"
    assert backend["variant"] == backends._VARIANT_FILE.match(library.name).group("variant")  # type: ignore[union-attr]
    text = subprocess.run(
        [sys.executable, "-m", "desktop_slm", "doctor"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=os.environ.copy(),
    ).stdout
    line = next(x for x in text.splitlines() if x.startswith("llama.cpp CPU backend:"))
    assert library.name in line


def test_the_window_saves_a_screenshot_for_the_installer_tests(
    app_home: Path, tmp_path: Path
) -> None:
    picture = tmp_path / "window.png"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "DESKTOP_SLM_SCREENSHOT": str(picture),
        "DESKTOP_SLM_SCREENSHOT_DELAY_MS": "200",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "desktop_slm"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert "screenshot saved (offscreen, " in proc.stdout
    data = picture.read_bytes()
    width, height = struct.unpack(">II", data[16:24])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert width > 400
    assert height > 300

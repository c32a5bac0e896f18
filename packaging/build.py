#!/usr/bin/env python3
"""Build Desktop SLM's installers; one entry point for every platform (stdlib only).

    python3 packaging/build.py wheel    the portable llama-cpp-python wheel (cached)
    python3 packaging/build.py freeze   the PyInstaller folder dist/desktop-slm/
    python3 packaging/build.py deb      Linux: dist/desktop-slm_<version>-1_amd64.deb (+ lintian)
    python3 packaging/build.py windows  Windows: dist/DesktopSLM-<version>-setup.exe (Inno Setup)
    python3 packaging/build.py macos    macOS: dist/DesktopSLM-<version>-<arch>.dmg

Every step runs the ones before it. The build happens in its own virtual
environment (build/pkg-venv) with llama-cpp-python built for portability; the
developer's .venv is never used or changed. Environment:

    DESKTOP_SLM_BUILD_CACHE  where portable wheels are kept (~/.cache/desktop-slm-build)
    DESKTOP_SLM_BUILD_VENV   the build venv (build/pkg-venv)
    DESKTOP_SLM_CODESIGN_IDENTITY, DESKTOP_SLM_NOTARY_PROFILE  macOS signing (optional)
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from datetime import UTC, datetime
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
sys.path.insert(0, str(PACKAGING))
import app_info  # noqa: E402

BUILD = ROOT / "build"
DIST = ROOT / "dist"
SPEC = PACKAGING / "desktop-slm.spec"
# llama.cpp for every x86-64 CPU: each CPU generation's code in its own library,
# the best one picked at run time (ARM Macs get apple_m1/m2_m3/m4 variants).
PORTABLE_CMAKE_ARGS = (
    "-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON"
)
BUILD_TOOLS = ("pyinstaller==6.22.3", "pyinstaller-hooks-contrib==2026.9")
IS_LINUX, IS_MACOS, IS_WINDOWS = (
    sys.platform.startswith("linux"),
    sys.platform == "darwin",
    sys.platform == "win32",
)


def say(message: str) -> None:
    print(f"[build] {message}", flush=True)


def run(cmd: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a command at low priority (shared build machines), failing loudly."""
    args = [str(c) for c in cmd]
    if os.name == "posix" and shutil.which("nice"):
        args = ["nice", "-n", "10", *args]
    return subprocess.run(args, check=True, text=True, **kwargs)  # type: ignore[call-overload, no-any-return]


def pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def llama_requirement() -> str:
    deps = pyproject()["project"]["dependencies"]  # type: ignore[index]
    for dep in deps:  # type: ignore[attr-defined]
        if re.match(r"^llama-cpp-python\s*==", dep):
            return str(dep).replace(" ", "")
    raise SystemExit("pyproject.toml must pin llama-cpp-python with == for packaging")


# ------------------------------------------------------------------ the portable wheel
def cache_root() -> Path:
    env = os.environ.get("DESKTOP_SLM_BUILD_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "desktop-slm-build"


def wheel_dir() -> Path:
    """One folder per (version, flags, platform): pip's own cache ignores CMAKE_ARGS."""
    key = "\n".join(
        [llama_requirement(), PORTABLE_CMAKE_ARGS, sys.platform, platform.machine().lower()]
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    version = llama_requirement().split("==")[1]
    return cache_root() / "wheels" / f"llama-cpp-python-{version}-{digest}"


def is_portable_wheel(wheel: Path) -> bool:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    variants = [n for n in names if re.search(r"(^|/)(lib)?ggml-cpu-[\w]+\.(so|dll|dylib)$", n)]
    return len(variants) >= 2


def ensure_wheel() -> Path:
    folder = wheel_dir()
    version = llama_requirement().split("==")[1]
    for wheel in sorted(folder.glob(f"llama_cpp_python-{version}-*.whl")):
        if is_portable_wheel(wheel):
            say(f"portable llama-cpp-python wheel (cached): {wheel}")
            return wheel
    say(f"building llama-cpp-python {version} for portability (CMAKE_ARGS={PORTABLE_CMAKE_ARGS})")
    say("this compiles llama.cpp once per CPU variant: about 25 minutes on 2 cores")
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "build.log"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="llama-wheel-") as tmp, log.open("w") as out:
        env = {**os.environ, "CMAKE_ARGS": PORTABLE_CMAKE_ARGS, "FORCE_CMAKE": "1"}
        try:
            run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "wheel",
                    "--no-cache-dir",
                    "--no-deps",
                    "--no-binary",
                    "llama-cpp-python",
                    "-w",
                    tmp,
                    llama_requirement(),
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        except subprocess.CalledProcessError:
            raise SystemExit(f"building llama-cpp-python failed; the log is {log}") from None
        built = next(Path(tmp).glob("llama_cpp_python-*.whl"))
        if not is_portable_wheel(built):
            raise SystemExit(f"{built.name} has no CPU variant libraries; see {log}")
        wheel = folder / built.name
        shutil.move(built, wheel)
    say(f"built {wheel} in {time.monotonic() - started:.0f} s")
    return wheel


# ------------------------------------------------------------------ the build venv
def venv_dir() -> Path:
    env = os.environ.get("DESKTOP_SLM_BUILD_VENV")
    return Path(env) if env else BUILD / "pkg-venv"


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if IS_WINDOWS else "bin/python")


def ensure_venv(wheel: Path) -> Path:
    venv = venv_dir()
    project = pyproject()["project"]
    stamp_data = {
        "python": sys.version,
        "executable": sys.executable,
        "wheel": wheel.name,
        "wheel_size": wheel.stat().st_size,
        "dependencies": project["dependencies"],  # type: ignore[index]
        "tools": list(BUILD_TOOLS),
    }
    stamp = venv / "desktop-slm-build.json"
    if stamp.is_file() and json.loads(stamp.read_text()) == stamp_data:
        say(f"build venv (reused): {venv}")
        return venv_python(venv)
    say(f"creating the build venv {venv}")
    if IS_LINUX:
        import sysconfig

        if not sysconfig.get_config_var("Py_ENABLE_SHARED"):
            raise SystemExit(
                f"{sys.executable} has no shared libpython, which PyInstaller needs. "
                "Use Debian's python3 (apt-get install python3-venv) or a Python built "
                "with --enable-shared."
            )
    shutil.rmtree(venv, ignore_errors=True)
    run([sys.executable, "-m", "venv", venv])
    python = venv_python(venv)
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    # The portable wheel first: the project's own pin is then already satisfied.
    run([*pip, wheel])
    run([*pip, ROOT, *BUILD_TOOLS])
    check = (
        "import llama_cpp, pathlib, re, sys; d = pathlib.Path(llama_cpp.__file__).parent; "
        "found = [p.name for q in (d / 'lib', d.parent / 'bin') if q.is_dir() for p in q.iterdir()"
        " if re.match(r'(lib)?ggml-cpu-\\w+\\.', p.name)]; sys.exit(0 if found else 1)"
    )
    if subprocess.run([python, "-c", check], check=False).returncode != 0:
        raise SystemExit(f"{venv} did not get the portable llama-cpp-python build")
    stamp.write_text(json.dumps(stamp_data, indent=1))
    return python


# ------------------------------------------------------------------ the frozen folder
def frozen_dir() -> Path:
    return DIST / app_info.EXECUTABLE


def frozen_executable() -> Path:
    if IS_MACOS:
        return DIST / f"{app_info.DISPLAY_NAME}.app" / "Contents" / "MacOS" / app_info.EXECUTABLE
    return frozen_dir() / (app_info.EXECUTABLE + (".exe" if IS_WINDOWS else ""))


def freeze() -> Path:
    python = ensure_venv(ensure_wheel())
    say("PyInstaller: freezing the app (one folder)")
    started = time.monotonic()
    run(
        [
            python,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            DIST,
            "--workpath",
            BUILD / "pyinstaller",
            SPEC,
        ],
        cwd=ROOT,
    )
    say(f"frozen in {time.monotonic() - started:.0f} s: {frozen_dir()}")
    check_frozen()
    return frozen_dir()


def check_frozen() -> None:
    """The frozen app starts, finds llama.cpp's CPU variants, and bundles no system C++."""
    if IS_LINUX:
        forbidden = [
            p
            for p in frozen_dir().rglob("*")
            if re.match(r"(libstdc\+\+|libgcc_s|libgomp)\.", p.name)
        ]
        if forbidden:
            raise SystemExit(f"system libraries were bundled: {forbidden}")
    exe = frozen_executable()
    with tempfile.TemporaryDirectory(prefix="desktop-slm-home-") as home:
        env = {**os.environ, "DESKTOP_SLM_HOME": home}
        version = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, env=env, check=True
        )
        doctor = subprocess.run(
            [exe, "doctor", "--json"], capture_output=True, text=True, env=env, check=True
        )
    backend = json.loads(doctor.stdout)["cpu_backend"]
    if not backend.get("variant"):
        raise SystemExit(f"the frozen app did not load a CPU variant: {backend}")
    say(f"{version.stdout.strip()}: CPU backend {backend['variant']} ({backend['library']})")


# ------------------------------------------------------------------ Linux .deb
LINUX_DIR = PACKAGING / "linux"
DEB_PREFIX = Path("usr/lib") / app_info.EXECUTABLE


def deb_version() -> str:
    # PEP 440 pre-releases sort before the release in Debian only with a tilde.
    upstream = re.sub(r"(\d)(a|b|rc|\.dev)(\d+)", r"\1~\2\3", app_info.version())
    return f"{upstream}-1"


def deb_arch() -> str:
    return run(["dpkg", "--print-architecture"], capture_output=True).stdout.strip()


def _copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, symlinks=True)


def _install(src: Path, dst: Path, mode: int = 0o644) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    dst.chmod(mode)


def _gzip(data: bytes, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    with (
        dst.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as gz,
    ):
        gz.write(data)
    dst.chmod(0o644)


def _source_date() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        git = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        epoch = git.stdout.strip() or str(int(time.time()))
    return datetime.fromtimestamp(int(epoch), tz=UTC)


def _elf_files(tree: Path) -> list[Path]:
    found = []
    for path in sorted(tree.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    found.append(path)
    return found


# What dpkg-shlibdeps may miss on a build machine without a desktop (the hint it prints).
_BUILD_HOST_LIBS = {
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
    "libgomp.so.1": "libgomp1",
}

# Qt's GTK theme plugin is used only where GTK 3 is installed (GNOME, Xfce...); Qt
# skips it elsewhere. Its libraries are recommended, not required.
RECOMMENDED_ONLY = {"libqgtk3.so": "libgtk-3-0"}


def shlib_depends(pkg_root: Path) -> str:
    """Depends: from the ELF files' NEEDED entries, mapped to packages by dpkg-shlibdeps."""
    elves = [p for p in _elf_files(pkg_root) if p.name not in RECOMMENDED_ONLY]
    private = sorted({str(p.parent) for p in elves if ".so" in p.name})
    with tempfile.TemporaryDirectory(prefix="shlibdeps-") as tmp:
        (Path(tmp) / "debian").mkdir()
        (Path(tmp) / "debian" / "control").write_text(
            f"Source: {app_info.EXECUTABLE}\n\nPackage: {app_info.EXECUTABLE}\nArchitecture: any\n"
        )
        result = subprocess.run(
            [
                "dpkg-shlibdeps",
                "-O",
                "--ignore-missing-info",
                f"-S{pkg_root}",
                *(f"-l{d}" for d in private),
                *map(str, elves),
            ],
            cwd=tmp,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        missing = sorted(set(re.findall(r"cannot find library (\S+) needed by", result.stderr)))
        errors = [line for line in result.stderr.splitlines() if "error" in line]
        packages = sorted({_BUILD_HOST_LIBS.get(so, f"(the package with {so})") for so in missing})
        hint = (
            "\nThe build machine needs the libraries the app links to, to name their "
            f"packages. Install them with:\n    sudo apt-get install -y {' '.join(packages)}"
        )
        raise SystemExit("dpkg-shlibdeps failed:\n" + "\n".join(errors) + (hint if missing else ""))
    match = re.search(r"^shlibs:Depends=(.*)$", result.stdout, re.MULTILINE)
    return match.group(1).strip() if match else ""


def build_deb(*, lint: bool) -> Path:
    if not IS_LINUX:
        raise SystemExit("the .deb is built on Linux")
    for tool in ("dpkg-deb", "dpkg-shlibdeps"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: sudo apt-get install dpkg-dev")
    frozen = freeze()
    started = time.monotonic()
    name, version, arch = app_info.EXECUTABLE, deb_version(), deb_arch()
    stage = BUILD / "deb" / name
    shutil.rmtree(stage.parent, ignore_errors=True)
    prefix = stage / DEB_PREFIX
    _copy_tree(frozen, prefix)
    usr = stage / "usr"
    (usr / "bin").mkdir(parents=True)
    (usr / "bin" / name).symlink_to(Path("..") / "lib" / name / name)
    share = usr / "share"
    _install(
        LINUX_DIR / f"{app_info.APP_ID}.desktop",
        share / "applications" / f"{app_info.APP_ID}.desktop",
    )
    _install(
        LINUX_DIR / f"{app_info.APP_ID}.metainfo.xml",
        share / "metainfo" / f"{app_info.APP_ID}.metainfo.xml",
    )
    icons = share / "icons" / "hicolor"
    _install(ROOT / "resources" / "desktop-slm.svg", icons / "scalable" / "apps" / f"{name}.svg")
    for png in sorted((ROOT / "resources" / "icons").glob("desktop-slm-*.png")):
        size = png.stem.rsplit("-", 1)[1]
        _install(png, icons / f"{size}x{size}" / "apps" / f"{name}.png")
    _gzip((LINUX_DIR / f"{name}.1").read_bytes(), share / "man" / "man1" / f"{name}.1.gz")
    doc = share / "doc" / name
    _install(LINUX_DIR / "debian" / "copyright", doc / "copyright")
    _gzip((ROOT / "CHANGELOG.md").read_bytes(), doc / "changelog.gz")
    date = _source_date()
    changelog = (LINUX_DIR / "debian" / "changelog.in").read_text()
    changelog = changelog.replace("@VERSION@", version).replace("@MAINTAINER@", app_info.MAINTAINER)
    changelog = changelog.replace("@DATE@", date.strftime("%a, %d %b %Y %H:%M:%S +0000"))
    _gzip(changelog.encode(), doc / "changelog.Debian.gz")
    _install(LINUX_DIR / "debian" / "lintian-overrides", share / "lintian" / "overrides" / name)
    # Directories 0755, files 0644 or 0755 (executables and shared objects as built).
    for path in stage.rglob("*"):
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            library = path.name.endswith(".so") or ".so." in path.name
            program = path.stat().st_mode & 0o111 and _is_elf_or_script(path) and not library
            path.chmod(0o755 if program else 0o644)
    debian = stage / "DEBIAN"  # also how dpkg-shlibdeps finds the package root ($ORIGIN)
    debian.mkdir()
    depends = shlib_depends(stage)
    installed_kib = sum(
        (p.lstat().st_size + 1023) // 1024 for p in stage.rglob("*") if not p.is_dir()
    ) + sum(1 for p in stage.rglob("*") if p.is_dir())
    control = (LINUX_DIR / "debian" / "control.in").read_text()
    for key, value in {
        "@PACKAGE@": name,
        "@VERSION@": version,
        "@ARCH@": arch,
        "@MAINTAINER@": app_info.MAINTAINER,
        "@INSTALLED_SIZE@": str(installed_kib),
        "@DEPENDS@": depends,
        "@RECOMMENDS@": ", ".join(sorted(set(RECOMMENDED_ONLY.values()))),
    }.items():
        control = control.replace(key, value)
    (debian / "control").write_text(control)
    md5 = []
    for path in sorted(stage.rglob("*")):
        if path.is_file() and not path.is_symlink() and debian not in path.parents:
            digest = hashlib.md5(path.read_bytes()).hexdigest()
            md5.append(f"{digest}  {path.relative_to(stage).as_posix()}\n")
    (debian / "md5sums").write_text("".join(md5))
    for path in debian.iterdir():
        path.chmod(0o644)
    DIST.mkdir(exist_ok=True)
    deb = DIST / f"{name}_{version}_{arch}.deb"
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(date.timestamp()))}
    run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", stage, deb],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    say(
        f"{deb.name}: {deb.stat().st_size / 1e6:.1f} MB, installed {installed_kib / 1024:.1f} MiB "
        f"(packed in {time.monotonic() - started:.0f} s)"
    )
    say(f"Depends: {depends}")
    if lint:
        run_lintian(deb)
    return deb


def _is_elf_or_script(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(4)
    return head == b"\x7fELF" or head[:2] == b"#!"


def run_lintian(deb: Path) -> None:
    if not shutil.which("lintian"):
        say("lintian is not installed (sudo apt-get install lintian): skipped")
        return
    say("lintian")
    started = time.monotonic()
    result = subprocess.run(
        ["lintian", "--fail-on", "error,warning", "--display-info", str(deb)],
        text=True,
        capture_output=True,
        check=False,
    )
    tags = [line for line in result.stdout.splitlines() if re.match(r"^[EWIP]: ", line)]
    for line in tags:
        if line.startswith(("E:", "W:")):
            print(f"  {line}")
    infos: dict[str, int] = {}
    for line in tags:
        if line.startswith("I:"):
            tag = line.split()[2]
            infos[tag] = infos.get(tag, 0) + 1
    summary = ", ".join(f"{tag} x{count}" for tag, count in sorted(infos.items()))
    elapsed = time.monotonic() - started
    say(f"lintian: exit {result.returncode} ({elapsed:.0f} s); info tags: {summary}")
    if result.returncode != 0:
        raise SystemExit("lintian found errors or warnings (fix them, or override with a reason)")


# ------------------------------------------------------------------ Windows and macOS
def build_windows() -> Path:
    if not IS_WINDOWS:
        raise SystemExit("the Windows installer is built on Windows")
    import icons

    freeze()
    iscc = shutil.which("iscc") or r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe"
    icon = icons.write_ico(BUILD / "desktop-slm.ico")
    run(
        [
            iscc,
            f"/DAppVersion={app_info.version()}",
            f"/DSourceDir={frozen_dir()}",
            f"/DOutputDir={DIST}",
            f"/DIconFile={icon}",
            PACKAGING / "windows" / "desktop-slm.iss",
        ]
    )
    setup = DIST / f"DesktopSLM-{app_info.version()}-setup.exe"
    say(f"{setup}: {setup.stat().st_size / 1e6:.1f} MB")
    return setup


def build_macos() -> Path:
    if not IS_MACOS:
        raise SystemExit("the macOS .app and .dmg are built on macOS")
    freeze()
    app = DIST / f"{app_info.DISPLAY_NAME}.app"
    identity = os.environ.get("DESKTOP_SLM_CODESIGN_IDENTITY")
    if identity:  # PyInstaller signed every binary; seal the bundle with the hardened runtime
        run(
            [
                "codesign",
                "--force",
                "--deep",
                "--options",
                "runtime",
                "--timestamp",
                "--entitlements",
                PACKAGING / "macos" / "entitlements.plist",
                "--sign",
                identity,
                app,
            ]
        )
    dmg = DIST / f"DesktopSLM-{app_info.version()}-{platform.machine()}.dmg"
    run([PACKAGING / "macos" / "make-dmg.sh", app, dmg])
    profile = os.environ.get("DESKTOP_SLM_NOTARY_PROFILE")
    if identity and profile:
        run(["xcrun", "notarytool", "submit", dmg, "--keychain-profile", profile, "--wait"])
        run(["xcrun", "stapler", "staple", dmg])
    notarized = bool(identity and profile)
    size = dmg.stat().st_size / 1e6
    say(f"{dmg}: {size:.1f} MB (signed: {bool(identity)}, notarized: {notarized})")
    return dmg


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("target", choices=["wheel", "venv", "freeze", "deb", "windows", "macos"])
    parser.add_argument("--no-lint", action="store_true", help="deb: skip lintian")
    args = parser.parse_args()
    if args.target == "wheel":
        print(ensure_wheel())
    elif args.target == "venv":
        print(ensure_venv(ensure_wheel()))
    elif args.target == "freeze":
        freeze()
    elif args.target == "deb":
        print(build_deb(lint=not args.no_lint))
    elif args.target == "windows":
        build_windows()
    else:
        build_macos()
    return 0


if __name__ == "__main__":
    sys.exit(main())

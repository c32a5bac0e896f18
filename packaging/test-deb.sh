#!/usr/bin/env bash
# The Linux installer, end to end: build the .deb from a clean copy of this checkout,
# install it with apt, run the *installed* app (version, doctor, a generation with the
# test model, the window offscreen and under Xvfb with screenshots, start-up time),
# upgrade to a newer .deb, purge, and check that the user's data was never touched.
#
#   packaging/test-deb.sh            (as root, or with sudo available)
#
# Artifacts (screenshots, logs, the .deb) go to $DESKTOP_SLM_ARTIFACTS, by default
# test-artifacts/deb/ in this checkout; the log names each one. The portable llama.cpp
# wheel is reused from ~/.cache/desktop-slm-build (built once if missing: ~25 min).
# Last, the .deb goes into a minimal Debian 12 made with debootstrap (needs a Debian
# mirror, DEBIAN_MIRROR; DESKTOP_SLM_DEB_FRESH=0 skips it).
set -euo pipefail
shopt -s nullglob

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ART=${DESKTOP_SLM_ARTIFACTS:-$ROOT/test-artifacts/deb}
PKG=desktop-slm
PREFIX=/usr/lib/$PKG
APP_ID=io.github.desktopslm.DesktopSLM
STARTED=$SECONDS
# The builds keep using the real caches after HOME is pointed at a test user below.
export DESKTOP_SLM_BUILD_CACHE=${DESKTOP_SLM_BUILD_CACHE:-$HOME/.cache/desktop-slm-build}
export PIP_CACHE_DIR=${PIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pip}

step() { printf '\n== %s (%ds)\n' "$*" $((SECONDS - STARTED)); }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
artifact() { printf 'ARTIFACT: %s\n' "$1"; }

# ---------------------------------------------------------------- prerequisites
if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else
  fail "run as root or install sudo: the test installs and purges a package"
fi
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need dpkg-shlibdeps dpkg-dev
need lintian lintian
need desktop-file-validate desktop-file-utils
need appstreamcli appstream
need xvfb-run xvfb
need xauth xauth
need git git
if [ "${DESKTOP_SLM_DEB_FRESH:-1}" = 1 ]; then need debootstrap debootstrap; need unshare util-linux; need Xvfb xvfb; fi
/usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "packaging/test-deb.sh needs: ${missing[*]}"
  echo "    sudo apt-get install -y ${missing[*]}"
  exit 1
fi
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
  fail "$PKG is already installed here; purge it first (apt-get purge $PKG)"
fi

WORK=$(mktemp -d /tmp/desktop-slm-deb-test.XXXXXX)
chmod 755 "$WORK"  # apt's _apt user reads the .deb files from here
cleanup() {
  # A run that fails half-way must not leave its package installed: the next run (CI on
  # the same machine) would refuse to start. It was not installed before (checked above).
  if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
    "${SUDO[@]}" apt-get purge -y -q "$PKG" >/dev/null 2>&1 || true
  fi
  "${SUDO[@]}" rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
mkdir -p "$ART"
rm -f "$ART"/*.png "$ART"/*.log "$ART"/*.deb

# ---------------------------------------------------------------- a clean checkout
step "clean copy of the checkout (tracked and new files; no build/, dist/, .venv)"
SRC=$WORK/src
mkdir -p "$SRC"
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
    | xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' \
    | tar --null -T - -cf -) | tar -xf - -C "$SRC"
else
  (cd "$ROOT" && tar --exclude=./build --exclude=./dist --exclude=./.venv -cf - .) | tar -xf - -C "$SRC"
fi
VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$SRC/desktop_slm/__init__.py")
echo "version $VERSION, $(find "$SRC" -type f | wc -l) files"

step "the test model"
MODEL=$(cd "$ROOT" && python3 -c 'from tests.support.test_models import SMOLLM2, ensure_model; print(ensure_model(SMOLLM2))')
echo "$MODEL"

# ---------------------------------------------------------------- build
step "build the .deb (make deb)"
t0=$SECONDS
make -C "$SRC" deb 2>&1 | tee "$ART/build.log" | grep -E '^\[build\]|^  [EW]: |error' || true
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "make deb failed; see $ART/build.log"
DEB=$(echo "$SRC"/dist/${PKG}_*.deb)
[ -f "$DEB" ] || fail "no .deb was built"
cp "$DEB" "$WORK/"; DEB=$WORK/$(basename "$DEB")
echo "built in $((SECONDS - t0)) s: $(basename "$DEB")"
artifact "$ART/build.log"

step "package contents and metadata"
X=$WORK/extracted
dpkg-deb -x "$DEB" "$X"
dpkg-deb -f "$DEB" Package Version Architecture Installed-Size Depends Recommends
desktop-file-validate "$X/usr/share/applications/$APP_ID.desktop" && echo "desktop-file-validate: ok"
appstreamcli validate --no-net "$X/usr/share/metainfo/$APP_ID.metainfo.xml"
for f in usr/bin/$PKG usr/share/doc/$PKG/copyright usr/share/doc/$PKG/changelog.gz \
  usr/share/doc/$PKG/changelog.Debian.gz usr/share/man/man1/$PKG.1.gz \
  usr/share/icons/hicolor/scalable/apps/$PKG.svg usr/share/icons/hicolor/48x48/apps/$PKG.png \
  usr/share/icons/hicolor/256x256/apps/$PKG.png "${PREFIX#/}/$PKG"; do
  [ -e "$X/$f" ] || fail "missing from the package: /$f"
done
if find "$X" -name 'libstdc++.so*' -o -name 'libgcc_s.so*' -o -name 'libgomp.so*' | grep -q .; then
  fail "the package bundles the system C++ runtime"
fi
deb_bytes=$(stat -c %s "$DEB")
installed_kib=$(dpkg-deb -f "$DEB" Installed-Size)
echo "size: .deb $((deb_bytes / 1000000)) MB (budget 120), installed $((installed_kib / 1024)) MiB (budget 350)"
[ "$deb_bytes" -le 120000000 ] || fail ".deb over 120 MB"
[ "$installed_kib" -le $((350 * 1024)) ] || fail "installed size over 350 MiB"

# ---------------------------------------------------------------- install
step "apt-get install ./$(basename "$DEB")"
t0=$SECONDS
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends "$DEB" \
  > "$ART/apt-install.log" 2>&1 || { cat "$ART/apt-install.log"; fail "apt-get install"; }
echo "installed in $((SECONDS - t0)) s"
[ "$(command -v $PKG)" = /usr/bin/$PKG ] || fail "desktop-slm is not /usr/bin/desktop-slm"
unresolved=$(find "$PREFIX" -type f \( -name '*.so*' -o -name "$PKG" \) -exec sh -c \
  'LD_LIBRARY_PATH=$(dirname "$1"):'"$PREFIX/_internal:$PREFIX/_internal/PySide6/Qt/lib"' ldd "$1" 2>/dev/null' _ {} \; \
  | awk '/not found/ {print $1}' | sort -u | grep -v '^libgtk-3\|^libgdk-3\|^libpango\|^libcairo\|^libatk\|^libgdk_pixbuf' || true)
[ -z "$unresolved" ] || fail "libraries not found after install: $unresolved"
echo "every library the installed files link to resolves"

# A user with the default folders (no DESKTOP_SLM_HOME): ~/.config, ~/.local/share...
export HOME=$WORK/home
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME XDG_STATE_HOME DESKTOP_SLM_HOME
mkdir -p "$HOME"
USER_DIRS=("$HOME/.config/$PKG" "$HOME/.local/share/$PKG")
snapshot() { find "${USER_DIRS[@]}" -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum; }

step "desktop-slm --version"
got=$($PKG --version)
echo "$got"
[ "$got" = "$PKG $VERSION" ] || fail "version: $got"

step "desktop-slm doctor"
$PKG doctor | tee "$ART/doctor.log"
$PKG doctor --json > "$WORK/doctor.json"
python3 - "$WORK/doctor.json" "$PREFIX" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
backend = report["cpu_backend"]
assert backend.get("variant"), f"no CPU variant loaded: {backend}"
assert backend["library"].startswith(sys.argv[2]), backend["library"]
assert report["llama_cpp"]["system_info"].strip(), "llama.cpp reports no CPU features"
print(f"CPU variant: {backend['variant']} from {backend['library']}")
EOF

step "a model for this user: models import, models use"
model_id=$($PKG models import "$MODEL" | head -n 1)  # copied into the user's data dir
$PKG models use "$model_id"
$PKG models list

step "run email (the engine worker is the installed program)"
notes="thank the team for the launch; drinks on Friday at 5"
t0=$SECONDS
echo "$notes" | timeout 300 $PKG run email --length short --seed 7 --temperature 0 --max-tokens 80 \
  > "$WORK/email.txt" 2> "$WORK/email.err" || { cat "$WORK/email.err"; fail "run email"; }
cat "$WORK/email.txt"; cat "$WORK/email.err"
[ -s "$WORK/email.txt" ] || fail "run email printed nothing"
echo "generated in $((SECONDS - t0)) s"
worker_line=$(grep -h "starting engine worker" "$HOME/.local/state/$PKG/log/"*.log | tail -n 1)
echo "log: ${worker_line#* INFO }"
[[ $worker_line == *"['$PREFIX/$PKG', 'engine-worker']"* ]] || fail "the worker is not the installed program"

if [ -x "$ROOT/.venv/bin/python" ]; then
  step "the command-line test modules, run against the installed program"
  (cd "$SRC" && PYTHONPATH=packaging DESKTOP_SLM_TEST_MODELS=$(dirname "$MODEL") \
    timeout 1800 "$ROOT/.venv/bin/python" -m pytest -q -p pytest_frozen --frozen-app "$PREFIX/$PKG" \
    -p no:cacheprovider tests/test_cli.py tests/test_cli_tools.py tests/test_models_cli.py) \
    > "$ART/pytest-installed.log" 2>&1 || { tail -40 "$ART/pytest-installed.log"; fail "CLI tests against the installed app"; }
  tail -n 1 "$ART/pytest-installed.log"
else
  step "CLI test modules skipped: no .venv with pytest in $ROOT (make setup makes one)"
fi

step "a draft and settings to keep"
"$SRC/build/pkg-venv/bin/python" - "$HOME/.local/share/$PKG/drafts.sqlite3" <<'EOF'
import sys
from pathlib import Path
from desktop_slm.storage import DraftStore
with DraftStore(Path(sys.argv[1])) as store:
    store.save_draft("email", {"notes": "draft kept across upgrade and purge"})
print("draft saved in", sys.argv[1])
EOF
python3 - "$HOME/.config/$PKG/settings.json" <<'EOF'
import json, sys
from pathlib import Path
path = Path(sys.argv[1])
settings = json.loads(path.read_text()) if path.exists() else {}
settings["n_threads"] = 1
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps(settings, indent=2))
print("settings: n_threads = 1")
EOF

step "the window, offscreen platform, screenshot"
timeout 120 env QT_QPA_PLATFORM=offscreen DESKTOP_SLM_SCREENSHOT="$ART/window-offscreen.png" \
  DESKTOP_SLM_SCREENSHOT_DELAY_MS=3000 $PKG > "$ART/window-offscreen.log" 2>&1 \
  || { cat "$ART/window-offscreen.log"; fail "the window (offscreen)"; }
grep '^screenshot saved (offscreen' "$ART/window-offscreen.log" || fail "no offscreen screenshot"
artifact "$ART/window-offscreen.png"

step "the window under Xvfb with the real xcb plugin, screenshot"
xvfb() { timeout 120 xvfb-run -a -s "-screen 0 1366x768x24 -nolisten tcp" "$@"; }
xvfb env QT_QPA_PLATFORM=xcb DESKTOP_SLM_SCREENSHOT="$ART/window-xcb.png" \
  DESKTOP_SLM_SCREENSHOT_DELAY_MS=3000 $PKG > "$ART/window-xcb.log" 2>&1 \
  || { cat "$ART/window-xcb.log"; fail "the window (xcb)"; }
grep '^screenshot saved (xcb' "$ART/window-xcb.log" || { cat "$ART/window-xcb.log"; fail "no xcb screenshot"; }
if grep -qi 'could not load the qt platform plugin\|cannot load library' "$ART/window-xcb.log"; then
  cat "$ART/window-xcb.log"; fail "Qt could not load a plugin"
fi
artifact "$ART/window-xcb.png"

step "start-up time to the first painted window (the menu entry's command, under Xvfb)"
exec_line=$(sed -n 's/^Exec=//p' "/usr/share/applications/$APP_ID.desktop")
xvfb python3 - "$exec_line" <<'EOF' | tee "$ART/startup.log"
import os, shlex, statistics, subprocess, sys, time
command = shlex.split(sys.argv[1])
env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "DESKTOP_SLM_STARTUP_PROBE": "1"}
times = []
for _ in range(3):
    started = time.monotonic()
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60).stdout
    painted = next(line for line in out.splitlines() if line.startswith("first-paint "))
    times.append(float(painted.split()[1]) - started)
print(f"'{sys.argv[1]}' to first paint: " + ", ".join(f"{t:.2f} s" for t in times)
      + f" (median {statistics.median(times):.2f} s)")
EOF

# ---------------------------------------------------------------- upgrade
step "upgrade: a newer .deb over this one keeps models, drafts and settings"
NEXT=$WORK/src-next
cp -a "$SRC" "$NEXT"
rm -rf "$NEXT/dist" "$NEXT/build/pyinstaller" "$NEXT/build/deb"
NEXT_VERSION="$VERSION.1"
sed -i "s/^__version__ = .*/__version__ = \"$NEXT_VERSION\"/" "$NEXT/desktop_slm/__init__.py"
t0=$SECONDS
DESKTOP_SLM_BUILD_VENV=$SRC/build/pkg-venv make -C "$NEXT" deb DEB_ARGS=--no-lint \
  > "$ART/build-next.log" 2>&1 || { tail -30 "$ART/build-next.log"; fail "building the newer .deb"; }
NEXT_DEB=$(echo "$NEXT"/dist/${PKG}_*.deb)
cp "$NEXT_DEB" "$WORK/"; NEXT_DEB=$WORK/$(basename "$NEXT_DEB")
echo "built $(basename "$NEXT_DEB") in $((SECONDS - t0)) s"
before=$(snapshot)
[ -n "$before" ] || fail "no user files to protect"
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends "$NEXT_DEB" \
  > "$ART/apt-upgrade.log" 2>&1 || { cat "$ART/apt-upgrade.log"; fail "apt-get install (upgrade)"; }
[ "$(dpkg-query -W -f='${Version}' $PKG)" = "$(dpkg-deb -f "$NEXT_DEB" Version)" ] || fail "not upgraded"
[ "$($PKG --version)" = "$PKG $NEXT_VERSION" ] || fail "the upgraded app reports $($PKG --version)"
[ "$(snapshot)" = "$before" ] || fail "the upgrade changed the user's files"
echo "upgraded to $NEXT_VERSION; the user's $(echo "$before" | wc -l) files are byte for byte the same"
$PKG models list | tee "$WORK/models-after.txt"
grep -q "$model_id" "$WORK/models-after.txt" || fail "the model is gone after the upgrade"
threads=$($PKG doctor --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["settings"]["n_threads"])')
[ "$threads" = 1 ] || fail "settings lost after the upgrade (n_threads = $threads)"
"$SRC/build/pkg-venv/bin/python" - "$HOME/.local/share/$PKG/drafts.sqlite3" <<'EOF'
import sys
from pathlib import Path
from desktop_slm.storage import DraftStore
with DraftStore(Path(sys.argv[1])) as store:
    draft = store.load_draft("email")
assert draft and draft["notes"] == "draft kept across upgrade and purge", draft
print("the draft is still there")
EOF
echo "$notes" | timeout 300 $PKG run email --length short --seed 7 --temperature 0 --max-tokens 40 \
  > /dev/null 2> "$WORK/email2.err" || { cat "$WORK/email2.err"; fail "run email after the upgrade"; }
echo "run email with the kept active model: ok"

# ---------------------------------------------------------------- purge
step "apt-get purge: nothing left under $PREFIX, the user's data untouched"
before=$(snapshot)
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get purge -y $PKG > "$ART/apt-purge.log" 2>&1 \
  || { cat "$ART/apt-purge.log"; fail "apt-get purge"; }
left=$(ls -A "$PREFIX" /usr/bin/$PKG /usr/share/applications/$APP_ID.desktop \
  /usr/share/metainfo/$APP_ID.metainfo.xml /usr/share/doc/$PKG 2>/dev/null || true)
[ -z "$left" ] || fail "left behind after purge: $left"
[ ! -e "$PREFIX" ] || fail "$PREFIX still exists"
find /usr/share/icons/hicolor -name "$PKG.*" | grep -q . && fail "icons left behind"
dpkg-query -W $PKG >/dev/null 2>&1 && fail "dpkg still knows $PKG"
[ "$(snapshot)" = "$before" ] || fail "purging changed the user's files"
echo "purged; $PREFIX is gone; the user's $(echo "$before" | wc -l) files are untouched"

# ---------------------------------------------------------------- a fresh Debian
# This machine has many libraries already; a minimal Debian 12 has none of them, so
# it proves that Depends: names everything the app needs.
if [ "${DESKTOP_SLM_DEB_FRESH:-1}" = 1 ]; then
  step "a fresh, minimal Debian 12 (debootstrap): apt-get install, doctor, run email, xcb window"
  FRESH=$WORK/fresh
  "${SUDO[@]}" debootstrap --variant=minbase bookworm "$FRESH" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
    > "$ART/debootstrap.log" 2>&1 || { tail -20 "$ART/debootstrap.log"; fail "debootstrap"; }
  "${SUDO[@]}" mkdir -p "$FRESH/opt/test" "$FRESH/tmp/.X11-unix"
  "${SUDO[@]}" cp "$DEB" "$MODEL" "$FRESH/opt/test/"
  # shellcheck disable=SC2016  # (these lines run in the chroot, expanded there)
  {
    echo 'set -e'
    echo 'export DEBIAN_FRONTEND=noninteractive DESKTOP_SLM_HOME=/opt/test/home'
    echo 'apt-get update -qq'
    echo 'before=$(dpkg-query -W | wc -l)'
    echo "apt-get install -y --no-install-recommends /opt/test/$(basename "$DEB") > /opt/test/install.log"
    echo 'echo "apt installed $(( $(dpkg-query -W | wc -l) - before )) packages into a minbase system"'
    echo 'desktop-slm --version'
    echo "desktop-slm doctor | grep 'CPU backend'"
    echo "echo '$notes' | desktop-slm run email --model /opt/test/$(basename "$MODEL") --length short \\"
    echo '  --max-tokens 30 --temperature 0 --seed 7 > /opt/test/email.txt 2>/dev/null'
    echo 'test -s /opt/test/email.txt && echo "run email: ok"'
    echo 'QT_QPA_PLATFORM=xcb DESKTOP_SLM_SCREENSHOT=/opt/test/window-fresh-xcb.png timeout 120 desktop-slm 2>/dev/null'
  } > "$WORK/run.sh"
  "${SUDO[@]}" cp "$WORK/run.sh" "$FRESH/opt/test/run.sh"
  # In a private mount namespace (its /proc and X socket mounts vanish with it), with
  # an Xvfb of its own that the chroot reaches through the bind-mounted socket.
  cat > "$WORK/fresh-run.sh" <<'EOF'
set -eu
root=$1
Xvfb -displayfd 3 -ac -nolisten tcp -screen 0 1366x768x24 3> "$root/opt/test/display" 2>/dev/null &
xvfb_pid=$!
for _ in $(seq 100); do [ -s "$root/opt/test/display" ] && break; sleep 0.1; done
mount -t proc proc "$root/proc"
mount -t devpts -o newinstance devpts "$root/dev/pts" 2>/dev/null || true  # apt's log wants a pty
mount --bind /tmp/.X11-unix "$root/tmp/.X11-unix"
rc=0
timeout 900 chroot "$root" env DISPLAY=":$(cat "$root/opt/test/display")" bash /opt/test/run.sh || rc=$?
kill "$xvfb_pid"
exit "$rc"
EOF
  "${SUDO[@]}" unshare --mount --propagation private bash "$WORK/fresh-run.sh" "$FRESH" 2>&1 \
    | tee "$ART/fresh-debian.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || fail "the .deb on a fresh Debian 12"
  grep -q '^screenshot saved (xcb' "$ART/fresh-debian.log" || fail "no window on the fresh Debian"
  cp "$FRESH/opt/test/window-fresh-xcb.png" "$ART/"
  artifact "$ART/window-fresh-xcb.png"
else
  step "fresh Debian check skipped (DESKTOP_SLM_DEB_FRESH=$DESKTOP_SLM_DEB_FRESH)"
fi

cp "$DEB" "$ART/"
step "done: the .deb installs, runs, upgrades and purges cleanly"
echo "total $((SECONDS - STARTED)) s"

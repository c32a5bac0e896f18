"""The app icon at every size: PNGs rendered from resources/desktop-slm.svg, .ico and .icns.

``python packaging/icons.py`` re-renders the PNGs in resources/icons/ (needs
``rsvg-convert`` from librsvg2-bin; ``optipng`` makes them smaller when present).
The PNGs are committed, so builds need neither tool: the Windows ``.ico`` and the
macOS ``.icns`` are assembled from them here in plain Python (both formats may hold
PNG data as is).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "desktop-slm.svg"
PNG_DIR = ROOT / "resources" / "icons"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)  # the hicolor sizes desktops look for
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# icns entry types that hold PNG data, by pixel size (the @2x types reuse larger PNGs).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),  # 16@2x
    (b"icp6", 64),
    (b"ic12", 64),  # 32@2x
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic13", 256),  # 128@2x
    (b"ic09", 512),
    (b"ic14", 512),  # 256@2x
)


def png_path(size: int) -> Path:
    return PNG_DIR / f"desktop-slm-{size}.png"


def render_pngs() -> list[Path]:
    rsvg = shutil.which("rsvg-convert")
    if not rsvg:
        raise SystemExit("rsvg-convert is missing: sudo apt-get install librsvg2-bin")
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for size in SIZES:
        out = png_path(size)
        subprocess.run(
            [rsvg, "-w", str(size), "-h", str(size), "-o", str(out), str(SVG)], check=True
        )
        if shutil.which("optipng"):
            subprocess.run(["optipng", "-quiet", "-o7", "-strip", "all", str(out)], check=True)
        written.append(out)
    return written


def _png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def write_ico(target: Path) -> Path:
    """A Windows icon with one PNG-compressed image per size (Windows Vista and later)."""
    images = [png_path(size).read_bytes() for size in ICO_SIZES]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for data in images:
        width, height = _png_size(data)
        # 0 means 256 in the one-byte width and height fields.
        entries += struct.pack(
            "<BBBBHHII", width % 256, height % 256, 0, 0, 1, 32, len(data), offset + len(blobs)
        )
        blobs += data
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(header + entries + blobs)
    return target


def write_icns(target: Path) -> Path:
    """A macOS icon family with PNG entries from 16 to 512 pixels (512@1x and 256@2x)."""
    body = b""
    for kind, size in ICNS_TYPES:
        data = png_path(size).read_bytes()
        body += kind + struct.pack(">I", 8 + len(data)) + data
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + body)
    return target


if __name__ == "__main__":
    for path in render_pngs():
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes")
    sys.exit(0)

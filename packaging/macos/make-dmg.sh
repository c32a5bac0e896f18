#!/usr/bin/env bash
# Pack "Desktop SLM.app" into a compressed disk image with an Applications shortcut.
#   packaging/macos/make-dmg.sh "dist/Desktop SLM.app" dist/DesktopSLM-0.1.0-arm64.dmg
# Called by `python3 packaging/build.py macos` (which signs the .app first when
# DESKTOP_SLM_CODESIGN_IDENTITY is set, and notarizes the .dmg afterwards).
set -euo pipefail
app=$1
dmg=$2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
rm -f "$dmg"
hdiutil create -volname "Desktop SLM" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$dmg"
if [ -n "${DESKTOP_SLM_CODESIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$DESKTOP_SLM_CODESIGN_IDENTITY" "$dmg"
fi

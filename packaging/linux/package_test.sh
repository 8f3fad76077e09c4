#!/bin/sh
# Smoke test of the built bundle and tarball (make package-test runs it after make package):
#
#   sh packaging/linux/package_test.sh BUNDLE_DIR TARBALL
#
# 1. each frozen program's --self-test, offscreen, as built (dist/dms-desktop/...);
# 2. the tarball unpacked and installed by its install.sh into a temporary HOME: the
#    commands, launcher (Exec = the installed binary), icons, autostart entry and systemd
#    unit are where they belong; the unit passes `systemd-analyze verify` when systemd is
#    there; the installed `dms --self-test` passes; uninstall.sh removes all it installed.
set -eu

[ $# -eq 2 ] || { echo "usage: $0 BUNDLE_DIR TARBALL" >&2; exit 2; }
BUNDLE=$(cd "$1" && pwd)
TARBALL=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
export QT_QPA_PLATFORM=offscreen
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dms-package-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

fail() {
    echo "package-test: FAILED: $*" >&2
    exit 1
}

for program in dms dms-scheduler dms-desktop; do
    echo "== $program --self-test"
    start=$(date +%s)
    # A fresh HOME: the frozen programs must not need anything from the user's.
    mkdir -p "$WORK/home-$program"
    HOME="$WORK/home-$program" "$BUNDLE/$program" --self-test || fail "$program --self-test (output above)"
    echo "== $program --self-test passed in $(($(date +%s) - start)) s"
done

echo "== install.sh / uninstall.sh from $(basename "$TARBALL") into a temporary HOME"
HOME_DIR="$WORK/home"
mkdir -p "$HOME_DIR" "$WORK/unpacked"
# A workspace from before (e.g. a source install): uninstall.sh must keep it.
mkdir -p "$HOME_DIR/.local/share/dms-desktop"
echo keep >"$HOME_DIR/.local/share/dms-desktop/workspace.db"
BEFORE=$(cd "$HOME_DIR" && find . | sort)
tar -C "$WORK/unpacked" -xzf "$TARBALL"
TOP=$(ls "$WORK/unpacked")
env -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u XDG_STATE_HOME HOME="$HOME_DIR" \
    sh "$WORK/unpacked/$TOP/install.sh" --no-systemctl >"$WORK/install.log" 2>&1 \
    || { cat "$WORK/install.log"; fail "install.sh"; }
PREFIX="$HOME_DIR/.local/opt/dms-desktop"
LAUNCHER="$HOME_DIR/.local/share/applications/dms-desktop.desktop"
UNIT="$HOME_DIR/.config/systemd/user/dms-scheduler.service"
for path in "$PREFIX/dms-desktop" "$PREFIX/dms-scheduler" "$PREFIX/dms" "$LAUNCHER" "$UNIT" \
    "$HOME_DIR/.config/autostart/dms-scheduler-tray.desktop" \
    "$HOME_DIR/.local/share/icons/hicolor/256x256/apps/dms-desktop.png" \
    "$HOME_DIR/.local/share/icons/hicolor/scalable/apps/dms-desktop.svg"; do
    [ -e "$path" ] || fail "install.sh did not create $path"
done
for program in dms-desktop dms-scheduler dms; do
    [ "$(readlink "$HOME_DIR/.local/bin/$program")" = "$PREFIX/$program" ] \
        || fail "$HOME_DIR/.local/bin/$program does not link to $PREFIX/$program"
done
grep -qx "Exec=$PREFIX/dms-desktop" "$LAUNCHER" || fail "the launcher's Exec is not $PREFIX/dms-desktop: $(grep ^Exec "$LAUNCHER")"
grep -qx "ExecStart=$PREFIX/dms-scheduler" "$UNIT" || fail "the unit's ExecStart is not $PREFIX/dms-scheduler"
if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate "$LAUNCHER" || fail "desktop-file-validate rejects $LAUNCHER"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
    mkdir -m 700 "$WORK/run"  # a user manager needs an XDG_RUNTIME_DIR
    HOME="$HOME_DIR" XDG_RUNTIME_DIR="$WORK/run" systemd-analyze verify --user "$UNIT" \
        >"$WORK/verify.log" 2>&1 || { cat "$WORK/verify.log"; fail "systemd-analyze verify rejects $UNIT"; }
    echo "   systemd-analyze verify: accepted"
else
    echo "   (no systemd-analyze here: the unit was checked by tests/packaging only)"
fi
HOME="$HOME_DIR" "$HOME_DIR/.local/bin/dms" --self-test >"$WORK/installed.log" 2>&1 \
    || { cat "$WORK/installed.log"; fail "the installed dms --self-test"; }
echo "   installed dms --self-test: OK"
HOME="$HOME_DIR" sh "$PREFIX/uninstall.sh" --no-systemctl >"$WORK/uninstall.log" 2>&1 \
    || { cat "$WORK/uninstall.log"; fail "uninstall.sh"; }
[ "$(cat "$HOME_DIR/.local/share/dms-desktop/workspace.db")" = keep ] || fail "uninstall.sh removed the workspace"
rm -rf "$HOME_DIR/.cache"  # fontconfig & co. may cache there: not the installer's
AFTER=$(cd "$HOME_DIR" && find . | sort)
[ "$BEFORE" = "$AFTER" ] || fail "uninstall.sh left: $(echo "$AFTER" | grep -vxF "$BEFORE" | head -20)"
echo "   uninstall.sh: removed everything, kept the workspace"
echo "package-test: OK"

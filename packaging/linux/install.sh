#!/bin/sh
# Install DMS Desktop (the PyInstaller bundle in this folder) for the current user: no root.
#
#   ./install.sh [--prefix DIR] [--no-autostart] [--no-systemctl] [--force]
#
#   app folder   ~/.local/opt/dms-desktop/                (--prefix DIR to change)
#   commands     ~/.local/bin/{dms-desktop,dms-scheduler,dms}   symlinks into the app folder
#   launcher     ~/.local/share/applications/dms-desktop.desktop (Exec = absolute path)
#   icons        ~/.local/share/icons/hicolor/<size>/apps/dms-desktop.{png,svg}
#   tray         ~/.config/autostart/dms-scheduler-tray.desktop  (--no-autostart: not)
#   service      ~/.config/systemd/user/dms-scheduler.service    (installed, NOT enabled)
#
# Every file and directory it creates is listed in <app folder>/install-manifest.txt;
# uninstall.sh removes exactly those. Installing over an earlier install first uninstalls
# it (the workspace stays). XDG_DATA_HOME and XDG_CONFIG_HOME are honoured.
# --no-systemctl: do not call `systemctl --user daemon-reload` (tests, no user manager).
# --force: replace an existing ~/.local/bin command that this installer did not create.
set -eu

NAME=dms-desktop
PROGRAMS="dms-desktop dms-scheduler dms"
HERE=$(cd "$(dirname "$0")" && pwd)
BUNDLE="$HERE/app"
SHARE="$HERE/share"

DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
CONFIG_HOME=${XDG_CONFIG_HOME:-$HOME/.config}
PREFIX="$HOME/.local/opt/$NAME"
BIN_DIR="$HOME/.local/bin"
AUTOSTART=1
SYSTEMCTL=1
FORCE=0

die() {
    echo "install.sh: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || die "--prefix needs a folder"; PREFIX=$2; shift ;;
        --prefix=*) PREFIX=${1#--prefix=} ;;
        --no-autostart) AUTOSTART=0 ;;
        --no-systemctl) SYSTEMCTL=0 ;;
        --force) FORCE=1 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done

if [ "$(id -u)" = 0 ] && [ -n "${SUDO_USER:-}" ]; then
    die "run this as the user who will use DMS Desktop, without sudo: it installs into that user's home, not into /usr"
fi
[ -n "${HOME:-}" ] && [ -d "$HOME" ] || die "HOME ('${HOME:-}') is not a folder"
case "$PREFIX" in /*) ;; *) PREFIX="$(pwd)/$PREFIX" ;; esac
for program in $PROGRAMS; do
    [ -x "$BUNDLE/$program" ] || die "$BUNDLE/$program is missing: run this script from the unpacked dms-desktop tarball (make package builds it)"
done
for file in dms-desktop.desktop dms-scheduler-tray.desktop dms-scheduler.service; do
    [ -f "$SHARE/$file" ] || die "$SHARE/$file is missing: the tarball is incomplete, rebuild it with make package"
done

# An earlier install: remove it first (its own uninstall script; the workspace stays).
if [ -f "$PREFIX/install-manifest.txt" ]; then
    echo "Replacing the DMS Desktop installed in $PREFIX"
    if [ "$SYSTEMCTL" = 1 ]; then
        sh "$PREFIX/uninstall.sh" --quiet
    else
        sh "$PREFIX/uninstall.sh" --quiet --no-systemctl
    fi
elif [ -e "$PREFIX" ]; then
    die "$PREFIX exists but is not a DMS Desktop install (no install-manifest.txt): remove it or choose --prefix"
fi

# Refuse to overwrite commands someone else put in ~/.local/bin (pipx, pip --user).
for program in $PROGRAMS; do
    target="$BIN_DIR/$program"
    if [ -e "$target" ] || [ -L "$target" ]; then
        [ "$FORCE" = 1 ] || die "$target already exists (another install of DMS Desktop, e.g. pipx?): uninstall that first, or run with --force to replace it"
    fi
done

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/dms-install.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
MANIFEST="$STAGE/manifest"
: >"$MANIFEST"

# make_dirs DIR: mkdir -p that records each directory it creates (uninstall removes them
# again when they are empty).
make_dirs() {
    missing=""
    d=$1
    while [ ! -d "$d" ]; do
        missing="$d
$missing"
        d=$(dirname "$d")
    done
    printf '%s' "$missing" | while IFS= read -r dir; do
        [ -n "$dir" ] || continue
        mkdir "$dir"
        printf 'dir %s\n' "$dir" >>"$MANIFEST"
    done
}

# put MODE SOURCE TARGET: install one file and record it.
put() {
    make_dirs "$(dirname "$3")"
    cp "$2" "$3.tmp.$$"
    chmod "$1" "$3.tmp.$$"
    mv -f "$3.tmp.$$" "$3"
    printf 'file %s\n' "$3" >>"$MANIFEST"
}

# exec_path PATH: PATH as a desktop-entry / systemd argument (quoted when it needs it).
exec_path() {
    case "$1" in
        *[!A-Za-z0-9/._+-]*) printf '"%s"' "$1" ;;
        *) printf '%s' "$1" ;;
    esac
}

# The application folder.
make_dirs "$(dirname "$PREFIX")"
cp -R "$BUNDLE" "$PREFIX"
printf 'dir %s\n' "$PREFIX" >>"$MANIFEST"
cp "$HERE/uninstall.sh" "$PREFIX/uninstall.sh"
chmod 755 "$PREFIX/uninstall.sh"

# Commands on PATH.
make_dirs "$BIN_DIR"
for program in $PROGRAMS; do
    rm -f "$BIN_DIR/$program"
    ln -s "$PREFIX/$program" "$BIN_DIR/$program"
    printf 'link %s\n' "$BIN_DIR/$program" >>"$MANIFEST"
done

# Launcher, tray autostart, systemd unit: the packaged files with absolute paths.
GUI=$(exec_path "$PREFIX/dms-desktop")
SCHEDULER=$(exec_path "$PREFIX/dms-scheduler")
sed -e "s|^Exec=dms-desktop|Exec=$GUI|" -e "s|^TryExec=.*|TryExec=$PREFIX/dms-desktop|" \
    "$SHARE/dms-desktop.desktop" >"$STAGE/dms-desktop.desktop"
put 644 "$STAGE/dms-desktop.desktop" "$DATA_HOME/applications/dms-desktop.desktop"
if [ "$AUTOSTART" = 1 ]; then
    sed -e "s|^Exec=dms-scheduler|Exec=$SCHEDULER|" \
        "$SHARE/dms-scheduler-tray.desktop" >"$STAGE/dms-scheduler-tray.desktop"
    put 644 "$STAGE/dms-scheduler-tray.desktop" "$CONFIG_HOME/autostart/dms-scheduler-tray.desktop"
fi
sed -e "s|^ExecStart=.*|ExecStart=$SCHEDULER|" \
    -e "s|^Environment=PATH=.*|Environment=PATH=$PREFIX:/usr/local/bin:/usr/bin:/bin|" \
    "$SHARE/dms-scheduler.service" >"$STAGE/dms-scheduler.service"
put 644 "$STAGE/dms-scheduler.service" "$CONFIG_HOME/systemd/user/dms-scheduler.service"

# Icons (freedesktop hicolor theme).
if [ -d "$SHARE/icons/hicolor" ]; then
    (cd "$SHARE/icons" && find hicolor -type f) | while IFS= read -r icon; do
        put 644 "$SHARE/icons/$icon" "$DATA_HOME/icons/$icon"
    done
fi

# Check what was written before recording it as installed.
for file in "$DATA_HOME/applications/dms-desktop.desktop" "$CONFIG_HOME/systemd/user/dms-scheduler.service"; do
    grep -q "$PREFIX/dms-" "$file" || die "internal error: $file does not name $PREFIX"
done

sort -u "$MANIFEST" | grep -v '^dir ' >"$PREFIX/install-manifest.txt" || true
grep '^dir ' "$MANIFEST" >>"$PREFIX/install-manifest.txt" || true  # creation order, last
printf 'file %s\n' "$PREFIX/install-manifest.txt" >>"$PREFIX/install-manifest.txt"

# Refresh the desktop's caches when the tools exist (best effort).
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$DATA_HOME/applications" 2>/dev/null || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$DATA_HOME/icons/hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t "$DATA_HOME/icons/hicolor" 2>/dev/null || true
fi
if [ "$SYSTEMCTL" = 1 ] && command -v systemctl >/dev/null 2>&1; then
    systemctl --user daemon-reload 2>/dev/null || true
fi

echo "DMS Desktop installed in $PREFIX"
echo "  start it from the applications menu, or run: $PREFIX/dms-desktop"
case ":${PATH:-}:" in
    *":$BIN_DIR:"*) ;;
    *) echo "  note: $BIN_DIR is not on PATH; add it to use dms, dms-scheduler, dms-desktop by name" ;;
esac
if [ "$AUTOSTART" = 1 ]; then
    echo "  the tray scheduler (dms-scheduler --tray) starts at your next login"
fi
echo "  headless scheduler instead: systemctl --user enable --now dms-scheduler.service"
echo "  uninstall: $PREFIX/uninstall.sh   (--purge also deletes the workspace)"

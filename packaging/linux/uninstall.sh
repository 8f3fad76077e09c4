#!/bin/sh
# Uninstall DMS Desktop installed by install.sh for the current user.
#
#   ~/.local/opt/dms-desktop/uninstall.sh [--purge] [--prefix DIR] [--no-systemctl] [--quiet]
#
# Removes exactly what install-manifest.txt lists (the app folder, the commands in
# ~/.local/bin, the launcher, the icons, the tray autostart entry, the systemd unit) and the
# folders the installer created, when they are empty. Stops and disables the
# dms-scheduler user service first if it runs. The workspace (the metadata database, demo
# files, logs, settings) stays, unless --purge: then these go too:
#   ~/.local/share/dms-desktop   (workspace.db, demo/, uploads; XDG_DATA_HOME honoured)
#   ~/.local/state/dms-desktop   (logs; XDG_STATE_HOME honoured)
#   ~/.config/dms-desktop        (config.toml, .env, scheduler.env, secret.key)
#   ~/.config/DMS/DMS Desktop.conf  (window layout, theme, last user)
# --purge never touches a DMS_HOME folder, nor a shared PostgreSQL/Oracle metadata database,
# nor secrets kept in the desktop keyring.
set -eu

NAME=dms-desktop
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=""
PURGE=0
SYSTEMCTL=1
QUIET=0

die() {
    echo "uninstall.sh: $*" >&2
    exit 1
}
say() {
    [ "$QUIET" = 1 ] || echo "$@"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --purge) PURGE=1 ;;
        --prefix) [ $# -ge 2 ] || die "--prefix needs a folder"; PREFIX=$2; shift ;;
        --prefix=*) PREFIX=${1#--prefix=} ;;
        --no-systemctl) SYSTEMCTL=0 ;;
        --quiet) QUIET=1 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done

if [ -z "$PREFIX" ]; then
    if [ -f "$HERE/install-manifest.txt" ]; then
        PREFIX=$HERE  # run from the installed app folder
    else
        PREFIX="$HOME/.local/opt/$NAME"
    fi
fi
MANIFEST="$PREFIX/install-manifest.txt"
[ -f "$MANIFEST" ] || die "no DMS Desktop install in $PREFIX ($MANIFEST is missing); pass --prefix DIR if it was installed elsewhere"

# Stop the service before its program goes away (only when this install put the unit there).
UNIT=$(grep '^file .*/systemd/user/dms-scheduler.service$' "$MANIFEST" | sed 's/^file //' || true)
if [ "$SYSTEMCTL" = 1 ] && [ -n "$UNIT" ] && command -v systemctl >/dev/null 2>&1; then
    if systemctl --user is-enabled --quiet dms-scheduler.service 2>/dev/null \
        || systemctl --user is-active --quiet dms-scheduler.service 2>/dev/null; then
        say "Stopping and disabling the dms-scheduler user service"
        systemctl --user disable --now dms-scheduler.service 2>/dev/null || true
    fi
fi

# Read the manifest into a copy first: it is one of the files removed.
LIST=$(mktemp "${TMPDIR:-/tmp}/dms-uninstall.XXXXXX")
trap 'rm -f "$LIST"' EXIT
cp "$MANIFEST" "$LIST"

removed=0
while IFS= read -r line; do
    kind=${line%% *}
    path=${line#* }
    case "$kind" in
        file|link)
            if [ -e "$path" ] || [ -L "$path" ]; then
                rm -f "$path"
                removed=$((removed + 1))
            fi
            ;;
    esac
done <"$LIST"

# Folders, deepest (last created) first: the app folder entirely, the others when empty.
sed -n 's/^dir //p' "$LIST" | sed -n '1!G;h;$p' | while IFS= read -r dir; do
    if [ "$dir" = "$PREFIX" ]; then
        rm -rf "$PREFIX"
    elif [ -d "$dir" ]; then
        rmdir "$dir" 2>/dev/null || true
    fi
done
[ ! -e "$PREFIX" ] || rm -rf "$PREFIX"  # an install whose manifest lacks its own folder

if [ "$SYSTEMCTL" = 1 ] && [ -n "$UNIT" ] && command -v systemctl >/dev/null 2>&1; then
    systemctl --user daemon-reload 2>/dev/null || true
fi
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "${XDG_DATA_HOME:-$HOME/.local/share}/applications" 2>/dev/null || true
fi
say "DMS Desktop removed from $PREFIX ($removed files and links)"

if [ "$PURGE" = 1 ]; then
    DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
    STATE_HOME=${XDG_STATE_HOME:-$HOME/.local/state}
    CONFIG_HOME=${XDG_CONFIG_HOME:-$HOME/.config}
    for path in "$DATA_HOME/$NAME" "$STATE_HOME/$NAME" "$CONFIG_HOME/$NAME" "$CONFIG_HOME/DMS/DMS Desktop.conf"; do
        if [ -e "$path" ]; then
            rm -rf "$path"
            say "  purged $path"
        fi
    done
    rmdir "$CONFIG_HOME/DMS" 2>/dev/null || true
    if [ -n "${DMS_HOME:-}" ]; then
        say "  DMS_HOME is set: $DMS_HOME was left as it is (delete it yourself if you mean to)"
    fi
else
    say "  your workspace stays in ${XDG_DATA_HOME:-$HOME/.local/share}/$NAME (--purge deletes it)"
fi

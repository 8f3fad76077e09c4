#!/bin/sh
# Assemble the Linux tarball from the PyInstaller folder and the rendered icons:
#
#   sh packaging/linux/make_tarball.sh BUNDLE_DIR ICONS_DIR TARBALL
#
# TARBALL (dms-desktop-<version>-linux-<arch>.tar.gz) unpacks into one folder:
#   install.sh  uninstall.sh  README.txt
#   app/        the PyInstaller folder (dms-desktop, dms-scheduler, dms, _internal/)
#   share/      dms-desktop.desktop, dms-scheduler-tray.desktop, dms-scheduler.service,
#               icons/hicolor/<size>/apps/dms-desktop.png and scalable/apps/dms-desktop.svg
set -eu

[ $# -eq 3 ] || { echo "usage: $0 BUNDLE_DIR ICONS_DIR TARBALL" >&2; exit 2; }
BUNDLE=$1
ICONS=$2
TARBALL=$3
HERE=$(cd "$(dirname "$0")" && pwd)
PACKAGING=$(dirname "$HERE")

for program in dms-desktop dms-scheduler dms; do
    [ -x "$BUNDLE/$program" ] || { echo "make_tarball: $BUNDLE/$program missing: build the bundle first (make package)" >&2; exit 1; }
done
[ -d "$ICONS/hicolor" ] || { echo "make_tarball: no icons in $ICONS: run packaging/make_icons.py $ICONS" >&2; exit 1; }

TOP=$(basename "$TARBALL" .tar.gz)
STAGE="$(dirname "$TARBALL")/.stage-$TOP"
rm -rf "$STAGE"
mkdir -p "$STAGE/$TOP/share"
# Hard links where possible: the bundle is hundreds of MB and is only read.
cp -al "$BUNDLE" "$STAGE/$TOP/app" 2>/dev/null || cp -R "$BUNDLE" "$STAGE/$TOP/app"
cp "$HERE/install.sh" "$HERE/uninstall.sh" "$STAGE/$TOP/"
chmod 755 "$STAGE/$TOP/install.sh" "$STAGE/$TOP/uninstall.sh"
cp "$PACKAGING/dms-desktop.desktop" "$PACKAGING/dms-scheduler-tray.desktop" \
    "$PACKAGING/dms-scheduler.service" "$STAGE/$TOP/share/"
mkdir -p "$STAGE/$TOP/share/icons"
cp -R "$ICONS/hicolor" "$STAGE/$TOP/share/icons/"
cat >"$STAGE/$TOP/README.txt" <<EOF
DMS Desktop $TOP

Install for the current user (no root):   ./install.sh
Uninstall (the workspace stays):          ~/.local/opt/dms-desktop/uninstall.sh
Uninstall and delete the workspace:       ~/.local/opt/dms-desktop/uninstall.sh --purge
Check the programs without installing:    app/dms --self-test; app/dms-scheduler --self-test;
                                          QT_QPA_PLATFORM=offscreen app/dms-desktop --self-test
Options: ./install.sh --help. The tray scheduler starts at login (--no-autostart: not);
the headless service is installed, not enabled:
    systemctl --user enable --now dms-scheduler.service
EOF
rm -f "$TARBALL"
tar -C "$STAGE" -czf "$TARBALL" "$TOP"
rm -rf "$STAGE"
echo "wrote $TARBALL"

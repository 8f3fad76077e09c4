"""PyInstaller entry script of ``dms-desktop`` (the desktop application)."""

import sys

from dms_desktop.gui.app import main

if __name__ == "__main__":
    sys.exit(main())

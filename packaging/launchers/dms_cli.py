"""PyInstaller entry script of ``dms`` (the command line)."""

import sys

from dms_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())

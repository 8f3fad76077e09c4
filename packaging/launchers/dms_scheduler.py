"""PyInstaller entry script of ``dms-scheduler`` (the scheduler service, ``--tray``)."""

import sys

from dms_desktop.scheduler_main import main

if __name__ == "__main__":
    sys.exit(main())

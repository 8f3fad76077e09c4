"""``python -m dms_desktop`` starts the desktop application."""

from __future__ import annotations

import sys

from dms_desktop.gui.app import main

if __name__ == "__main__":
    sys.exit(main())

"""``python -m dms_desktop.gui.forms [--force]``: regenerate the ui_*.py form modules."""

from __future__ import annotations

import sys

from dms_desktop.gui.forms.build import main

sys.exit(main())

"""Python classes generated from the Qt Designer forms in ``<repo>/ui`` (Anki's pattern).

``python -m dms_desktop.gui.forms`` runs ``pyside6-uic`` on every ``ui/<name>.ui`` and writes
``ui_<name>.py`` here (generated, not committed). Dialogs use them by composition:
``self.ui = Ui_LoginDialog(); self.ui.setupUi(self)``. In a source checkout a missing or stale
form is compiled when this package is first imported, so a fresh clone runs without a build
step; a packaged install ships the generated modules and has no ``ui`` folder.
"""

from __future__ import annotations

from dms_desktop.gui.forms.build import compile_forms

compile_forms()

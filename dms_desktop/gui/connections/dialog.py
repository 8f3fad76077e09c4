"""Create or edit a connection: the fields its type uses, a background test, inline checks.

Editing keeps the stored password unless the user unticks "Keep the stored password" (then an
empty field clears it). Without any place for the secret key (a headless host with no OS
keyring) the core refuses to store a password; the dialog says so and offers to create a key
file, then saves again.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.core.connections.model import CONNECT_TIMEOUT_S, DB_TYPES, ConnectionDef
from dms_desktop.core.connections.service import (
    KEEP,
    ConnectionService,
    TestResult,
    check_definition,
)
from dms_desktop.core.errors import DmsError
from dms_desktop.core.security.secrets import SecretsUnavailable, init_key_file
from dms_desktop.core.workspace import Workspace
from dms_desktop.gui.errors import user_message
from dms_desktop.gui.pages import PageContext
from dms_desktop.gui.theme import is_dark
from dms_desktop.gui.widgets import DialogBanner, set_message
from dms_desktop.gui.workers import TaskSlot

SQLITE_FILTER = "SQLite databases (*.db *.sqlite *.sqlite3);;All files (*)"
_OK_COLOURS = ("#1a7f37", "#56d364")
_FAIL_COLOURS = ("#cf222e", "#ff7b72")


def save_connection(
    context: PageContext, original: ConnectionDef | None, defn: ConnectionDef, password: Any
) -> ConnectionDef:
    service = ConnectionService(context.ws, context.user)
    if original is None or original.conid is None:
        return service.create(defn, password if isinstance(password, str) else None)
    return service.update(original.conid, defn, password)


def test_connection(context: PageContext, defn: ConnectionDef, password: Any) -> TestResult:
    return ConnectionService(context.ws, context.user).test(defn, password)


def create_key_file(ws: Workspace) -> Path:
    return init_key_file(ws)


class ConnectionDialog(QDialog):
    sig_saved = Signal(object)  # the ConnectionDef as stored
    sig_tested = Signal(object)  # the TestResult (or the exception) shown

    def __init__(
        self,
        context: PageContext,
        original: ConnectionDef | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("connectionDialog")
        self.context = context
        self.original = original
        self._stored = bool(original and original.has_password)  # a password is stored
        editing = original is not None
        self.setWindowTitle(f"Edit connection {original.name}" if original else "New connection")
        banner = DialogBanner(
            "Edit connection" if editing else "New connection",
            "Where a source or target database lives. The password is stored encrypted.",
            parent=self,
        )
        self.name_edit = QLineEdit(self)
        self.type_combo = QComboBox(self)
        for code, kind in DB_TYPES.items():
            self.type_combo.addItem(kind.label, code)
        self.host_edit = QLineEdit(self)
        self.host_edit.setPlaceholderText("db.example.com")
        self.port_edit = QLineEdit(self)
        self.port_edit.setValidator(QIntValidator(1, 65535, self))
        self.port_edit.setMaximumWidth(110)
        self.service_edit = QLineEdit(self)
        self.service_edit.setPlaceholderText("Oracle service name, e.g. ORCLPDB1")
        self.database_edit = QLineEdit(self)
        self.path_edit = QLineEdit(self)
        self.path_edit.setPlaceholderText("/path/to/file.db")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        self.create_box = QCheckBox("Create the file if it does not exist", self)
        path_row = QWidget(self)
        path_layout = QHBoxLayout(path_row)
        path_layout.setContentsMargins(0, 0, 0, 0)
        path_layout.addWidget(self.path_edit, 1)
        path_layout.addWidget(browse)
        self.user_edit = QLineEdit(self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.keep_box = QCheckBox("Keep the stored password", self)
        self.keep_box.toggled.connect(self._keep_toggled)
        self.timeout_edit = QLineEdit(str(CONNECT_TIMEOUT_S), self)
        self.timeout_edit.setValidator(QIntValidator(1, 600, self))
        self.timeout_edit.setMaximumWidth(110)
        self.timeout_edit.setToolTip("How long to wait for the server before giving up")
        timeout_row = QWidget(self)
        timeout_layout = QHBoxLayout(timeout_row)
        timeout_layout.setContentsMargins(0, 0, 0, 0)
        timeout_layout.addWidget(self.timeout_edit)
        timeout_layout.addWidget(QLabel("seconds", timeout_row), 1)
        self.description_edit = QLineEdit(self)

        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.form.addRow("Name", self.name_edit)
        self.form.addRow("Type", self.type_combo)
        self.rows: dict[str, list[QWidget]] = {
            "host": [self.host_edit],
            "port": [self.port_edit],
            "service": [self.service_edit],
            "database": [self.database_edit],
            "path": [path_row, self.create_box],
            "user": [self.user_edit, self.password_edit, self.keep_box, timeout_row],
        }
        labels = {"host": "Host", "port": "Port", "service": "Service", "database": "Database"}
        for key, label in labels.items():
            self.form.addRow(label, self.rows[key][0])
        self.form.addRow("File", path_row)
        self.form.addRow("", self.create_box)
        self.form.addRow("User", self.user_edit)
        self.form.addRow("Password", self.password_edit)
        self.form.addRow("", self.keep_box)
        self.form.addRow("Connect timeout", timeout_row)
        self.form.addRow("Description", self.description_edit)

        self.test_button = QPushButton("Test connection", self)
        self.test_button.clicked.connect(self.test)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(80)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.test_result = QLabel("", self)
        self.test_result.setObjectName("testResult")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.busy)
        test_row.addWidget(self.test_result, 1)

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        set_message(self.message, "")
        self.key_button = QPushButton("Create key file", self)
        self.key_button.setToolTip("Create a 0600 key file for the secret key, then save again")
        self.key_button.clicked.connect(self.create_key_file)
        self.key_button.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setProperty("primary", True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        body = QVBoxLayout()
        body.setContentsMargins(24, 16, 24, 20)
        body.setSpacing(12)
        body.addLayout(self.form)
        body.addLayout(test_row)
        body.addWidget(self.message)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_button)
        key_row.addStretch(1)
        body.addLayout(key_row)
        body.addWidget(self.buttons)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(banner)
        outer.addLayout(body)
        self._test_task = TaskSlot()
        self._save_task = TaskSlot()
        self.type_combo.currentIndexChanged.connect(self._type_changed)
        self._fill(original)
        self.resize(560, self.sizeHint().height())

    # -- fields -----------------------------------------------------------------------------
    def _fill(self, defn: ConnectionDef | None) -> None:
        if defn is None:
            self.set_type("POSTGRESQL")
            self.password_edit.setPlaceholderText("optional; stored encrypted")
            return
        self.name_edit.setText(defn.name)
        self.set_type(defn.dbtype)
        self.host_edit.setText(defn.host or "")
        self.port_edit.setText(str(defn.port) if defn.port else "")
        self.service_edit.setText(defn.service or "")
        target = self.path_edit if defn.dbtype == "SQLITE" else self.database_edit
        target.setText(defn.database or "")
        self.create_box.setChecked(bool(defn.options.get("create")))
        self.user_edit.setText(defn.user or "")
        self.timeout_edit.setText(str(defn.timeout))
        self.description_edit.setText(defn.description or "")
        self.keep_box.setChecked(defn.has_password)
        self._keep_toggled(defn.has_password)

    def set_type(self, code: str) -> None:
        self.type_combo.setCurrentIndex(self.type_combo.findData(code))
        self._type_changed()

    def dbtype(self) -> str:
        return str(self.type_combo.currentData())

    def _type_changed(self, *_args: object) -> None:
        kind = DB_TYPES[self.dbtype()]
        for key, widgets in self.rows.items():
            for widget in widgets:
                stored_only = widget is self.keep_box and not self._stored
                self.form.setRowVisible(widget, key in kind.fields and not stored_only)
        self.port_edit.setPlaceholderText(str(kind.default_port or ""))
        self.database_edit.setPlaceholderText("database name")
        self.test_result.clear()

    def _keep_toggled(self, keep: bool) -> None:
        self.password_edit.setEnabled(not keep)
        if keep:
            self.password_edit.clear()
        self.password_edit.setPlaceholderText(
            "stored, encrypted" if keep else "leave empty for no password"
        )

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "SQLite database file", self.path_edit.text(), SQLITE_FILTER
        )
        if path:
            self.path_edit.setText(path)

    def definition(self) -> ConnectionDef:
        kind = DB_TYPES[self.dbtype()]
        fields = kind.fields

        def value(edit: QLineEdit, key: str) -> str | None:
            return (edit.text().strip() or None) if key in fields else None

        options = dict(self.original.options) if self.original else {}
        options.pop("create", None)
        options.pop("connect_timeout", None)
        if self.dbtype() == "SQLITE" and self.create_box.isChecked():
            options["create"] = True
        timeout = int(self.timeout_edit.text() or CONNECT_TIMEOUT_S)
        if timeout != CONNECT_TIMEOUT_S and self.dbtype() != "SQLITE":
            options["connect_timeout"] = timeout
        port = self.port_edit.text().strip()
        return ConnectionDef(
            name=self.name_edit.text().strip(),
            dbtype=self.dbtype(),
            host=value(self.host_edit, "host"),
            port=int(port) if port and "port" in fields else None,
            service=value(self.service_edit, "service"),
            database=value(self.path_edit, "path") or value(self.database_edit, "database"),
            user=value(self.user_edit, "user"),
            options=options,
            description=self.description_edit.text().strip() or None,
            conid=self.original.conid if self.original else None,
            has_password=bool(self.original and self.original.has_password),
        )

    def password(self) -> Any:
        """KEEP the stored one, a new one, or None (none, or clear the stored one)."""
        if "user" not in DB_TYPES[self.dbtype()].fields:
            return None
        if self._stored and self.keep_box.isChecked():
            return KEEP
        return self.password_edit.text() or None

    # -- test -------------------------------------------------------------------------------
    def test(self) -> None:
        defn = self.definition()
        try:
            check_definition(replace(defn, name=defn.name or "test"))
        except DmsError as exc:
            self._show_test(False, exc.message)
            return
        self.test_button.setEnabled(False)
        self.busy.show()
        self.test_result.setText("Connecting…")
        self.test_result.setStyleSheet("")
        self._test_task.start(
            test_connection,
            self.context,
            defn,
            self.password(),
            on_done=self._tested,
            on_error=self._test_failed,
        )

    def _tested(self, result: TestResult) -> None:
        self._show_test(result.ok, result.message)
        self.sig_tested.emit(result)

    def _test_failed(self, exc: BaseException) -> None:
        self._show_test(False, user_message(exc)[0])
        self.sig_tested.emit(exc)

    def _show_test(self, ok: bool, text: str) -> None:
        self.test_button.setEnabled(True)
        self.busy.hide()
        colour = (_OK_COLOURS if ok else _FAIL_COLOURS)[1 if is_dark() else 0]
        self.test_result.setStyleSheet(f"color: {colour};")
        self.test_result.setText(f"{'✓' if ok else '✗'} {text}")

    # -- save -------------------------------------------------------------------------------
    def save(self) -> None:
        defn = self.definition()
        try:
            check_definition(defn)
        except DmsError as exc:
            set_message(self.message, exc.message)
            return
        set_message(self.message, "")
        self.save_button.setEnabled(False)
        self._save_task.start(
            save_connection,
            self.context,
            self.original,
            defn,
            self.password(),
            on_done=self._saved,
            on_error=self._save_failed,
        )

    def _saved(self, defn: ConnectionDef) -> None:
        self.sig_saved.emit(defn)
        self.accept()

    def _save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        set_message(self.message, user_message(exc)[0])
        self.key_button.setVisible(isinstance(exc, SecretsUnavailable))

    def create_key_file(self) -> None:
        self.key_button.setEnabled(False)
        self._save_task.start(
            create_key_file, self.context.ws, on_done=self._key_created, on_error=self._key_failed
        )

    def _key_created(self, path: Path) -> None:
        self.key_button.hide()
        self.key_button.setEnabled(True)
        set_message(self.message, f"Created the key file {path}; saving…", "info")
        self.save()

    def _key_failed(self, exc: BaseException) -> None:
        self.key_button.setEnabled(True)
        set_message(self.message, user_message(exc)[0])

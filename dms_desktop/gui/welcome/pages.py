"""The pages of the welcome window: the three choices, the demo's progress, the folder of an
empty workspace, the shared metadata server, the first administrator. Widgets only: the
``WelcomeWindow`` drives them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCommandLinkButton,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dms_desktop.gui.welcome.config import DEFAULT_PORTS
from dms_desktop.gui.widgets import set_message

DB_TYPES = (("PostgreSQL", "POSTGRESQL"), ("Oracle", "ORACLE"))


def _title(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("sectionTitle")
    return label


def _text(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _message(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    set_message(label, "")
    return label


def _center_labels(form: QFormLayout) -> None:
    """Labels level with their fields (QFormLayout puts them at the top of a taller field)."""
    for row in range(form.rowCount()):
        label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if label is None or field is None or not isinstance(label.widget(), QLabel):
            continue
        widget = label.widget()
        assert isinstance(widget, QLabel)
        widget.setMinimumHeight(field.sizeHint().height())
        widget.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def _busy_bar(parent: QWidget) -> QProgressBar:
    bar = QProgressBar(parent)
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setFixedHeight(6)
    bar.setVisible(False)
    return bar


class ChoicePage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(
            _text(
                "No workspace is set up on this computer yet. A workspace is the metadata "
                "database that holds your connections, mappings, jobs, schedules, run history "
                "and users. How do you want to start?",
                self,
            )
        )
        self.demo_button = QCommandLinkButton(
            "Open the demo workspace",
            "A generated ERP source, a warehouse, mappings, chained jobs and a month of run "
            "history, to try everything. Takes about half a minute to create.",
            self,
        )
        self.empty_button = QCommandLinkButton(
            "Create an empty workspace",
            "An embedded SQLite workspace in a folder of your choice, for yourself on this "
            "computer. You become its first administrator.",
            self,
        )
        self.shared_button = QCommandLinkButton(
            "Connect to a shared metadata database",
            "A PostgreSQL or Oracle database your team shares (the scheduler service runs "
            "against it too). Its DMS schema is created if it has none yet.",
            self,
        )
        for button in (self.demo_button, self.empty_button, self.shared_button):
            button.setObjectName("welcomeChoice")
            layout.addWidget(button)
        layout.addStretch(1)


class DemoPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(_title("Creating the demo workspace", self))
        layout.addWidget(
            _text(
                "Generating an ERP source (3,000 customers, 20,000 orders, 70,000 order "
                "lines), its managed queries and mappings into a warehouse, and running the "
                "jobs twice for real so the customer dimension has history. Then you log in "
                "as “demo”.",
                self,
            )
        )
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        layout.addWidget(self.progress)
        self.status = QLabel("Starting…", self)
        self.status.setObjectName("mutedLabel")
        layout.addWidget(self.status)
        self.message = _message(self)
        layout.addWidget(self.message)
        layout.addStretch(1)


class FolderPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(_title("Create an empty workspace", self))
        layout.addWidget(
            _text(
                "Choose the folder of the workspace: DMS Desktop creates workspace.db there "
                "(an embedded SQLite database) and remembers it in your config.toml.",
                self,
            )
        )
        row = QHBoxLayout()
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setObjectName("folderEdit")
        self.browse_button = QPushButton("Browse…", self)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.browse_button)
        layout.addLayout(row)
        self.busy = _busy_bar(self)
        layout.addWidget(self.busy)
        self.message = _message(self)
        layout.addWidget(self.message)
        layout.addStretch(1)


class ServerPage(QWidget):
    """Host, port, database or service, user, password, schema; Test connection."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(_title("Connect to a shared metadata database", self))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.type_combo = QComboBox(self)
        for label, code in DB_TYPES:
            self.type_combo.addItem(label, code)
        self.host_edit = QLineEdit(self)
        self.host_edit.setPlaceholderText("db1.example.com")
        self.port_spin = QSpinBox(self)
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(DEFAULT_PORTS["POSTGRESQL"])
        self.database_edit = QLineEdit(self)
        self.database_label = QLabel("Database", self)
        self.user_edit = QLineEdit(self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.schema_edit = QLineEdit(self)
        self.schema_edit.setPlaceholderText("optional, e.g. dwt (created on PostgreSQL)")
        form.addRow("Type", self.type_combo)
        form.addRow("Host", self.host_edit)
        form.addRow("Port", self.port_spin)
        form.addRow(self.database_label, self.database_edit)
        form.addRow("User", self.user_edit)
        form.addRow("Password", self.password_edit)
        form.addRow("DMS schema", self.schema_edit)
        _center_labels(form)
        layout.addLayout(form)
        note = _text(
            "The password is kept in the OS keyring, never in a file; without a keyring "
            "give it with DB_PASSWORD or ~/.pgpass.",
            self,
        )
        note.setObjectName("mutedLabel")
        layout.addWidget(note)
        row = QHBoxLayout()
        self.test_button = QPushButton("Test connection", self)
        row.addWidget(self.test_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.busy = _busy_bar(self)
        layout.addWidget(self.busy)
        self.message = _message(self)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.type_combo.currentIndexChanged.connect(self._type_changed)

    def db_type(self) -> str:
        return str(self.type_combo.currentData())

    def _type_changed(self, _index: int) -> None:
        oracle = self.db_type() == "ORACLE"
        self.database_label.setText("Service name" if oracle else "Database")
        if self.port_spin.value() in DEFAULT_PORTS.values():
            self.port_spin.setValue(DEFAULT_PORTS[self.db_type()])

    def inputs(self) -> list[QWidget]:
        return [
            self.type_combo,
            self.host_edit,
            self.port_spin,
            self.database_edit,
            self.user_edit,
            self.password_edit,
            self.schema_edit,
            self.test_button,
        ]


class AdminPage(QWidget):
    """The first administrator; the policy checklist follows the typing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(_title("The first administrator", self))
        self.intro = _text("", self)
        layout.addWidget(self.intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.username_edit = QLineEdit("admin", self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit = QLineEdit(self)
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("User name", self.username_edit)
        form.addRow("Password", self.password_edit)
        form.addRow("Confirm", self.confirm_edit)
        _center_labels(form)
        layout.addLayout(form)
        self.policy_label = QLabel(self)
        self.policy_label.setObjectName("policyLabel")
        layout.addWidget(self.policy_label)
        self.busy = _busy_bar(self)
        layout.addWidget(self.busy)
        self.message = _message(self)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def inputs(self) -> list[QWidget]:
        return [self.username_edit, self.password_edit, self.confirm_edit]

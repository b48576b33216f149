"""Staff accounts for admins: who may sign in, in which role; add, disable or enable, set a new password.

The database checks every value and every right (a non-admin is refused there); this screen asks, shows its
answers where they belong, and keeps what was typed after a refusal. The account form is shared with the
first start, which creates the embedded database's first admin.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import InvalidInput
from app.live.changes import Change
from app.services import staff
from app.services.context import Clinic
from app.services.staff import MIN_PASSWORD_LENGTH, StaffMember
from app.ui.dialogs.editing_dialog import EditingDialog
from app.ui.dialogs.field_errors import FieldErrors, InlineError, make_room, stacked
from app.ui.dialogs.form_buttons import FormButtons
from app.ui.dialogs.questions import ask, question
from app.ui.models.rows_model import RowsModel
from app.ui.read_only_table import read_only_table
from app.ui.theme import Theme, in_use
from app.ui.workers import TaskRunner, user_message

ROLE_WORDS = {"receptionist": "Receptionist", "manager": "Manager", "admin": "Admin"}
ROLE_CHOICES = (
    ("receptionist", "Receptionist: books, and adds and edits patients"),
    ("manager", "Manager: reads everything, including the audit trail; changes nothing"),
    ("admin", "Admin: also sets up the schedule and manages staff"),
)
NAME_HINT = "lower-case letters, digits, . _ -"


# --- the account form ------------------------------------------------------------------------------


class AccountValues(NamedTuple):
    """What an account form holds, read on the UI thread for a worker."""

    name: str  # without surrounding spaces
    role: str
    password: str
    current_password: str


class AccountForm(QWidget):
    """An account's user name (unless it is fixed), its role (if asked for), the current password (when one's own is
    changed) and the password typed twice. A field's problem shows under it once the field was edited, or when
    `reveal()` asks for all of them."""

    changed = Signal()

    def __init__(
        self,
        *,
        name_caption: str = "User name",
        with_name: bool = True,
        with_role: bool = False,
        with_current: bool = False,
        parent=None,
    ):
        super().__init__(parent)
        self.captions = {
            "name": name_caption,
            "role": "Role",
            "current_password": "Current password",
            "password": "New password" if with_current else "Password",
            "confirmation": "Confirm",
        }
        self.name = self._line(name_caption, NAME_HINT)
        self.role = QComboBox()
        self.role.setAccessibleName("Role")
        for role, words in ROLE_CHOICES:
            self.role.addItem(words, role)
        self.current_password = self._line("Current password", "the password you signed in with", secret=True)
        self.password = self._line(self.captions["password"], f"at least {MIN_PASSWORD_LENGTH} characters", secret=True)
        self.confirmation = self._line("Confirm password", "the same password again", secret=True)
        self.errors = FieldErrors()
        self._touched: set[str] = set()
        self._refusals: dict[str, str] = {}  # the database's word on a field, until that field is edited

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        rows = [("name", f"&{name_caption}", self.name)] if with_name else []
        rows += [("role", "&Role", self.role)] if with_role else []
        rows += [("current_password", "C&urrent password", self.current_password)] if with_current else []
        rows += [
            ("password", "&New password" if with_current else "Pass&word", self.password),
            ("confirmation", "Con&firm password", self.confirmation),
        ]
        for field, caption, widget in rows:
            error = InlineError(self.captions[field])
            self.errors.add(field, widget, error)
            label = QLabel(caption)
            label.setBuddy(widget)
            form.addRow(label, stacked(widget, error, spacing=2))
            if isinstance(widget, QLineEdit):
                widget.textEdited.connect(lambda _text, f=field: self._edited(f))
        self._with_name, self._with_current = with_name, with_current
        self.role.activated.connect(lambda _index: self._edited("role"))

    def _line(self, name: str, placeholder: str, *, secret: bool = False) -> QLineEdit:
        line = QLineEdit()
        line.setAccessibleName(name)
        line.setPlaceholderText(placeholder)
        if secret:
            line.setEchoMode(QLineEdit.EchoMode.Password)
        return line

    def values(self) -> AccountValues:
        return AccountValues(
            self.name.text().strip(), self.role.currentData(), self.password.text(), self.current_password.text()
        )

    def fill(self, name: str, password: str) -> None:
        self.name.setText(name)
        self.password.setText(password)
        self.confirmation.setText(password)
        self.refresh()

    def validation_errors(self) -> dict[str, str]:
        """What this form can tell without the database, each message naming its field."""
        name, _role, password, current = self.values()
        errors: dict[str, str] = {}
        if self._with_name and not name:
            errors["name"] = f"{self.captions['name']} is required"
        if self._with_current and not current:
            errors["current_password"] = "Current password is required"
        if len(password) < MIN_PASSWORD_LENGTH:
            errors["password"] = f"{self.captions['password']} must be at least {MIN_PASSWORD_LENGTH} characters"
        elif self.confirmation.text() != password:
            errors["confirmation"] = "Confirm password: type the same password again"
        return errors

    def _edited(self, field: str) -> None:
        self._touched.add(field)
        self._refusals.pop(field, None)
        self.refresh()

    def refresh(self) -> None:
        local = self.validation_errors()
        shown = {field: message for field, message in local.items() if field in self._touched}
        self.errors.show({**shown, **self._refusals})
        self.changed.emit()

    def reveal(self) -> None:
        """Show every field's problem, edited or not (the user asked to go on)."""
        self._touched.update(["name", "role", "current_password", "password", "confirmation"])
        self.refresh()

    def show_refusal(self, error: InvalidInput) -> dict[str, str]:
        """Put the database's refusals under their fields; return those that belong to none of them."""
        elsewhere: dict[str, str] = {}
        for item in error.errors:
            if item.field in self.errors:
                self._refusals[item.field] = f"{self.captions[item.field]}: {item.message}"
            else:
                elsewhere[item.field] = item.message
        self.refresh()
        return elsewhere

    def clear_passwords(self) -> None:
        for line in (self.current_password, self.password, self.confirmation):
            line.clear()
        self._touched -= {"current_password", "password", "confirmation"}
        self.refresh()


# --- a dialog around it ----------------------------------------------------------------------------


class AccountDialog(EditingDialog):
    """An account form with one action that runs `work(values)` on a worker and returns what was done, in words. A
    refusal is shown (under its field when it has one) and everything typed stays."""

    done = Signal(str)  # what was done, in words

    def __init__(
        self,
        runner: TaskRunner,
        form: AccountForm,
        work: Callable[[AccountValues], str],
        *,
        title: str,
        action: str,
        intro: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(runner, parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(460)
        self.form, self._work = form, work
        buttons = FormButtons(self, action, self.submit)
        self.cancel_button, self.action_button = buttons.cancel, buttons.action
        self.action_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(self.banner)
        if intro:
            text = QLabel(intro)
            text.setWordWrap(True)
            layout.addWidget(text)
        layout.addWidget(form)
        layout.addStretch(1)
        layout.addLayout(buttons)
        form.changed.connect(self.refresh)
        form.changed.connect(lambda: make_room(self))
        self.set_theme(in_use())
        self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        make_room(self)  # messages set before it was shown were laid out for another width

    def on_schedule_change(self, _change: Change) -> None:
        """Accounts are not part of the schedule: nothing to re-read."""

    def refresh(self) -> None:
        self.action_button.setEnabled(self.can_write)

    def hold_still(self, busy: bool) -> None:
        self.form.setEnabled(not busy)

    def submit(self) -> None:
        if not self.can_write:
            return
        if self.form.validation_errors():
            self.form.reveal()
            return
        values = self.form.values()
        self.save_with(lambda: self._work(values), self._on_done)

    def _on_done(self, message: str) -> None:
        self.done.emit(message)
        self.accept()

    def refuse_fields(self, error: InvalidInput) -> list[str]:
        elsewhere = self.form.show_refusal(error)
        return [f"{field}: {message}" for field, message in elsewhere.items()]


# --- the staff list --------------------------------------------------------------------------------


class StaffTableModel(RowsModel[StaffMember]):
    """Staff members as plain rows: name, role, enabled or disabled."""

    COLUMNS = ("Name", "Role", "Account")
    set_staff = RowsModel.set_rows
    member_at = RowsModel.row_at

    def row_of(self, name: str) -> int | None:
        return next((row for row, member in enumerate(self._rows) if member.name == name), None)

    def cell(self, member: StaffMember, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (member.name, ROLE_WORDS[member.role], "Enabled" if member.enabled else "Disabled")[column]
        if role == Qt.ItemDataRole.UserRole:
            return member.name
        return None


def sessions_ended(count: int) -> str:
    if count == 0:
        return "no open sessions were ended"
    return f"{count} open session{'s' if count != 1 else ''} {'was' if count == 1 else 'were'} ended"


class StaffDialog(EditingDialog):
    """Who may sign in to the appointment book, and as what. Every change runs on a worker."""

    def __init__(self, runner: TaskRunner, clinic: Clinic, parent: QWidget | None = None):
        super().__init__(runner, parent)
        self.clinic = clinic
        self._select_after_load: str | None = None
        self.setWindowTitle("Staff accounts")
        self.setAccessibleName("Staff accounts")
        self.setObjectName("staff_dialog")
        self.resize(620, 420)

        intro = QLabel("Everyone signs in with an account of their own. A disabled account can no longer sign in.")
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        self.model = StaffTableModel(self)
        self.table = read_only_table("Staff", self.model)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().selectionChanged.connect(lambda *_args: self.refresh())
        self.outcome = QLabel()
        self.outcome.setAccessibleName("Last change")
        self.outcome.setWordWrap(True)

        self.add_button = self._button("&Add…", "Add a staff member", self.open_add)
        self.toggle_button = self._button("&Disable", "Disable or enable the account", self.toggle_enabled)
        self.password_button = self._button("&Reset password…", "Reset password", self.open_reset_password)
        self.close_button = self._button("Close", "Close", self.accept)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.toggle_button, self.password_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(self.banner)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.outcome)
        layout.addLayout(buttons)
        self.set_theme(in_use())
        self.refresh()
        self.load()

    def _button(self, text: str, name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # --- state ---

    def set_theme(self, theme: Theme) -> None:
        super().set_theme(theme)
        for dialog in self.findChildren(AccountDialog):
            dialog.set_theme(theme)

    def set_write_block(self, reason: str | None) -> None:
        """While nothing can be saved, changes are disabled and the banner says why; the list can still be read."""
        for dialog in self.findChildren(AccountDialog):
            dialog.set_write_block(reason)
        super().set_write_block(reason)

    def on_write_block_lifted(self) -> None:
        self.load()

    def selected(self) -> StaffMember | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.member_at(rows[0].row()) if rows else None

    def select(self, name: str) -> None:
        row = self.model.row_of(name)
        if row is not None:
            self.table.selectRow(row)

    def refresh(self) -> None:
        member = self.selected()
        writable = self.can_write
        self.add_button.setEnabled(writable)
        self.toggle_button.setEnabled(writable and member is not None)
        self.password_button.setEnabled(writable and member is not None)
        self.toggle_button.setText("&Enable" if member is not None and not member.enabled else "&Disable")

    # --- reading ---

    def load(self) -> None:
        self.runner.submit(
            lambda: staff.list_staff(self.clinic), self._loaded, self._failed, context=self, key=f"staff-{id(self)}"
        )

    def _loaded(self, members: list[StaffMember]) -> None:
        chosen = self._select_after_load or (self.selected().name if self.selected() else None)
        self._select_after_load = None
        self.model.set_staff(members)
        if chosen:
            self.select(chosen)
        self.refresh()

    def _failed(self, error: BaseException) -> None:
        self.banner.show_message(user_message(error))

    # --- changing ---

    def _changed(self, message: str, name: str) -> None:
        self.banner.clear()
        self.outcome.setText(message)
        self._select_after_load = name
        self.refresh()
        self.load()

    def _run(self, work: Callable[[], str], name: str) -> None:
        self.save_with(work, lambda message: self._changed(message, name), self._failed)

    def open_add(self) -> AccountDialog:
        def add(account: AccountValues) -> str:
            staff.add_staff(self.clinic, account.name, account.role, account.password)
            return f"Added {account.name} as {ROLE_WORDS[account.role].lower()}."

        dialog = AccountDialog(
            self.runner, AccountForm(with_role=True), add, title="Add a staff member", action="&Add", parent=self
        )
        dialog.done.connect(lambda message: self._changed(message, dialog.form.values().name))
        return self._open(dialog)

    def open_reset_password(self) -> AccountDialog | None:
        member = self.selected()
        if member is None:
            return None

        def reset(account: AccountValues) -> str:
            staff.set_password(self.clinic, member.name, account.password)
            return f"{member.name}'s password is reset: tell them the new one in person."

        dialog = AccountDialog(
            self.runner,
            AccountForm(with_name=False),
            reset,
            title=f"New password for {member.name}",
            action="&Set password",
            intro=f"{member.name} signs in with this password from now on; desks already signed in stay so.",
            parent=self,
        )
        dialog.done.connect(lambda message: self._changed(message, member.name))
        return self._open(dialog)

    def _open(self, dialog: AccountDialog) -> AccountDialog:
        dialog.set_write_block(self.write_block)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def disable_confirmation(self, member: StaffMember) -> QMessageBox:
        """The question asked before disabling (built, not shown)."""
        return question(
            self,
            "Disable account",
            f"Disable {member.name}'s account?",
            yes="Disable account",
            no="Keep it enabled",
            informative=f"{member.name} can no longer sign in, and desks signed in as {member.name} are signed out"
            " now. Enable the account again to undo this.",
        )

    def toggle_enabled(self) -> None:
        member = self.selected()
        if member is None or not self.can_write:
            return
        if member.enabled:
            if not ask(self.disable_confirmation(member)):
                return

            def disable() -> str:
                ended = staff.set_enabled(self.clinic, member.name, False)
                return f"{member.name}'s account is disabled; {sessions_ended(ended)}."

            self._run(disable, member.name)
        else:

            def enable() -> str:
                staff.set_enabled(self.clinic, member.name, True)
                return f"{member.name}'s account is enabled: they can sign in again."

            self._run(enable, member.name)

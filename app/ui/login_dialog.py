"""Signing in: every member of staff with their own PostgreSQL login.

The password is kept in this process's memory for the session (the desk's connections sign in with it); it is
never written anywhere. The user name of the last person who signed in on this computer is remembered, except on a
shared workstation. The same dialog unlocks a locked desk: its Quit ends the program, Escape does nothing.
"""

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app import runtime
from app.runtime import DatabaseTarget, Login, WrongLogin
from app.ui.dialogs.field_errors import FieldErrors, InlineError, MessageBanner, make_room, stacked
from app.ui.theme import in_use
from app.ui.workers import TaskRunner, user_message

LAST_USER_KEY = "sign_in/last_user"


def default_user(target: DatabaseTarget, settings: QSettings, *, shared: bool = False) -> str:
    """Who probably signs in here: the last person on this computer, else the configured user (never the
    embedded server's own maintenance login); on a shared workstation nobody in particular."""
    if shared:
        return ""
    last = str(settings.value(LAST_USER_KEY, "") or "")
    if last:
        return last
    configured = runtime.configured_user(target)
    return configured if configured and configured != runtime.maintenance_user(target) else ""


class LoginDialog(QDialog):
    """User name and password; *Sign in* checks them at the server on a worker. A refusal is said plainly and
    the dialog stays open with what was typed (a wrong password is cleared). Cancel closes it without a login.

    `shared`: several people use this computer; the last one's name is neither offered nor remembered.
    `locked_by`: the desk is locked with this person's session behind it; anyone of the staff may sign in."""

    def __init__(
        self,
        target: DatabaseTarget,
        settings: QSettings | None = None,
        *,
        user: str = "",
        shared: bool = False,
        locked_by: str | None = None,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Desk locked" if locked_by else "Sign in")
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(440)
        self.target = target
        self.settings = settings if settings is not None else QSettings()
        self.runner = runner or TaskRunner(self, max_threads=1)
        self.login: Login | None = None
        self.shared = shared
        self.locked_by = locked_by
        self._attempt = 0  # results of an attempt the user walked away from (Cancel) are dropped
        self._busy = False

        heading = QLabel("This desk is locked" if locked_by else "Sign in to Clinic Scheduler")
        heading.setProperty("role", "heading")
        where = runtime.place(target)
        where = f"{where[:1].upper()}{where[1:]}"
        if locked_by:
            where = (
                f"Signed in: {locked_by}. Sign in as {locked_by} to carry on where you left off, or as yourself:"
                f" {locked_by}'s open windows then close without saving."
            )
        self.where = QLabel(where)
        self.where.setAccessibleName("Where the appointment book is")
        self.where.setProperty("role", "muted")
        self.where.setWordWrap(True)
        self.banner = MessageBanner()
        form = self._build_form(user or default_user(target, self.settings, shared=shared))
        buttons = self._build_buttons(locked_by)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(self.where)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.banner.set_theme(in_use())
        (self.password if self.user.text() else self.user).setFocus()

    def _build_form(self, user: str) -> QFormLayout:
        self.user = QLineEdit(user)
        self.user.setAccessibleName("User name")
        self.user.setPlaceholderText("your own user name")
        self.password = QLineEdit()
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.errors = FieldErrors()
        form = QFormLayout()
        for field, caption, line in (("user", "&User name", self.user), ("password", "&Password", self.password)):
            error = InlineError(caption.replace("&", ""))
            self.errors.add(field, line, error)
            label = QLabel(caption)
            label.setBuddy(line)
            form.addRow(label, stacked(line, error, spacing=2))
            line.textEdited.connect(lambda _text, f=field: self._edited(f))
        return form

    def _build_buttons(self, locked_by: str | None) -> QHBoxLayout:
        self.progress = QLabel()
        self.progress.setProperty("role", "muted")
        self.progress.setAccessibleName("Progress")
        self.cancel_button = QPushButton("Quit" if locked_by else "Cancel")
        self.cancel_button.setAccessibleName(self.cancel_button.text())
        self.cancel_button.setToolTip("Close Clinic Scheduler" if locked_by else "Do not sign in")
        self.cancel_button.clicked.connect(self._cancel)
        self.sign_in_button = QPushButton("&Sign in")
        self.sign_in_button.setAccessibleName("Sign in")
        self.sign_in_button.setProperty("role", "primary")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.sign_in)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.sign_in_button)
        return buttons

    def validation_errors(self) -> dict[str, str]:
        errors = {}
        if not self.user.text().strip():
            errors["user"] = "User name is required"
        if not self.password.text():
            errors["password"] = "Password is required"
        return errors

    def _edited(self, field: str) -> None:
        """Typing in a field takes its message away; the other field's stays."""
        self.errors.show({other: self.errors.message(other) for other in ("user", "password") if other != field})

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.user, self.password, self.sign_in_button):
            widget.setEnabled(not busy)
        self.progress.setText(f"Signing in to {runtime.place(self.target)}…" if busy else "")

    def sign_in(self) -> None:
        if self._busy:
            return
        errors = self.validation_errors()
        self.errors.show(errors)
        make_room(self)
        if errors:
            return
        login = Login(self.user.text().strip(), self.password.text())
        target, attempt = self.target, self._attempt
        self.banner.clear()
        self._set_busy(True)
        self.runner.submit(
            lambda: runtime.sign_in(target, login),
            lambda _none: self._signed_in(attempt, login),
            lambda error: self._refused(attempt, error),
            context=self,
        )

    def _signed_in(self, attempt: int, login: Login) -> None:
        if attempt != self._attempt:
            return
        self._set_busy(False)
        self.login = login
        if self.shared:
            self.settings.remove(LAST_USER_KEY)
        else:
            self.settings.setValue(LAST_USER_KEY, login.user)
        self.accept()

    def _refused(self, attempt: int, error: BaseException) -> None:
        if attempt != self._attempt:
            return
        self._set_busy(False)
        self.banner.show_message(f"{user_message(error)}.")
        if isinstance(error, WrongLogin):
            self.password.clear()  # typed again in full anyway; the user name is kept
            self.password.setFocus()
        else:
            self.sign_in_button.setFocus()

    def _cancel(self) -> None:
        self._attempt += 1
        self._set_busy(False)
        super().reject()

    def reject(self) -> None:
        """Escape or the window's close button: Cancel, except on a locked desk, which stays locked."""
        if not self.locked_by:
            self._cancel()

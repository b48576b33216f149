"""Who works at this desk: the signed-in person's window, and the desk locked, signed out of, or taken over by
another member of staff (a shared workstation).

Locked, every window of the program is hidden behind the sign-in; the window keeps following the schedule meanwhile.
The same person signing in gets their windows back as they left them, typing and all. Another person gets a session
of their own (their login, their permissions, their window); the first person's open dialogs are closed unsaved,
and the newcomer is told which.
"""

import logging
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.runtime import DatabaseTarget, Login, Runtime
from app.ui.input_watch import InputWatch
from app.ui.login_dialog import LoginDialog
from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

SHUTDOWN_WAIT_MS = 20_000  # a little over the statement timeout: running queries end or fail by then


class DeskSession(QObject):
    """The desk's sessions, one after another. `open_runtime(login)` connects as a person who signed in."""

    window_opened = Signal(object)  # the MainWindow of a session that just began
    finished = Signal()  # the desk is done: its window was closed, or nobody signed in after a sign-out or a lock

    def __init__(
        self,
        target: DatabaseTarget,
        open_runtime: Callable[[Login], Runtime],
        *,
        shared: bool = False,
        idle_lock_ms: int | None = None,
        settings: QSettings | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.target = target
        self._open_runtime = open_runtime
        self.shared = shared
        self.settings = settings if settings is not None else QSettings()
        self.user = ""  # who is signed in
        self.runtime: Runtime | None = None
        self.window: MainWindow | None = None
        self.sign_in_dialog: LoginDialog | None = None  # while the desk is locked or signed out of
        self._hidden: list[QWidget] = []  # the windows a lock hid, to show again for the same person
        self._active: QWidget | None = None  # the window the person was working in when the desk locked
        self._told_while_locked: list[Callable[[], None]] = []  # notices kept until the desk is unlocked
        self.input = InputWatch(idle_lock_ms, self._lock_key, self)
        self.input.idle.connect(self.lock)

    @property
    def locked(self) -> bool:
        return self.sign_in_dialog is not None and self.sign_in_dialog.locked_by is not None

    def when_unlocked(self, tell: Callable[[], None]) -> None:
        """Call `tell` now, or once the desk is unlocked if it is locked (a notice must not show beside the lock);
        dropped if another person signs in: their window says for itself what it must."""
        if self.locked:
            self._told_while_locked.append(tell)
        else:
            tell()

    def begin(self, login: Login) -> MainWindow:
        """Open the window of `login`, who has just signed in."""
        self.user = login.user
        self.runtime = self._open_runtime(login)
        window = MainWindow(self.runtime, self.settings)
        window.lock_requested.connect(self.lock)
        window.sign_out_requested.connect(self.sign_out)
        window.closed.connect(lambda: self._window_closed(window))
        self.window = window
        self.window_opened.emit(window)
        window.show()
        self.input.start()
        return window

    def lock(self) -> None:
        """Hide every window of the program until the same person, or another, signs in."""
        if self.window is None or self.sign_in_dialog is not None:
            return
        self.input.stop()
        shown = [widget for widget in QApplication.topLevelWidgets() if widget.isVisible()]
        # Windows and dialogs come back; menus and popups stay closed, and so does a question asked in a loop of
        # its own (exec, application-modal): hiding it ended the question, as No.
        windows = (Qt.WindowType.Window, Qt.WindowType.Dialog)
        asking = Qt.WindowModality.ApplicationModal
        self._hidden = [w for w in shown if w.windowType() in windows and w.windowModality() != asking]
        self._active = QApplication.activeWindow()
        for widget in shown:
            widget.hide()
        log.info("desk locked")
        self._ask(locked_by=self.user)

    def sign_out(self) -> None:
        """End this session (open dialogs close unsaved) and ask who signs in next."""
        if self.window is None or self.sign_in_dialog is not None:
            return
        self.input.stop()
        self._ask(locked_by=None)  # first: the program is never left without a window
        self._end_session()
        log.info("signed out")

    def end(self) -> None:
        """The program ends: let the session go (its window's work ends first)."""
        self.input.stop()
        self._end_session()

    def _lock_key(self, key: QKeyEvent) -> bool:
        """The window's Lock key (Ctrl+L) from any of the desk's windows: a dialog open over the window, or a
        notice over that, blocks the window's own shortcuts."""
        if self.window is None or QKeySequence(key.keyCombination()) != self.window.lock_action.shortcut():
            return False
        self.lock()
        return True

    def _ask(self, *, locked_by: str | None) -> None:
        dialog = LoginDialog(
            self.target,
            self.settings,
            user="" if self.shared else self.user,
            shared=self.shared,
            locked_by=locked_by,
        )
        dialog.accepted.connect(lambda: self._signed_in(dialog))
        dialog.rejected.connect(lambda: self._nobody_signed_in(dialog))
        self.sign_in_dialog = dialog
        dialog.show()
        dialog.activateWindow()

    def _signed_in(self, dialog: LoginDialog) -> None:
        login = dialog.login
        self._let_go(dialog)
        if self.window is not None and login.user == self.user:
            self.runtime.use_password(login.password)  # changed at another desk meanwhile, perhaps
            self._show_again()
            log.info("desk unlocked by the same person")
            return
        previous = self.user
        discarded = self._end_session()
        log.info("another person signed in at this desk; %d open windows discarded", len(discarded))
        try:
            window = self.begin(login)
        except Exception as exc:  # the program must not go on without a window: say why, and ask again
            log.exception("cannot open a session for the person who signed in")
            self._ask(locked_by=None)
            self.sign_in_dialog.banner.show_message(f"This desk could not open for {login.user}: {exc}.")
            return
        if discarded:
            tell_discarded(window, previous, discarded)

    def _nobody_signed_in(self, dialog: LoginDialog) -> None:
        """Quit at the locked desk, or Cancel at the sign-in after a sign-out: the program ends."""
        self._let_go(dialog)
        self._end_session()
        self.finished.emit()

    def _let_go(self, dialog: LoginDialog) -> None:
        self.sign_in_dialog = None
        dialog.runner.wait_for_done(SHUTDOWN_WAIT_MS)
        dialog.deleteLater()

    def _show_again(self) -> None:
        hidden, self._hidden = self._hidden, []
        for widget in hidden:
            if shiboken6.isValid(widget):  # a dialog may have finished its work and closed meanwhile
                widget.show()
        active, self._active = self._active, None
        if active is not None and shiboken6.isValid(active) and active.isVisible():
            active.raise_()
            active.activateWindow()
        told, self._told_while_locked = self._told_while_locked, []
        for tell in told:
            tell()
        self.input.start()

    def _end_session(self) -> list[str]:
        """Close the window and its dialogs, unsaved, and let its database connections go; the titles of the dialogs
        that were still open. A save under way finishes first, and its dialog closes as it would have."""
        window, self.window, self._hidden, self._active, self._told_while_locked = self.window, None, [], None, []
        if window is None:
            return []
        window.runner.wait_for_done(SHUTDOWN_WAIT_MS)
        QCoreApplication.sendPostedEvents(window.runner, QEvent.Type.MetaCall)  # its results, delivered now
        dialogs = window.dialogs.open_dialogs()
        for dialog in dialogs:
            dialog.hide()
        window.close()  # it saves its layout and stops reading; no longer this session's, its `closed` is ignored
        self._release(window)
        return [dialog.windowTitle() for dialog in dialogs]

    def _window_closed(self, window: MainWindow) -> None:
        """Quit, or the window's close button: the program ends."""
        if window is not self.window:
            return
        self.input.stop()
        self.window = None
        self._release(window)
        self.finished.emit()

    def _release(self, window: MainWindow) -> None:
        window.runner.close()  # results still queued would start new reads
        window.runner.wait_for_done(SHUTDOWN_WAIT_MS)
        window.deleteLater()  # its dialogs with it
        if self.runtime is not None:
            self.runtime.close()
            self.runtime = None


def tell_discarded(window: MainWindow, previous: str, titles: list[str]) -> QMessageBox:
    """Tell whoever took over the desk that the previous person's open windows were closed unsaved."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "Windows closed unsaved",
        f"{previous}'s open windows were closed without saving: {', '.join(titles)}.",
        parent=window,
    )
    box.setInformativeText(
        f"What {previous} had typed there and not saved is not in the appointment book; they can enter it again"
        " when they sign in."
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box

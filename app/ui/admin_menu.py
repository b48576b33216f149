"""The Admin menu: one entry per admin screen, each shown only while the signed-in role may open it, and the menu
itself only while it has an entry (what a role may not do is hidden, not disabled)."""

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenuBar, QWidget

from app.services.access import Permissions
from app.ui.actions import make_action
from app.ui.dialog_launcher import DialogLauncher


class AdminMenu:
    def __init__(self, menu_bar: QMenuBar, dialogs: DialogLauncher, parent: QWidget):
        self.menu = menu_bar.addMenu("&Admin")
        self._parent = parent
        self._entries: list[tuple[QAction, Callable[[Permissions], bool]]] = []
        self.providers_action = self._add(
            "Providers and hours…",
            "Add providers, edit them, set their weekly hours, slot length and time off",
            dialogs.open_providers,
            lambda allowed: allowed.can_manage_schedule,
        )
        self.types_action = self._add(
            "Appointment types…",
            "Add and edit appointment types, their lengths, buffers and colours",
            dialogs.open_types,
            lambda allowed: allowed.can_manage_schedule,
        )
        self.rooms_action = self._add(
            "Rooms and equipment…",
            "Rooms and equipment that appointment types may need, by kind; whether each is in use",
            dialogs.open_rooms,
            lambda allowed: allowed.can_manage_schedule,
        )
        self.closures_action = self._add(
            "Clinic closures…",
            "Public holidays and other times the whole clinic is closed: nobody can be booked then",
            dialogs.open_closures,
            lambda allowed: allowed.can_manage_schedule,
        )
        self.staff_action = self._add(
            "Staff…",
            "Add staff logins, disable or enable them, reset passwords",
            dialogs.open_staff,
            lambda allowed: allowed.can_manage_staff,
        )
        self.audit_action = self._add(
            "Audit log…",
            "Who changed what, when and from which workstation",
            dialogs.open_audit_log,
            lambda allowed: allowed.can_view_audit,
        )
        self.show_for(None)

    def _add(self, text: str, tip: str, slot: Callable[[], object], allowed: Callable[[Permissions], bool]) -> QAction:
        action = make_action(self._parent, text, None, tip, slot)
        self.menu.addAction(action)
        self._entries.append((action, allowed))
        return action

    def show_for(self, permissions: Permissions | None) -> None:
        """Offer what `permissions` allow (None: the database has not said yet, so nothing)."""
        for action, allowed in self._entries:
            action.setVisible(permissions is not None and allowed(permissions))
        self.menu.menuAction().setVisible(any(action.isVisible() for action, _ in self._entries))

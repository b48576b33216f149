"""Moving an appointment without the mouse: Ctrl+X on its block in the week or day view cuts it, Ctrl+V on an empty
time (the time cursor) moves it there, through the same atomic move as a drag and drop; Escape gives it up. The cut
holds across views, days and weeks, so an appointment can move anywhere the views reach."""

from collections.abc import Callable
from datetime import datetime

from app.services.schedule import AppointmentView
from app.ui.dates import DAY_IN_MONTH, clock, day_words
from app.ui.dialog_launcher import DialogLauncher
from app.ui.views.columns import GridColumn
from app.ui.views.time_grid import TimeGridView


class KeyboardMove:
    def __init__(
        self, grids: list[TimeGridView], dialogs: DialogLauncher, shown: Callable[[int], AppointmentView | None]
    ):
        self._grids, self._dialogs, self._shown = grids, dialogs, shown
        self.cut: AppointmentView | None = None
        for grid in grids:
            grid.cut_requested.connect(self._cut_or_give_up)
            grid.paste_requested.connect(self._paste)

    def _cut_or_give_up(self, appointment_id: int | None) -> None:
        appointment = self._shown(appointment_id) if appointment_id is not None else None
        if appointment is not None and not self._dialogs.desk.can_book:
            self._dialogs.message.emit("This desk cannot move appointments.", 8_000)
            return
        self._mark(appointment)
        if appointment is None:
            self._dialogs.message.emit("Nothing to move.", 3_000)
            return
        start = appointment.starts_at.astimezone(self._dialogs.clinic.zone)
        when = f"{day_words(start.date(), DAY_IN_MONTH)} {clock(start)}"
        self._dialogs.message.emit(
            f"Moving {appointment.patient_name}'s appointment of {when}: go to the new time (Escape, then the arrow"
            " keys) and press Ctrl+V; Escape gives up.",
            0,
        )

    def _paste(self, column: GridColumn, moment: datetime) -> None:
        appointment = self.cut
        if appointment is None:
            self._dialogs.message.emit("Nothing to move: select an appointment and press Ctrl+X first.", 8_000)
            return
        self._mark(None)
        self._dialogs.move_by_drop(appointment, column, moment)

    def _mark(self, appointment: AppointmentView | None) -> None:
        self.cut = appointment
        for grid in self._grids:
            grid.set_cut(appointment.id if appointment is not None else None)

"""Screenshots over demo data: the month, week and day views and the booking dialog, light and dark; the offline
window, the first start, signing in, the admin screens, a series' preview, the waitlist, the print preview, the
reports and today's flow, light; a locked desk, dark."""

import tempfile
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QDialog, QWidget
from sqlalchemy import text

from app.db.connect import DatabaseTarget
from app.db.engine import make_engine
from app.domain.errors import DomainError
from app.domain.models import BookingRequest
from app.services import booking, flow, providers, waitlist
from app.services.flow import Stage
from app.services.waitlist import Priority
from app.tools.showcase import (
    SHOWCASE_ADMIN,
    SHOWCASE_NOW,
    Showcase,
    database_closed,
    demo,
    settle_layout,
    wait_until,
)
from app.ui.dialogs.booking_dialog import BookingDialog
from app.ui.dialogs.series_dialog import SeriesDialog
from app.ui.first_run import FirstRunDialog
from app.ui.login_dialog import LoginDialog
from app.ui.main_window import MainWindow
from app.ui.navigation import ViewMode

PATIENT_QUERY = "Garcia"


def _settled(window: MainWindow) -> bool:
    return not window.runner.busy and not window.picker.is_loading


def _save(widget: QWidget, path: Path) -> Path:
    widget.grab().save(str(path))
    return path


def _show(window: MainWindow, mode: ViewMode, provider_id: int | None) -> None:
    window.show_provider(provider_id)
    window.go_to(SHOWCASE_NOW.date(), mode)
    wait_until(lambda: _settled(window))


def _pick_a_time(window: MainWindow, provider_id: int) -> None:
    """Choose the provider's second free time today in the picker, as a receptionist would."""
    window.picker.show_day(window.desk.provider(provider_id), SHOWCASE_NOW.date())
    wait_until(lambda: _settled(window))
    free = window.picker.free_times()
    window.picker.select_start(free[min(1, len(free) - 1)])


def _filled_booking_dialog(window: MainWindow) -> BookingDialog:
    dialog = window.dialogs.open_booking(window.picker.provider, window.picker.selected_start)
    wait_until(lambda: _settled(window))
    dialog.search.set_query(PATIENT_QUERY)
    wait_until(lambda: _settled(window) and dialog.search.result_count() > 0)
    dialog.search.choose_row(0)
    dialog.notes_edit.setPlainText("Follow-up on blood pressure; bring the home readings.")
    wait_until(lambda: _settled(window))
    return dialog


def _booking_dialog(window: MainWindow, path: Path) -> Path:
    dialog = _filled_booking_dialog(window)
    try:
        return _save(dialog, path)
    finally:
        dialog.reject()


def _conflicts_for_a_series(window: MainWindow, patient_id: int) -> None:
    """Two weeks after the picked time its provider is on a course, four weeks after it another patient has it (or
    the demo's appointments took those times already: conflicts as well)."""
    start, provider_id, clinic = window.picker.selected_start, window.picker.provider.id, window.clinic
    course, taken = start + timedelta(weeks=2), start + timedelta(weeks=4)
    other = next(a.patient_id for a in window.data.appointments.values() if a.patient_id != patient_id)
    with suppress(DomainError):
        providers.add_time_off(clinic, provider_id, course, course + timedelta(minutes=30), "Course")
    with suppress(DomainError):
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=other, start=taken))


def _series(window: MainWindow, path: Path) -> Path:
    """Book as a series from the filled booking dialog: weekly, eight times, each occurrence free or why not."""
    booking_dialog = _filled_booking_dialog(window)
    _conflicts_for_a_series(window, booking_dialog.search.chosen.id)
    booking_dialog.series_button.click()
    dialog = window.findChild(SeriesDialog)
    dialog.count_spin.setValue(8)
    wait_until(lambda: _settled(window) and dialog.occurrences.rowCount() == 8 and dialog.state_label.text() != "")
    try:
        return _admin_screen(window, dialog, path, 720, 560)
    finally:
        booking_dialog.reject()


def _put_on_the_waitlist(window: MainWindow, provider_id: int) -> None:
    """Three patients waiting: for the busiest provider, for any provider, and one urgent, added days ago."""
    clinic, today = window.clinic, SHOWCASE_NOW.date()
    patients = sorted({a.patient_id for a in window.data.appointments.values()})[:3]
    kind = next(t.id for t in window.desk.types if t.is_default)
    for patient_id, whom, priority, days_ago in zip(
        patients, ({"provider_id": provider_id}, {}, {"provider_id": provider_id}), Priority, (2, 9, 16), strict=False
    ):
        entry_id = waitlist.add_entry(
            clinic, patient_id=patient_id, type_id=kind, earliest=today, latest=today + timedelta(days=14),
            priority=priority, note="can come at short notice" if priority is Priority.URGENT else "", **whom,
        )  # fmt: skip
        clinic.uow.run(  # as if added days ago, by the showcase's clock
            lambda conn, entry_id=entry_id, days_ago=days_ago: conn.execute(
                text("UPDATE waitlist SET added_at = :at WHERE id = :id"),
                {"at": SHOWCASE_NOW - timedelta(days=days_ago, hours=2), "id": entry_id},
            )
        )


def _waitlist(window: MainWindow, path: Path) -> Path:
    dialog = window.dialogs.open_waitlist()
    wait_until(lambda: _settled(window) and dialog.sorted.rowCount() > 0)
    return _admin_screen(window, dialog, path, 1180, 420)


def _waitlist_match(window: MainWindow, provider_id: int, path: Path) -> Path:
    """A cancellation of the provider's next appointment: the waiting patients it fits show at the bottom."""
    upcoming = [
        a for a in window.data.appointments.values()
        if a.provider_id == provider_id and a.status == "booked" and a.starts_at > SHOWCASE_NOW
    ]  # fmt: skip
    booking.cancel(window.clinic, min(upcoming, key=lambda a: a.starts_at).id)
    wait_until(lambda: _settled(window) and window.waitlist_notices.rows())
    settle_layout()
    saved = _save(window, path)
    for row in window.waitlist_notices.rows():
        row.dismiss_button.click()
    return saved


def _offline(showcase: Showcase, path: Path) -> Path:
    """The window and an open booking dialog while the database is out of reach, the dialog over the window
    as the screen shows it."""
    window = showcase.window
    dialog = _filled_booking_dialog(window)
    try:
        with database_closed(showcase):
            shot = window.grab()
            painter = QPainter(shot)
            over = dialog.grab()
            painter.drawPixmap((shot.width() - over.width()) // 2, (shot.height() - over.height()) // 3, over)
            painter.end()
            shot.save(str(path))
    finally:
        dialog.reject()
    return path


def _first_run(path: Path) -> Path:
    """The first-start dialog as IT's instructions would have a receptionist fill it in (no connection made)."""
    dialog = FirstRunDialog(write_config=lambda **_values: path)
    try:
        dialog.server_choice.click()
        for field, value in ((dialog.host, "db.clinic.lan"), (dialog.user, "frontdesk1")):
            field.setText(value)
        dialog.timezone.setCurrentText(SHOWCASE_NOW.tzinfo.key)
        dialog.show()
        settle_layout()
        return _save(dialog, path)
    finally:
        dialog.reject()
        dialog.deleteLater()


def _sign_in(path: Path, locked_by: str | None = None) -> Path:
    """The sign-in dialog for a desk of a shared server, with the user name filled in (no connection made); with
    `locked_by`, as a locked desk shows it."""
    target = DatabaseTarget(f"postgresql+psycopg://{SHOWCASE_ADMIN}@db.clinic.lan/clinic", "db.clinic.lan/clinic")
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "ui.ini"), QSettings.Format.IniFormat)
        dialog = LoginDialog(target, settings, user=locked_by or SHOWCASE_ADMIN, locked_by=locked_by)
        try:
            dialog.show()
            dialog.password.setFocus()
            settle_layout()
            return _save(dialog, path)
        finally:
            dialog.done(QDialog.DialogCode.Rejected)
            dialog.deleteLater()


def _admin_screen(window: MainWindow, dialog: QDialog, path: Path, width: int, height: int) -> Path:
    try:
        dialog.resize(width, height)
        wait_until(lambda: _settled(window))
        settle_layout()
        return _save(dialog, path)
    finally:
        dialog.reject()


def _audit_log(window: MainWindow, path: Path) -> Path:
    dialog = window.dialogs.open_audit_log()
    wait_until(lambda: _settled(window) and dialog.model.rowCount() > 0)
    dialog.table.setCurrentIndex(dialog.model.index(0, 0))
    return _admin_screen(window, dialog, path, 1180, 720)


def _change_password(window: MainWindow, path: Path) -> Path:
    """File → Change my password…, with the current password typed and a new one too short to take."""
    dialog = window.dialogs.change_my_password()
    dialog.form.current_password.setText("the one I signed in with")
    dialog.form.password.setText("short")
    dialog.form.confirmation.setText("short")
    dialog.form.reveal()
    return _admin_screen(window, dialog, path, 520, 250)


def _next_available(window: MainWindow, path: Path) -> Path:
    """New booking with no time picked: the first free times of a procedure (an hour, and a room) anywhere."""
    dialog = window.dialogs.find_next_free()
    wait_until(lambda: dialog.type_combo.count() > 0)
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findText("Procedure"))
    dialog.search()
    wait_until(lambda: _settled(window) and dialog.results.count() > 0 and "Looking" not in dialog.state_label.text())
    return _admin_screen(window, dialog, path, 560, 560)


def _appointment_details(window: MainWindow, path: Path) -> Path:
    """A procedure's details: its time, type, room-taking length, the patient's phone and email, its history."""
    procedures = [a for a in window.data.appointments.values() if a.type_code == "procedure" and a.status == "booked"]
    dialog = window.dialogs.show_appointment(min(procedures, key=lambda a: a.starts_at))
    wait_until(lambda: _settled(window) and dialog.history_model.rowCount() > 0)
    return _admin_screen(window, dialog, path, 720, 680)


def _day_by_rooms(window: MainWindow, path: Path) -> Path:
    """The day view with a column per room (View > Rooms as Columns), then back to the providers."""
    window.rooms_action.trigger()
    _show(window, ViewMode.DAY, None)
    saved = _save(window, path)
    window.rooms_action.trigger()
    wait_until(lambda: _settled(window))
    return saved


def _flow_board(window: MainWindow, owner_url: str, path: Path) -> Path:
    """Today's flow at mid-morning: the first patients done, with the provider and waiting (one for too long)."""
    since = SHOWCASE_NOW - timedelta(hours=1)
    board = flow.flow_board(window.clinic, SHOWCASE_NOW.date())
    today = [entry for entry in board if entry.stage == Stage.EXPECTED and entry.starts_at >= since]
    steps = ((Stage.EXPECTED, Stage.ARRIVED), (Stage.EXPECTED,), (Stage.EXPECTED,))  # each from the stage it is at
    for appointment, moves in zip(today, steps, strict=False):
        for stage in moves:
            flow.move_on(window.clinic, appointment.appointment_id, stage)
    owner = make_engine(owner_url)  # the arrival times are the database's own: staff cannot set them
    try:
        with owner.begin() as conn:
            # Arrived (and, the first, called in) that many minutes ago, by the database's clock.
            for appointment, arrived, seen in zip(today, (31, 24, 6), (9, None, None), strict=False):
                conn.execute(
                    text(
                        "UPDATE appointments SET checked_in_at = now() - CAST(:arrived AS interval),"
                        " seen_at = now() - CAST(:seen AS interval) WHERE id = :id"
                    ),
                    {
                        "arrived": timedelta(minutes=arrived, seconds=10),
                        "seen": None if seen is None else timedelta(minutes=seen),
                        "id": appointment.appointment_id,
                    },
                )
    finally:
        owner.dispose()
    dialog = window.dialogs.open_flow_board(window.settings)
    wait_until(lambda: _settled(window) and dialog.model.rowCount() > 0)
    return _admin_screen(window, dialog, path, 980, 560)


def _reports(window: MainWindow, path: Path) -> Path:
    dialog = window.dialogs.open_reports()
    wait_until(lambda: _settled(window) and dialog.pages[0].chart_views())
    return _admin_screen(window, dialog, path, 1180, 800)


def _print_preview(window: MainWindow, path: Path) -> Path:
    """File → Print… on the day of every provider: Qt's preview of the side-by-side day sheet."""
    dialog = window.dialogs.open_print(SHOWCASE_NOW.date(), None)
    wait_until(lambda: _settled(window) and dialog.for_combo.count() > 1)
    dialog.print_button.click()
    wait_until(lambda: _settled(window) and dialog.preview_dialog is not None)
    try:
        return _admin_screen(window, dialog.preview_dialog, path, 1180, 860)
    finally:
        dialog.reject()


def _small_screen(window: MainWindow, provider_id: int, output: Path) -> list[Path]:
    """The week of one provider and the day of every provider, at 1024x768."""
    window.resize(1024, 768)
    _show(window, ViewMode.WEEK, provider_id)
    _pick_a_time(window, provider_id)
    week = _save(window, output / "week-1024-light.png")
    _show(window, ViewMode.DAY, None)
    _pick_a_time(window, provider_id)
    return [week, _save(window, output / "day-1024-light.png")]


def take(output: Path) -> list[Path]:
    output.mkdir(parents=True, exist_ok=True)
    saved = []
    with demo() as showcase:
        window = showcase.window
        busiest = window.desk.providers[0].id
        for theme_name in ("light", "dark"):
            window.themes.choose(theme_name)
            _show(window, ViewMode.MONTH, None)
            window.picker.show_day(None, SHOWCASE_NOW.date())
            wait_until(lambda: _settled(window))
            saved.append(_save(window, output / f"month-{theme_name}.png"))
            _show(window, ViewMode.WEEK, busiest)
            _pick_a_time(window, busiest)
            saved.append(_save(window, output / f"week-{theme_name}.png"))
            _show(window, ViewMode.DAY, None)
            _pick_a_time(window, busiest)
            saved.append(_save(window, output / f"day-{theme_name}.png"))
            saved.append(_booking_dialog(window, output / f"booking-{theme_name}.png"))
        saved.append(_sign_in(output / "locked-dark.png", locked_by="frontdesk1"))
        window.themes.choose("light")
        _show(window, ViewMode.WEEK, busiest)
        _pick_a_time(window, busiest)
        saved.append(_offline(showcase, output / "offline-light.png"))
        saved.append(_first_run(output / "first-run-light.png"))
        saved.append(_sign_in(output / "sign-in-light.png"))
        saved.append(_admin_screen(window, window.dialogs.open_providers(), output / "providers-light.png", 1180, 840))
        saved.append(_admin_screen(window, window.dialogs.open_types(), output / "types-light.png", 980, 560))
        saved.append(_admin_screen(window, window.dialogs.open_rooms(), output / "rooms-light.png", 820, 400))
        saved.append(_next_available(window, output / "next-available-light.png"))
        saved.append(_day_by_rooms(window, output / "day-rooms-light.png"))
        _show(window, ViewMode.WEEK, busiest)
        saved.append(_appointment_details(window, output / "appointment-light.png"))
        saved.append(_audit_log(window, output / "audit-light.png"))
        saved.append(_change_password(window, output / "change-password-light.png"))
        _show(window, ViewMode.WEEK, busiest)
        _pick_a_time(window, busiest)
        saved.append(_series(window, output / "series-light.png"))
        _put_on_the_waitlist(window, busiest)
        saved.append(_waitlist(window, output / "waitlist-light.png"))
        saved.append(_waitlist_match(window, busiest, output / "waitlist-match-light.png"))
        saved.append(_print_preview(window, output / "print-preview-light.png"))
        saved.append(_reports(window, output / "reports-light.png"))
        _show(window, ViewMode.DAY, None)
        saved.append(_flow_board(window, showcase.owner_url, output / "flow-light.png"))
        saved += _small_screen(window, busiest, output)
    return saved


def main(output: str) -> int:
    for path in take(Path(output)):
        print(path)
    return 0

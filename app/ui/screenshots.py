"""Screenshots of the month, week and day views and the booking dialog, light and dark, over demo data."""

from pathlib import Path

from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QWidget

from app.ui.dialogs.booking_dialog import BookingDialog
from app.ui.first_run import FirstRunDialog
from app.ui.main_window import MainWindow
from app.ui.navigation import ViewMode
from app.ui.showcase import SHOWCASE_NOW, database_closed, demo_window, settle_layout, wait_until

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
    window.picker.show_day(window.provider(provider_id), SHOWCASE_NOW.date())
    wait_until(lambda: _settled(window))
    free = window.picker.free_times()
    window.picker.select_start(free[min(1, len(free) - 1)])


def _filled_booking_dialog(window: MainWindow) -> BookingDialog:
    dialog = window.open_booking(window.picker.provider, window.picker.selected_start)
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


def _offline(window: MainWindow, path: Path) -> Path:
    """The window and an open booking dialog while the database is out of reach, the dialog over the window
    as the screen shows it."""
    dialog = _filled_booking_dialog(window)
    try:
        with database_closed(window):
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


def take(output: Path) -> list[Path]:
    output.mkdir(parents=True, exist_ok=True)
    saved = []
    with demo_window() as window:
        busiest = window.providers[0].id
        for theme_name in ("light", "dark"):
            window.set_theme_choice(theme_name)
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
        window.set_theme_choice("light")
        _show(window, ViewMode.WEEK, busiest)
        _pick_a_time(window, busiest)
        saved.append(_offline(window, output / "offline-light.png"))
        saved.append(_first_run(output / "first-run-light.png"))
    return saved


def main(output: str) -> int:
    for path in take(Path(output)):
        print(path)
    return 0

"""Printing from the window: File → Print… starts from the day and the provider shown, previews in Qt's print preview
and saves a PDF holding the day's appointments; a week sheet asks for a provider; the appointment dialog previews the
patient's card."""

from datetime import timedelta

from PySide6.QtPrintSupport import QPrintPreviewDialog, QPrintPreviewWidget

from app.domain.models import BookingRequest
from app.services import booking
from app.services.schedule import Provider
from app.ui.dialogs.print_dialog import WEEK_SHEET, PrintDialog
from app.ui.navigation import ViewMode
from tests.conftest import new_patient
from tests.gui.desks import TUESDAY, at, click, show
from tests.pdf_text import pdf_pages


def print_dialog(window) -> PrintDialog:
    return next(d for d in window.dialogs.open_dialogs() if isinstance(d, PrintDialog))


def test_print_starts_from_what_the_window_shows_and_saves_the_pdf(qtbot, desks, db_url, clinic, provider_id, tmp_path):
    ada = new_patient(clinic, "Ada", "Lovelace")
    booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=ada, start=at(TUESDAY, 9)))
    _desk, window = desks(db_url)
    show(qtbot, window, TUESDAY, ViewMode.DAY, provider_id)

    window.pdf_action.trigger()
    dialog = print_dialog(window)
    qtbot.waitUntil(lambda: isinstance(dialog.for_combo.currentData(), Provider))
    assert dialog.for_combo.currentData().id == provider_id and dialog.day_edit.date().toPython() == TUESDAY
    assert dialog.pdf_button.isDefault()
    target = tmp_path / "tuesday.pdf"
    dialog.ask_pdf_path = lambda suggested: str(target)  # the file dialog's answer
    click(qtbot, dialog.pdf_button)
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Saved"))
    assert f"Saved {target} (1 page)." == dialog.message.text()
    assert "09:00–09:30 Ada Lovelace" in pdf_pages(target)[0]

    click(qtbot, dialog.print_button)
    qtbot.waitUntil(lambda: dialog.preview_dialog is not None and dialog.preview_dialog.isVisible())
    pages = dialog.preview_dialog.findChild(QPrintPreviewWidget)
    qtbot.waitUntil(lambda: pages.pageCount() == 1)
    dialog.preview_dialog.reject()

    dialog.reject()
    show(qtbot, window, TUESDAY, ViewMode.WEEK, provider_id)
    window.print_action.trigger()  # Ctrl+P on a provider's week: the week sheet, from its Monday
    dialog = next(d for d in window.dialogs.open_dialogs() if isinstance(d, PrintDialog))
    assert dialog.kind_combo.currentData() == WEEK_SHEET and dialog.day_edit.date().toPython() == TUESDAY - timedelta(1)
    qtbot.waitUntil(lambda: isinstance(dialog.for_combo.currentData(), Provider))
    dialog.for_combo.setCurrentIndex(0)  # all providers, side by side
    assert not dialog.print_button.isEnabled() and "choose one under For" in dialog.message.text()


def test_the_appointment_dialog_previews_the_patient_s_card(qtbot, desks, db_url, clinic, provider_id):
    ada = new_patient(clinic, "Ada", "Lovelace")
    appointment = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=ada, start=at(TUESDAY, 9)))
    _desk, window = desks(db_url)
    details = window.open_appointment(appointment)
    qtbot.waitUntil(lambda: details.card_button.isVisible())
    click(qtbot, details.card_button)
    qtbot.waitUntil(lambda: details.findChild(QPrintPreviewDialog) is not None)
    card = details.findChild(QPrintPreviewDialog)
    qtbot.waitUntil(lambda: card.findChild(QPrintPreviewWidget).pageCount() == 1)
    card.reject()

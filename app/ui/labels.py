"""How appointment statuses read on screen, the same in every view and dialog."""

from app.domain.models import AppointmentStatus

STATUS_LABELS = {
    AppointmentStatus.BOOKED: "Booked",
    AppointmentStatus.CHECKED_IN: "Checked in",
    AppointmentStatus.COMPLETED: "Completed",
    AppointmentStatus.NO_SHOW: "No-show",
    AppointmentStatus.CANCELLED: "Cancelled",
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)  # a StrEnum member and its value are the same key

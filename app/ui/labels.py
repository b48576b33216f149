"""How appointment statuses and providers read on screen, the same in every view and dialog."""

from app.domain.models import AppointmentStatus
from app.services.schedule import Provider

STATUS_LABELS = {
    AppointmentStatus.BOOKED: "Booked",
    AppointmentStatus.CHECKED_IN: "Checked in",
    AppointmentStatus.COMPLETED: "Completed",
    AppointmentStatus.NO_SHOW: "No-show",
    AppointmentStatus.CANCELLED: "Cancelled",
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)  # a StrEnum member and its value are the same key


def provider_label(provider: Provider) -> str:
    """A provider as a list of them offers it: the name, and the specialty in brackets."""
    return provider.name + (f" ({provider.specialty})" if provider.specialty else "")

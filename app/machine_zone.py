"""This machine's time zone by its IANA name, as the first start offers it and `doctor` reports it."""

import zoneinfo

from PySide6.QtCore import QTimeZone


def machine_timezone() -> str:
    """The machine's IANA time zone name, or "" if it has none we can tell. Qt asks the system (TZ and
    /etc/localtime on Linux; Windows' own zone, mapped to its IANA name, on Windows)."""
    name = bytes(QTimeZone.systemTimeZoneId()).decode(errors="replace")
    return name if name in zoneinfo.available_timezones() else ""

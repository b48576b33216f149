"""A desktop Qt cannot open: which system libraries are missing, said plainly, instead of Qt's abort.

Qt 6.5 and later need libxcb-cursor0 and other X11 libraries for their `xcb` platform. Without them (or without a
display), Qt prints its own message and aborts the process, leaving a core dump. The program watches for that fatal
message and ends itself first, with exit code 1 and a sentence naming the packages to install.
"""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QtMsgType, qInstallMessageHandler

from app.desktop_libraries import missing_desktop_packages
from app.windowed import show_collected


def platform_failure_message() -> str:
    missing = missing_desktop_packages()
    if missing:
        return (
            "The desktop window cannot open: this computer lacks system libraries Qt needs. Install them, e.g. on"
            f" Debian or Ubuntu: sudo apt-get install {' '.join(missing)}"
        )
    display = os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY")
    where = f"the display {display!r}" if display else "a display (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    return f"The desktop window cannot open: it cannot reach {where}. Start it from a desktop session"


@contextmanager
def plain_exit_if_qt_cannot_start() -> Iterator[None]:
    """Around the making of the QApplication: a fatal failure to load Qt's platform ends the program with exit code
    1 and a message that says what to install, before Qt aborts it. Qt's other messages pass on as they would."""

    def handler(kind: QtMsgType, context, message: str) -> None:
        if kind == QtMsgType.QtFatalMsg and "platform plugin" in message:
            print(platform_failure_message(), file=sys.stderr, flush=True)
            show_collected()
            os._exit(1)
        if previous is not None:
            previous(kind, context, message)
        else:
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)

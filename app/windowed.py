"""The desk's windowed Windows program has no console: what it would print for the person at the desk (a wrong
argument in a shortcut, an `error: ...` line, a crash's traceback) is collected and shown in one message box when it
ends, never lost in a silent exit."""

import atexit
import ctypes
import io
import sys
from pathlib import Path

WINDOWED_PROGRAM = "Clinic Scheduler.exe"
TITLE = "Clinic Scheduler"
MB_ICONERROR = 0x10


class _ForTheBox(io.StringIO):
    """stderr of the windowed program: kept for the message box."""


def collect_errors_for_a_box() -> None:
    """In the windowed program only (the spec names it): a console or a terminal shows stderr as it is. Decided by
    name, not by a missing stderr: started with handles of its own (by Wine from a terminal, or by a script that
    redirects them), it would print where nobody looks."""
    if sys.platform != "win32" or Path(sys.executable).name != WINDOWED_PROGRAM:
        return
    sys.stderr = _ForTheBox()
    atexit.register(show_collected)


def collecting() -> bool:
    return isinstance(sys.stderr, _ForTheBox)


def show_collected() -> None:
    """Show what was collected now, in a message box (also before an `os._exit`, which skips atexit); once."""
    if not collecting():
        return
    text = sys.stderr.getvalue().strip()
    sys.stderr.seek(0)
    sys.stderr.truncate()
    if text:
        ctypes.windll.user32.MessageBoxW(None, headline_first(text), TITLE, MB_ICONERROR)


def headline_first(text: str) -> str:
    """The last line (argparse's error, a traceback's exception) first, then all of it: what went wrong is read
    before the details."""
    lines = text.splitlines()
    return text if len(lines) == 1 else f"{lines[-1]}\n\n{text}"

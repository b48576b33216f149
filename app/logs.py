"""Where the program's log goes: a rotating file in the user log folder, and stderr for people watching.

The file gets INFO and above with enough context to diagnose a desk's problem later; stderr shows errors
only (the commands print their own `error: ...` line), or INFO and above with `--verbose`. Uncaught
exceptions, on any thread or in a Qt slot (PySide6 reports those through `sys.excepthook`), are logged
with their traceback. PostgreSQL's DETAIL lines can repeat a row's values (a patient's name), so every
line that reaches a handler has them blanked out.
"""

import logging
import os
import re
import sys
import threading
from datetime import datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

from app import APP_NAME
from app.windowed import collecting

MAX_BYTES = 1_000_000
BACKUPS = 5
_HANDLER_NAMES = ("clinic-file", "clinic-stderr")
_FILE_FORMAT = "%(asctime)s %(levelname)s pid=%(process)d [%(threadName)s] %(name)s: %(message)s"
_STDERR_FORMAT = "%(levelname)s %(name)s: %(message)s"
# A DETAIL runs on (a row's text may hold line breaks) until a line that starts something else.
_DETAIL = re.compile(r"DETAIL:")
_AFTER_DETAIL = re.compile(
    r"\s*(HINT:|CONTEXT:|\[SQL:|\(Background on this error|The above exception|During handling"
    r"|Traceback \(most recent|Stack \(most recent)"
)
REDACTED = "DETAIL:  [redacted: may hold patient data]"

log = logging.getLogger(__name__)


def log_file_path() -> Path:
    """The log file: `CLINIC_LOG_DIR` if set, else the user log folder."""
    folder = os.environ.get("CLINIC_LOG_DIR") or platformdirs.user_log_path(APP_NAME, appauthor=False)
    return Path(folder) / f"{APP_NAME}.log"


def redact(text: str) -> str:
    """`text` with each PostgreSQL DETAIL (and any lines it runs on to) replaced by a placeholder."""
    lines, skipping = [], False
    for line in text.split("\n"):
        if skipping and not _AFTER_DETAIL.match(line):
            continue
        skipping = False
        found = _DETAIL.search(line)
        if found:
            line, skipping = line[: found.start()] + REDACTED, True
        lines.append(line)
    return "\n".join(lines)


class RedactingFormatter(logging.Formatter):
    """Formats as usual (tracebacks included), then redacts; times are ISO 8601 with their UTC offset."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


def _log_uncaught(exc_type, exc_value, exc_traceback, where: str) -> None:
    logging.getLogger("app.uncaught").critical(
        "uncaught exception %s", where, exc_info=(exc_type, exc_value, exc_traceback)
    )


def _sys_hook(exc_type, exc_value, exc_traceback) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc_value, exc_traceback)
        return
    _log_uncaught(exc_type, exc_value, exc_traceback, "in the main program or a Qt slot")


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if issubclass(args.exc_type, SystemExit):  # as the default hook: a thread may end itself so
        return
    name = args.thread.name if args.thread is not None else "unknown"
    _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback, f"in thread {name}")


def configure_logging(verbose: bool = False, *, max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> Path | None:
    """Send the log to the rotating file and stderr and log uncaught exceptions; return the file's path,
    or None if it cannot be written (then stderr gets warnings too, and one saying so). Calling it again
    replaces what an earlier call installed."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.name in _HANDLER_NAMES]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.INFO)
    path: Path | None = log_file_path()
    problem = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    except OSError as exc:
        problem, path = exc, None
    else:
        file_handler.name = "clinic-file"
        file_handler.setFormatter(RedactingFormatter(_FILE_FORMAT))
        root.addHandler(file_handler)
    if sys.stderr is not None:  # a windowed program on Windows has none, or one for its message box
        stderr_handler = logging.StreamHandler(sys.stderr)
        stderr_handler.name = "clinic-stderr"
        # The windowed program's message box gets a crash only: the log file has the rest.
        level = logging.INFO if verbose else logging.WARNING if path is None else logging.ERROR
        stderr_handler.setLevel(logging.CRITICAL if collecting() else level)
        stderr_handler.setFormatter(RedactingFormatter(_STDERR_FORMAT))
        root.addHandler(stderr_handler)
    sys.excepthook = _sys_hook
    threading.excepthook = _thread_hook
    if problem is not None:
        log.warning("cannot write the log file %s (%s); logging to stderr only", log_file_path(), problem)
    return path

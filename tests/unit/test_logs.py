"""The log: a rotating file with context, quiet stderr, uncaught exceptions logged, no patient details."""

import logging
import os
import re
import sys
import threading

import pytest
from PySide6.QtCore import QObject, Signal

from app import logs

# 2030-01-07T07:00:00.123+01:00 WARNING pid=4242 [MainThread] app.somewhere: message
LINE = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d) (?P<level>[A-Z]+) pid=(?P<pid>\d+)"
    r" \[(?P<thread>[^\]]+)\] (?P<logger>[\w.]+): (?P<message>.*)$"
)


@pytest.fixture
def log_dir(tmp_path, monkeypatch):
    """A log folder of the test's own; afterwards the root logger and the exception hooks are as they were."""
    folder = tmp_path / "logs"
    monkeypatch.setenv("CLINIC_LOG_DIR", str(folder))
    root = logging.getLogger()
    level, hooks = root.level, (sys.excepthook, threading.excepthook)
    yield folder
    for handler in [h for h in root.handlers if h.name in ("clinic-file", "clinic-stderr")]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    sys.excepthook, threading.excepthook = hooks


def records(path) -> list[re.Match]:
    """The log's header lines (tracebacks continue below them), parsed."""
    return [m for m in map(LINE.match, path.read_text(encoding="utf-8").splitlines()) if m]


def test_the_file_is_made_in_the_log_folder_with_time_level_process_thread_and_logger(log_dir):
    path = logs.configure_logging(verbose=False)
    assert path == log_dir / "clinic-scheduler.log" == logs.log_file_path()

    logging.getLogger("app.test").debug("too fine for the file")
    logging.getLogger("app.test").info("desk opened, Zoë's café")
    worker = threading.Thread(target=lambda: logging.getLogger("app.worker").warning("slow"), name="worker-7")
    worker.start()
    worker.join(5)

    lines = records(path)
    assert [(m["level"], m["thread"], m["logger"], m["message"]) for m in lines] == [
        ("INFO", "MainThread", "app.test", "desk opened, Zoë's café"),
        ("WARNING", "worker-7", "app.worker", "slow"),
    ]
    assert {int(m["pid"]) for m in lines} == {os.getpid()}


def test_stderr_shows_errors_only_and_everything_from_info_with_verbose(log_dir, capsys):
    logs.configure_logging(verbose=False)
    logging.getLogger("app.test").warning("a retry")
    logging.getLogger("app.test").error("a failure")
    assert capsys.readouterr().err == "ERROR app.test: a failure\n"

    logs.configure_logging(verbose=True)  # replaces the first call's handlers: nothing is written twice
    logging.getLogger("app.test").info("progress")
    assert capsys.readouterr().err == "INFO app.test: progress\n"
    assert [m["message"] for m in records(logs.log_file_path())] == ["a retry", "a failure", "progress"]


def test_the_file_rotates_and_keeps_the_configured_number_of_backups(log_dir):
    path = logs.configure_logging(verbose=False, max_bytes=2_000, backups=2)
    for i in range(200):
        logging.getLogger("app.test").info("line %03d %s", i, "x" * 40)

    assert sorted(p.name for p in log_dir.iterdir()) == [
        "clinic-scheduler.log",
        "clinic-scheduler.log.1",
        "clinic-scheduler.log.2",
    ]
    assert all(p.stat().st_size <= 2_000 for p in log_dir.iterdir())
    # The newest line is in the current file; the oldest backups are gone.
    assert records(path)[-1]["message"].startswith("line 199 ")
    assert "line 000 " not in "".join(p.read_text(encoding="utf-8") for p in log_dir.iterdir())


def test_an_exception_escaping_a_thread_is_logged_with_its_traceback(log_dir):
    path = logs.configure_logging(verbose=False)

    def fail():
        raise LookupError("no such desk")

    worker = threading.Thread(target=fail, name="refresher")
    worker.start()
    worker.join(5)

    text = path.read_text(encoding="utf-8")
    [record] = records(path)
    assert (record["level"], record["thread"], record["logger"]) == ("CRITICAL", "refresher", "app.uncaught")
    assert record["message"] == "uncaught exception in thread refresher"
    assert "Traceback (most recent call last):" in text
    assert 'in fail\n    raise LookupError("no such desk")' in text
    assert text.rstrip().endswith("LookupError: no such desk")


class _Button(QObject):
    clicked = Signal()


def test_an_exception_raised_in_a_qt_slot_is_logged_through_sys_excepthook(log_dir):
    path = logs.configure_logging(verbose=False)
    button = _Button()

    def on_click():
        raise ZeroDivisionError("slot failed")

    button.clicked.connect(on_click)
    button.clicked.emit()  # PySide6 hands the slot's exception to sys.excepthook and carries on

    [record] = records(path)
    assert (record["level"], record["logger"]) == ("CRITICAL", "app.uncaught")
    text = path.read_text(encoding="utf-8")
    assert "in on_click" in text
    assert text.rstrip().endswith("ZeroDivisionError: slot failed")


def test_an_unwritable_log_folder_falls_back_to_stderr_with_one_warning(log_dir, tmp_path, monkeypatch, capsys):
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    monkeypatch.setenv("CLINIC_LOG_DIR", str(in_the_way / "logs"))  # cannot be made, even by root

    assert logs.configure_logging(verbose=False) is None

    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith(
        f"WARNING app.logs: cannot write the log file {in_the_way / 'logs' / 'clinic-scheduler.log'}"
    )
    assert err[0].endswith("; logging to stderr only")
    logging.getLogger("app.test").warning("still heard")
    logging.getLogger("app.test").info("not without --verbose")
    assert capsys.readouterr().err == "WARNING app.test: still heard\n"
    assert in_the_way.read_text() == "not a folder"


def test_detail_lines_are_redacted_up_to_the_next_part_of_the_error():
    text = (
        '(psycopg.errors.CheckViolation) new row for relation "patients" violates check constraint "x_range"\n'
        "DETAIL:  Failing row contains (7, Zebulon, Quack\n"
        "\n"
        "enbush, 1850-01-01).\n"
        "[SQL: INSERT INTO patients ...]\n"
        "(Background on this error at: https://sqlalche.me/e/20/gkpj)\n"
        "\n"
        "The above exception was the direct cause of the following exception:\n"
        "IntegrityError('duplicate key value violates unique constraint \"k\"\\nDETAIL:  Key (name)=(Zebulon)')"
    )
    assert logs.redact(text) == (
        '(psycopg.errors.CheckViolation) new row for relation "patients" violates check constraint "x_range"\n'
        f"{logs.REDACTED}\n"
        "[SQL: INSERT INTO patients ...]\n"
        "(Background on this error at: https://sqlalche.me/e/20/gkpj)\n"
        "\n"
        "The above exception was the direct cause of the following exception:\n"
        f'IntegrityError(\'duplicate key value violates unique constraint "k"\\n{logs.REDACTED}'
    )
    assert logs.redact("no details here\nat all") == "no details here\nat all"

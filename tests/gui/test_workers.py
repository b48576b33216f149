"""The task runner: work off the UI thread, results on it, stale results dropped, errors never lost."""

import threading

import shiboken6
from PySide6.QtCore import QObject

from app.domain.errors import SlotTaken
from app.ui.workers import user_message


def test_work_runs_off_the_ui_thread_and_the_result_arrives_on_it(qtbot, runner):
    seen = {}

    def work():
        seen["work_thread"] = threading.get_ident()
        return 42

    def done(result):
        seen["result"], seen["done_thread"] = result, threading.get_ident()

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: busy is False):
        runner.submit(work, done)
    assert seen["result"] == 42
    assert seen["done_thread"] == threading.get_ident()
    assert seen["work_thread"] != threading.get_ident()


def test_only_the_newest_task_of_a_key_is_delivered(qtbot, runner):
    release = threading.Event()
    delivered = []
    runner.submit(lambda: release.wait(5) and "old", delivered.append, key="view")
    runner.submit(lambda: "new", delivered.append, key="view")
    release.set()
    qtbot.waitUntil(lambda: not runner.busy)
    assert delivered == ["new"]


def test_a_dropped_key_delivers_nothing_until_a_new_task_of_it(qtbot, runner):
    release = threading.Event()
    delivered = []
    runner.submit(lambda: release.wait(5) and "asked before", delivered.append, key="preview")
    runner.drop("preview")
    release.set()
    qtbot.waitUntil(lambda: not runner.busy)
    runner.submit(lambda: "asked after", delivered.append, key="preview")
    qtbot.waitUntil(lambda: not runner.busy)
    assert delivered == ["asked after"]


def test_a_deleted_context_gets_no_callback(qtbot, runner):
    release = threading.Event()
    delivered = []
    owner = QObject()
    runner.submit(lambda: release.wait(5), delivered.append, context=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(owner))
    release.set()
    qtbot.waitUntil(lambda: not runner.busy)
    assert delivered == []


def test_a_closed_runner_delivers_nothing_more_and_takes_no_new_work(qtbot, runner):
    release = threading.Event()
    delivered, ran = [], []
    runner.submit(lambda: release.wait(5) and "in flight", delivered.append)
    runner.close()
    assert runner.submit(lambda: ran.append("late"), delivered.append) == 0
    release.set()
    qtbot.waitUntil(lambda: not runner.busy)
    assert runner.wait_for_done()
    assert delivered == [] and ran == []


def test_domain_errors_reach_the_error_callback_as_they_are(qtbot, runner):
    errors = []

    def work():
        raise SlotTaken()

    runner.submit(work, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], SlotTaken)
    assert user_message(errors[0]) == str(SlotTaken())


def test_an_unhandled_bug_becomes_an_apology_not_a_traceback(qtbot, runner, caplog):
    def work():
        raise ZeroDivisionError("bug")

    with qtbot.waitSignal(runner.failed) as failed:
        runner.submit(work)
    assert "Sorry, something went wrong" in failed.args[0]
    assert "ZeroDivisionError" in caplog.text

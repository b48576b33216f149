"""The one way widgets reach the database: service calls on a thread pool, results back by signal.

A widget submits a plain callable; the callable runs on a worker thread (each service call opens its own
unit of work, so no session crosses threads) and its result or error is delivered on the UI thread.
Tasks submitted under the same `key` supersede each other: only the newest one's result is delivered,
so a view that navigates quickly never paints stale data.
"""

import itertools
import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.domain.errors import DomainError

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]


def user_message(error: BaseException) -> str:
    """What to tell the user: a domain error as it is, anything else as a short apology (it is logged)."""
    if isinstance(error, DomainError):
        return str(error)
    return "Sorry, something went wrong. The details are in the log; please try again."


class _Task(QRunnable):
    def __init__(self, runner: "TaskRunner", task_id: int, work: Callable[[], Any]):
        super().__init__()
        self._runner, self._task_id, self._work = runner, task_id, work

    def run(self) -> None:
        try:
            result, error = self._work(), None
        except DomainError as exc:
            result, error = None, exc
        except Exception as exc:
            log.exception("background task failed")
            result, error = None, exc
        # The runner lives on the UI thread, so this signal is queued and delivered there.
        self._runner._finished.emit(self._task_id, result, error)


class TaskRunner(QObject):
    """Runs callables on a private thread pool and calls back on the UI thread."""

    busy_changed = Signal(bool)
    failed = Signal(str)  # an unexpected error no callback handled, as a message for the user
    _finished = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[Callback | None, Callback | None, QObject | None, str | None]] = {}
        self._latest: dict[str, int] = {}
        self._closed = False
        self._finished.connect(self._deliver)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def submit(
        self,
        work: Callable[[], Any],
        on_done: Callback | None = None,
        on_error: Callback | None = None,
        *,
        context: QObject | None = None,
        key: str | None = None,
    ) -> int:
        """Run `work()` in the background. `on_done(result)` or `on_error(exception)` runs on the UI thread,
        unless `context` was deleted meanwhile or a newer task with the same `key` was submitted. A closed runner
        runs nothing (0 is returned)."""
        if self._closed:
            return 0
        task_id = next(self._ids)
        was_busy = self.busy
        self._pending[task_id] = (on_done, on_error, context, key)
        if key is not None:
            self._latest[key] = task_id
        if not was_busy:
            self.busy_changed.emit(True)
        self._pool.start(_Task(self, task_id, work))
        return task_id

    def drop(self, key: str) -> None:
        """Deliver nothing more of the tasks under `key`: what they were asked for no longer stands (an input the
        next task would have been for was refused before it could start)."""
        self._latest.pop(key, None)

    def _deliver(self, task_id: int, result: Any, error: BaseException | None) -> None:
        on_done, on_error, context, key = self._pending.pop(task_id)
        if not self._pending:
            self.busy_changed.emit(False)
        if self._closed or (key is not None and self._latest.get(key) != task_id):
            return  # closed, or superseded
        if context is not None and not shiboken6.isValid(context):
            return
        if error is None:
            if on_done is not None:
                on_done(result)
        elif on_error is not None:
            on_error(error)
        else:
            self.failed.emit(user_message(error))

    def close(self) -> None:
        """Its owner is going away: take no more work, deliver nothing more (wait_for_done then lets it go)."""
        self._closed = True

    def wait_for_done(self, msecs: int = 30_000) -> bool:
        """Block until every running task ended (for shutdown and tests; never call it from a slot)."""
        return self._pool.waitForDone(msecs)

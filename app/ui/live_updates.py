"""Schedule changes from other desks as Qt signals: the listener's thread hands them to the UI thread."""

from PySide6.QtCore import QObject, Signal

from app.live.changes import Change
from app.live.listener import ListenerState
from app.runtime import Runtime


class LiveUpdates(QObject):
    """Owns the desk's schedule listener. Its signals are emitted on the listener's thread; Qt queues them
    to receivers on the UI thread (this object lives there)."""

    changed = Signal(object)  # Change
    connection_changed = Signal(bool, str)  # connected, why not

    def __init__(self, runtime: Runtime, parent: QObject | None = None):
        super().__init__(parent)
        self._listener = runtime.make_listener(self._on_change, self._on_state)
        self._started = False
        self._stopped = False  # a listener thread that outlives stop() (a connect attempt under way) is not heard

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._listener.start()

    def stop(self) -> None:
        self._stopped = True
        self._listener.stop()

    @property
    def backend_pid(self) -> int | None:
        return self._listener.backend_pid

    def _on_change(self, change: Change) -> None:
        if not self._stopped:
            self.changed.emit(change)

    def _on_state(self, state: ListenerState) -> None:
        if self._stopped:
            return
        retry = f" (next try in {state.retry_in:.0f} s)" if state.retry_in is not None else ""
        self.connection_changed.emit(state.connected, f"{state.detail}{retry}" if state.detail else "")

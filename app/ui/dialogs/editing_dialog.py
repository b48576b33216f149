"""What every dialog that writes shares, so that each keeps only its own form and what it saves.

- While a write is under way the dialog is busy: its form holds still and it refuses to close (closing would hide
  whether the write happened, and its answer could reach no one).
- While the desk cannot write (offline, a database at another schema revision) its banner says why; what was typed
  stays, and the dialog reads again what it could not read once the block is lifted.
- A refusal is shown at the fields it names and the rest in the banner.
- Writes go through the task runner: `save_with(work, saved)`.
"""

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialog, QWidget

from app.domain.errors import InvalidInput
from app.live.changes import Change
from app.ui.dialogs.field_errors import MessageBanner
from app.ui.theme import Theme
from app.ui.workers import TaskRunner, user_message


class EditingDialog(QDialog):
    REFUSALS_JOINED_BY = "; "  # the banner's refusals that belong to no field, one after another

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.busy = False  # a write is under way
        self.write_block: str | None = None  # why nothing can be saved now, if anything stops it
        self.banner = MessageBanner()

    # --- what each dialog fills in ---

    def refresh(self) -> None:
        """Show the form anew: which buttons may be pressed, which messages show."""

    def hold_still(self, busy: bool) -> None:
        """Disable what must not change while a write is under way."""

    def on_write_block_lifted(self) -> None:
        """The desk may write again: read what could not be read meanwhile."""

    def on_schedule_change(self, change: Change) -> None:
        """The database announced a change (another desk's, or this one's): re-read what it touches."""

    def refuse_fields(self, error: InvalidInput) -> list[str]:
        """Show the refusals of this dialog's fields under them; return the others, in words, for the banner."""
        return [str(field_error) for field_error in error.errors]

    # --- shared ---

    @property
    def can_write(self) -> bool:
        return not self.busy and self.write_block is None

    def set_theme(self, theme: Theme) -> None:
        self.banner.set_theme(theme)

    def set_write_block(self, reason: str | None) -> None:
        was_blocked, self.write_block = self.write_block is not None, reason
        self.banner.set_write_block(reason)
        if reason is None and was_blocked:
            self.on_write_block_lifted()
        self.refresh()

    def reject(self) -> None:
        if not self.busy:
            super().reject()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.hold_still(busy)
        self.refresh()

    def save_with(
        self,
        work: Callable[[], Any],
        saved: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run `work` on a worker, busy meanwhile; then `saved(answer)`, or `failed(error)` (by default the error
        is shown: `show_failure`). Nothing runs while busy or while the desk cannot write."""
        if not self.can_write:
            return
        self.banner.clear()
        self.set_busy(True)
        self.runner.submit(
            work,
            lambda answer: self._after_write(saved, answer),
            lambda error: self._after_write(failed or self.show_failure, error),
            context=self,
        )

    def _after_write(self, then: Callable[[Any], None], answer: Any) -> None:
        self.set_busy(False)
        then(answer)

    def show_failure(self, error: BaseException) -> None:
        """A refusal at the fields it names, the rest (and any other error, in words) in the banner."""
        if isinstance(error, InvalidInput):
            elsewhere = self.refuse_fields(error)
            if elsewhere:
                self.banner.show_message(self.REFUSALS_JOINED_BY.join(elsewhere))
        else:
            self.banner.show_message(user_message(error))
        self.refresh()

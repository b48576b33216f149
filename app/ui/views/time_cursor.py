"""The keyboard's place on an empty part of the week or day grid: a column and a quarter of an hour.

A click on a time with no appointment puts it there, and so does Escape from a selected appointment (at its start);
the arrow keys move it a quarter of an hour up or down, or a column left or right, within the hours shown. Enter
books there; with an appointment cut (Ctrl+X), Ctrl+V moves it there.
"""

from dataclasses import dataclass, replace

from PySide6.QtCore import Qt

STEP_MINUTES = 15


@dataclass(frozen=True)
class TimeCursor:
    column: int  # index into the grid's columns
    minutes: int  # wall-clock minutes from the column day's midnight, a multiple of STEP_MINUTES

    @classmethod
    def at(cls, column: int, minutes: float) -> "TimeCursor":
        """The quarter of an hour `minutes` falls in."""
        return cls(column, int(minutes // STEP_MINUTES) * STEP_MINUTES)

    def moved(self, key: Qt.Key, columns: int, hours: tuple[int, int]) -> "TimeCursor":
        """Where the arrow `key` takes the cursor, kept inside `columns` columns and the `hours` shown."""
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step = 1 if key == Qt.Key.Key_Right else -1
            return replace(self, column=min(max(self.column + step, 0), columns - 1))
        step = STEP_MINUTES if key == Qt.Key.Key_Down else -STEP_MINUTES
        first, last = hours[0] * 60, hours[1] * 60 - STEP_MINUTES
        return replace(self, minutes=min(max(self.minutes + step, first), last))

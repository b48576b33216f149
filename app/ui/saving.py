"""Saving a file the user chose: where the file dialog starts (their documents folder), and what to tell them."""

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QStandardPaths

T = TypeVar("T")


def in_documents(name: str) -> str:
    """The suggested path of a new file: `name` in the user's documents folder."""
    return str(Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)) / name)


def write_file(path: str, write: Callable[[], T]) -> tuple[T | None, str]:
    """Run `write` (it writes `path`): what it returned, and the words for the user ("Saved PATH." or why not)."""
    try:
        result = write()
    except OSError as error:
        return None, f"Could not save {path}: {error.strerror or error}"
    return result, f"Saved {path}."

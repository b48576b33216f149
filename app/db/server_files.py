"""The embedded server's files, read and written without following links.

Run as root, the program writes into the data folder of the server's own account, which that account may fill with
links to any file of the system (or, through `COPY ... TO PROGRAM`, whoever is its superuser may). So every file
there is opened without following a link and checked to be a plain file with one name, of this process or of that
account, before it is truncated, written and handed to the account.
"""

import os
import stat
from pathlib import Path

from app.db.server_account import EmbeddedServerError, ServerAccount

_NO_LINKS = getattr(os, "O_NOFOLLOW", 0)  # Windows has no such flag, and no such attack: no root there


def write_file(path: Path, text: str, *, owner: ServerAccount | None = None, append: bool = False) -> None:
    """Write (or append) `text`; a new file is 0600. With `owner`, the file is then that account's."""
    flags = os.O_WRONLY | os.O_CREAT | _NO_LINKS | (os.O_APPEND if append else 0)
    descriptor = _open(path, flags, owner)
    try:
        if not append:
            os.ftruncate(descriptor, 0)
        data = text.encode("utf-8")
        while data:
            data = data[os.write(descriptor, data) :]
        if owner is not None:
            os.fchown(descriptor, owner.uid, owner.gid)
    finally:
        os.close(descriptor)


def read_file(path: Path, *, owner: ServerAccount | None = None) -> str | None:
    """The file's text, or None if there is none."""
    try:
        descriptor = _open(path, os.O_RDONLY | _NO_LINKS, owner)
    except FileNotFoundError:
        return None
    with os.fdopen(descriptor, encoding="utf-8", errors="replace") as file:
        return file.read()


def _open(path: Path, flags: int, owner: ServerAccount | None) -> int:
    try:
        descriptor = os.open(path, flags, 0o600)
    except FileNotFoundError:
        raise
    except OSError as exc:  # a link (ELOOP), or no right to open it
        raise EmbeddedServerError(f"{path} cannot be opened as the server's own file: {exc.strerror}") from exc
    status = os.fstat(descriptor)
    if not _plain_and_ours(status, owner):
        os.close(descriptor)
        raise EmbeddedServerError(f"{path} is not a plain file of the server's own: left alone")
    return descriptor


def _plain_and_ours(status: os.stat_result, owner: ServerAccount | None) -> bool:
    if not stat.S_ISREG(status.st_mode) or status.st_nlink != 1:
        return False
    if os.name == "nt":
        return True
    return status.st_uid in {os.geteuid(), *([owner.uid] if owner is not None else [])}

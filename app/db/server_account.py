"""Who runs the embedded server, and what it must be able to reach.

PostgreSQL refuses to run as root. Run as root, the program runs its embedded server as a system account of its own
(`clinic-db`, created when missing, no shell, no home), keeps root's default data in /var/lib/clinic-scheduler, and
changes nobody's folders for it: a data folder the account cannot reach is refused with the folder named.
"""

import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

ACCOUNT_NAME = "clinic-db"


class EmbeddedServerError(Exception):
    """The embedded server cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class ServerAccount:
    name: str
    uid: int
    gid: int

    def run_options(self) -> dict:
        """subprocess options that run a program as this account, with none of root's groups."""
        return {"user": self.uid, "group": self.gid, "extra_groups": [], "cwd": "/"}

    def give(self, path: Path) -> None:
        os.chown(path, self.uid, self.gid)

    def require_reachable(self, path: Path, what: str) -> None:
        """EmbeddedServerError unless this account may pass through every folder above `path` (never changed)."""
        for folder in reversed(path.parents):
            if not self._may_enter(folder.stat()):
                raise EmbeddedServerError(
                    f"run as root, the embedded database runs as the system account {self.name!r}, which cannot"
                    f" reach {what} ({path}): {folder} is private. Run Clinic Scheduler as a normal user, or set"
                    f" CLINIC_DATA_DIR to a folder {self.name!r} can reach (root's default, /var/lib/clinic-scheduler,"
                    " is one)"
                )

    def _may_enter(self, status: os.stat_result) -> bool:
        if status.st_uid == self.uid:
            return bool(status.st_mode & stat.S_IXUSR)
        if status.st_gid == self.gid:
            return bool(status.st_mode & stat.S_IXGRP)
        return bool(status.st_mode & stat.S_IXOTH)


def running_as_root() -> bool:
    return os.name != "nt" and os.geteuid() == 0


def server_account() -> ServerAccount | None:
    """The account the server runs as when this process is root (created if missing); None otherwise: the server
    then runs as this process's own user."""
    if not running_as_root():
        return None
    import pwd

    try:
        entry = pwd.getpwnam(ACCOUNT_NAME)
    except KeyError:
        _create_account()
        entry = pwd.getpwnam(ACCOUNT_NAME)
    return ServerAccount(ACCOUNT_NAME, entry.pw_uid, entry.pw_gid)


def _create_account() -> None:
    import pwd

    command = ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent"]
    command += ["--shell", "/usr/sbin/nologin", ACCOUNT_NAME]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        try:
            pwd.getpwnam(ACCOUNT_NAME)  # another process created it a moment ago
            return
        except KeyError:
            pass
        detail = getattr(exc, "stderr", "") or exc
        raise EmbeddedServerError(
            f"run as root, the embedded database needs the system account {ACCOUNT_NAME!r}, which could not be"
            f" created ({str(detail).strip()}); run Clinic Scheduler as a normal user"
        ) from exc

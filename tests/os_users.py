"""Other users of the same computer, for tests of what one OS user can do to another's embedded server.

Creating users needs root: CI runs the suite as root, and these tests say so plainly rather than skip.
"""

import os
import pwd
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from app.db.server_account import EmbeddedServerError, ServerAccount

ROOT = Path(__file__).resolve().parent.parent


def require_root() -> None:
    if os.name == "nt" or os.geteuid() != 0:
        pytest.fail("this test creates OS users: run the suite as root (CI does)")


def os_user(name: str) -> pwd.struct_passwd:
    """The system user `name`, created (no home, no shell) if missing."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(name)


def _python_for(user: pwd.struct_passwd) -> tuple[str, str]:
    """An interpreter `user` may run, and the PYTHONPATH that gives it this project and its packages: this one, or
    (when it lies in a folder private to root, as pyenv's does) the system's Python of the same version."""
    path = os.pathsep.join([str(ROOT), sysconfig.get_paths()["purelib"]])
    account = ServerAccount(user.pw_name, user.pw_uid, user.pw_gid)
    candidates = [Path(sys.executable).resolve(), Path(f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}")]
    for python in candidates:
        try:
            account.require_reachable(python, "python")
        except EmbeddedServerError:
            continue
        if python.exists():
            return str(python), path
    pytest.fail(f"no Python {sys.version_info[0]}.{sys.version_info[1]} that {user.pw_name} may run")


def run_as(user: pwd.struct_passwd, home: Path, code: str, *args: str) -> subprocess.Popen:
    """This project's Python running `code` (with `args` in sys.argv) as `user`, with none of root's groups, HOME at
    `home` and no runtime folder (so a program falls back on the shared temp folder, as on many desktops); its
    output is piped."""
    python, pythonpath = _python_for(user)
    env = {
        "HOME": str(home),
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONPATH": pythonpath,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.Popen(
        [python, "-c", code, *args],
        user=user.pw_uid,
        group=user.pw_gid,
        extra_groups=[],
        env=env,
        cwd=home,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

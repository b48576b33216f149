"""`clinic-scheduler staff ...`, run for real as a subprocess against a test database."""

import os
import pty
import select
import subprocess
import sys
import time
import uuid

import psycopg
import pytest

from app.db.engine import conninfo, with_login
from app.services import staff
from app.services.staff import StaffMember
from tests.cli.runner import ROOT, Result, run_one
from tests.conftest import STAFF_PASSWORD, drop_roles
from tests.logins import can_sign_in

NEW_PASSWORD = "another good password"


@pytest.fixture
def names(admin_url):
    """Fresh staff names; their roles are dropped after the test (roles are server-wide)."""
    made: list[str] = []

    def new() -> str:
        made.append(f"cli_{uuid.uuid4().hex[:8]}")
        return made[-1]

    yield new
    drop_roles(admin_url, made)


def run_with_stdin(env: dict[str, str], stdin: str, *args: str) -> Result:
    done = subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Result(list(args), done.returncode, done.stdout, done.stderr)


def test_add_list_disable_enable_and_set_a_password(cli_env, clinic, db_url, names):
    name = names()
    added = run_with_stdin(
        cli_env, STAFF_PASSWORD + "\n", "staff", "add", name, "--role", "receptionist", "--password-stdin"
    )
    assert added.code == 0, added.err
    assert added.out.strip() == f"added {name} as receptionist"
    assert STAFF_PASSWORD not in added.out + added.err
    assert can_sign_in(db_url, name, STAFF_PASSWORD)

    listed = run_one(cli_env, "staff", "list")
    assert listed.code == 0, listed.err
    header, *rows = listed.out.splitlines()
    assert header.split() == ["NAME", "ROLE", "ENABLED"]
    assert [name, "receptionist", "yes"] in [row.split() for row in rows]

    disabled = run_one(cli_env, "staff", "disable", name)
    assert disabled.code == 0, disabled.err
    assert disabled.out.strip() == f"disabled {name}; 0 open sessions ended"
    assert StaffMember(name, "receptionist", False) in staff.list_staff(clinic)
    assert not can_sign_in(db_url, name, STAFF_PASSWORD)
    assert [name, "receptionist", "no"] in [row.split() for row in run_one(cli_env, "staff", "list").out.splitlines()]

    enabled = run_one(cli_env, "staff", "enable", name)
    assert enabled.code == 0 and enabled.out.strip() == f"enabled {name}"
    assert can_sign_in(db_url, name, STAFF_PASSWORD)

    changed = run_with_stdin(cli_env, NEW_PASSWORD + "\n", "staff", "password", name, "--password-stdin")
    assert changed.code == 0 and changed.out.strip() == f"new password set for {name}"
    assert can_sign_in(db_url, name, NEW_PASSWORD) and not can_sign_in(db_url, name, STAFF_PASSWORD)


def test_disabling_ends_the_accounts_open_sessions(cli_env, db_url, names):
    name = names()
    assert (
        run_with_stdin(cli_env, STAFF_PASSWORD, "staff", "add", name, "--role", "manager", "--password-stdin").code == 0
    )
    with psycopg.connect(conninfo(with_login(db_url, name, STAFF_PASSWORD))) as desk:
        disabled = run_one(cli_env, "staff", "disable", name)
        assert disabled.out.strip() == f"disabled {name}; 1 open session ended"
        with pytest.raises(psycopg.OperationalError):
            desk.execute("SELECT 1")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["add", "Dr Who", "--role", "receptionist", "--password-stdin"],
            STAFF_PASSWORD,
            "name: use 1 to 63 lower-case",
        ),
        (["add", "{name}", "--role", "doctor", "--password-stdin"], STAFF_PASSWORD, "role: must be one of admin,"),
        (
            ["add", "{name}", "--role", "admin", "--password-stdin"],
            "short\n",
            "password: must be at least 8 characters",
        ),
        (["add", "{name}", "--role", "admin", "--password-stdin"], "", "password: must be at least 8 characters"),
        (["disable", "{name}"], "", 'name: no staff member is called "{name}"'),
        (["password", "{name}", "--password-stdin"], NEW_PASSWORD, 'name: no staff member is called "{name}"'),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(cli_env, clinic, names, args, stdin, message):
    name = names()
    before = staff.list_staff(clinic)
    result = run_with_stdin(cli_env, stdin, "staff", *[arg.format(name=name) for arg in args])
    assert result.code == 2, result.err
    assert result.err.startswith("error: " + message.format(name=name)), result.err
    assert staff.list_staff(clinic) == before


def test_a_receptionist_may_not_manage_staff(cli_env, staff_login, names):
    _name, url = staff_login("receptionist")
    env = {**cli_env, "DATABASE_URL": url}
    for args, stdin in ((["list"], ""), (["add", names(), "--role", "admin", "--password-stdin"], STAFF_PASSWORD)):
        result = run_with_stdin(env, stdin, "staff", *args)
        assert result.code == 1, result.err
        assert result.err.startswith("error: your account may not do this (")
        assert result.err.rstrip().endswith("ask a clinic administrator")


def typed_at_a_terminal(env: dict[str, str], answers: list[str], *args: str) -> tuple[int, str]:
    """Run the command with a terminal of its own (getpass reads it, as when a person types), typing each of
    `answers` at its prompt; return its exit code and everything it wrote to the terminal."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "app", *args], env)
    deadline = time.monotonic() + 60
    shown = bytearray()

    def read_more() -> bool:
        """Add what the command wrote next to `shown`; False once it ended."""
        ready, _, _ = select.select([terminal], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise TimeoutError(f"the command stopped talking; it wrote: {bytes(shown)!r}")
        try:
            chunk = os.read(terminal, 1024)
        except OSError:  # the command ended and its terminal went with it
            return False
        shown.extend(chunk)
        return bool(chunk)

    for answer in answers:
        prompts = shown.count(b": ")
        while shown.count(b": ") == prompts:  # wait for the next prompt before typing
            read_more()
        os.write(terminal, answer.encode() + b"\n")
    while read_more():
        pass
    _pid, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), bytes(shown).decode(errors="replace")


def test_the_password_is_asked_twice_at_the_terminal_and_never_echoed(cli_env, clinic, names):
    name = names()
    code, shown = typed_at_a_terminal(
        cli_env, [STAFF_PASSWORD, "something else"], "staff", "add", name, "--role", "admin"
    )
    assert code == 2
    assert "error: password: the two passwords differ; nothing was changed" in shown
    assert STAFF_PASSWORD not in shown
    assert name not in [member.name for member in staff.list_staff(clinic)]

    code, shown = typed_at_a_terminal(
        cli_env, [STAFF_PASSWORD, STAFF_PASSWORD], "staff", "add", name, "--role", "admin"
    )
    assert code == 0, shown
    assert f"added {name} as admin" in shown and STAFF_PASSWORD not in shown
    assert StaffMember(name, "admin", True) in staff.list_staff(clinic)

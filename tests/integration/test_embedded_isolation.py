"""Another user of the same computer against a desk's embedded server.

The attack: a desk's data path too long for a unix socket (a roaming profile makes that ordinary) put the socket in
a shared temp folder, and the first start trusted every local connection until the maintenance password was set; a
second OS user polling the temp folder became superuser. Here that second user polls every folder it can read for
a socket, all through the desk's first start, a restart and a second start, and tries each socket as the
superuser without a password. It must never get in, nor read the maintenance secret. The desk starts although the
other user has planted a /tmp/.lockfile of its own (the lock of the wheel's own server code lived there).
"""

import json
import os
import shutil
import stat
import tempfile
import textwrap
from pathlib import Path

import psutil
import psycopg
import pytest

from app.config import ROOT_DATA_DIR, user_data_dir
from app.db.embedded import (
    PG_HBA,
    SECRET_FILE,
    SOCKET_DIR_FILE,
    is_our_postmaster,
    programs_dir,
    server_url,
    start_embedded_server,
)
from app.db.engine import conninfo
from app.db.server_account import ACCOUNT_NAME, EmbeddedServerError
from tests.os_users import os_user, require_root, run_as
from tests.waiting import wait_until

DESK_USER, INTRUDER = "clinic-test-desk", "clinic-test-intruder"

INTRUDER_CODE = textwrap.dedent(
    """
    import json, os, sys, psycopg
    from pathlib import Path

    stop, roots = Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]]
    seen, attempts, got_in, secrets, rounds = set(), 0, [], [], 0

    def walk(folder, depth):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith(".s.PGSQL.") and not entry.name.endswith(".lock"):
                yield Path(entry.path)
            elif entry.name == "clinic-maintenance.secret":
                try:
                    secrets.append(Path(entry.path).read_text())
                except OSError:
                    pass
            elif depth and entry.is_dir(follow_symlinks=False):
                yield from walk(entry.path, depth - 1)

    while not stop.exists():
        rounds += 1
        if rounds == 2:
            (stop.parent / "ready").touch()  # a whole round done: the desk may start
        for root in roots:
            for socket in walk(root, 8):
                seen.add(str(socket))
                attempts += 1
                try:
                    with psycopg.connect(host=str(socket.parent), port=socket.name.split(".")[-1], user="postgres",
                                         dbname="postgres", connect_timeout=2) as conn:
                        got_in.append(conn.execute("SELECT current_user").fetchone()[0])
                except psycopg.Error:
                    pass
    print(json.dumps({"rounds": rounds, "sockets": sorted(seen), "attempts": attempts, "got_in": got_in,
                      "secrets": secrets}))
    """
)

DESK_CODE = textwrap.dedent(
    """
    import json, os, stat, sys, psycopg
    from pathlib import Path
    from app.db.embedded import server_url, start_embedded_server
    from app.db.engine import conninfo

    report = []
    for start in ("first", "second"):
        server = start_embedded_server(Path(sys.argv[1]))
        socket = server.socket_dir / ".s.PGSQL.5432"
        with psycopg.connect(conninfo(server_url(server, "postgres"))) as conn:
            superusers = [r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolsuper ORDER BY 1")]
        mode = lambda path: stat.S_IMODE(os.stat(path).st_mode)
        report.append({"socket_dir": str(server.socket_dir), "dir_mode": mode(server.socket_dir),
                       "socket_mode": mode(socket), "superusers": superusers})
        server.cleanup()  # the last user: the server stops; the next start is a normal one
    print(json.dumps(report))
    """
)


@pytest.fixture
def planted_lockfile():
    """/tmp/.lockfile, owned by the intruder and private to it (whatever was there is put back afterwards)."""
    path = Path(tempfile.gettempdir()) / ".lockfile"
    before = path.stat() if path.exists() else None
    path.touch()
    intruder = os_user(INTRUDER)
    os.chown(path, intruder.pw_uid, intruder.pw_gid)
    path.chmod(0o600)
    yield path
    if before is None:
        path.unlink(missing_ok=True)
    else:
        os.chown(path, before.st_uid, before.st_gid)
        path.chmod(stat.S_IMODE(before.st_mode))


def private_folder_of(user) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="clinic-home-"))
    os.chown(folder, user.pw_uid, user.pw_gid)
    return folder


def test_another_user_of_the_computer_never_gets_into_a_first_start_with_a_long_data_path(planted_lockfile):
    require_root()
    desk, intruder = os_user(DESK_USER), os_user(INTRUDER)
    home, intruder_home = private_folder_of(desk), private_folder_of(intruder)
    try:
        home.chmod(0o755)  # an ordinary home: others may look in, as the attack assumed
        data_dir = home / "Roaming Profile" / "AppData" / "Local" / "clinic-scheduler" / ("data-" + "x" * 40)
        assert len(str(data_dir / "pgdata" / ".s.PGSQL.5432")) > 100, "the path must be too long for a socket"
        stop = intruder_home / "stop"
        prowler = run_as(intruder, intruder_home, INTRUDER_CODE, str(stop), tempfile.gettempdir(), str(home), "/run")
        try:
            # The other user is already polling when the desk starts.
            wait_until(lambda: (intruder_home / "ready").exists() or prowler.poll() is not None, "the prowler's start")
            assert prowler.poll() is None, prowler.stderr.read()
            desk_run = run_as(desk, home, DESK_CODE, str(data_dir))
            desk_out, desk_err = desk_run.communicate(timeout=180)
        finally:
            stop.touch()
            prowler_out, prowler_err = prowler.communicate(timeout=60)
        assert desk_run.returncode == 0, desk_err
        assert prowler.returncode == 0, prowler_err
        starts, prowl = json.loads(desk_out), json.loads(prowler_out)

        assert prowl["rounds"] > 0
        assert prowl["got_in"] == [], f"the other user got in: {prowl}"
        assert prowl["secrets"] == [], "the other user read the maintenance secret"
        for start in starts:
            assert start["superusers"] == ["postgres"]
            assert start["dir_mode"] == 0o700 and start["socket_mode"] == 0o700, start
            assert not Path(start["socket_dir"]).is_relative_to(data_dir), "the socket had to go elsewhere"
        assert starts[0]["socket_dir"] == starts[1]["socket_dir"], "a restart keeps the socket where it was"
        assert "trust" not in (data_dir / "pgdata" / "pg_hba.conf").read_text()
    finally:
        remembered = data_dir / "pgdata" / SOCKET_DIR_FILE  # the private socket folder outlives a stop
        if remembered.exists():
            shutil.rmtree(remembered.read_text().strip(), ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(intruder_home, ignore_errors=True)


def _modes_above(path: Path) -> dict[Path, int]:
    return {folder: stat.S_IMODE(folder.stat().st_mode) for folder in path.parents}


def test_run_as_root_the_server_runs_as_its_own_account_and_no_folder_above_the_data_changes(
    embedded_data_dir, monkeypatch
):
    require_root()
    monkeypatch.delenv("CLINIC_DATA_DIR", raising=False)
    assert user_data_dir() == ROOT_DATA_DIR, "root's embedded data is not kept in its private home"
    home = Path(tempfile.mkdtemp(prefix="clinic-root-home-"))  # 0700, as root's home is
    try:
        private_data = home / ".local" / "share" / "clinic-scheduler"
        with pytest.raises(EmbeddedServerError, match=f"{ACCOUNT_NAME}.*{home} is private"):
            start_embedded_server(private_data, throwaway=True)
        assert stat.S_IMODE(home.stat().st_mode) == 0o700, "root's home stays private"
    finally:
        shutil.rmtree(home, ignore_errors=True)

    before = {**_modes_above(embedded_data_dir), **_modes_above(programs_dir())}
    server = start_embedded_server(embedded_data_dir, throwaway=True)
    try:
        assert psutil.Process(server.pid).username() == ACCOUNT_NAME
        assert {**_modes_above(embedded_data_dir), **_modes_above(programs_dir())} == before
        assert stat.S_IMODE(server.pgdata.stat().st_mode) == 0o700
    finally:
        server.cleanup()


def test_a_data_folder_left_trusting_by_an_older_version_asks_for_passwords_again(embedded_data_dir):
    server = start_embedded_server(embedded_data_dir, throwaway=True)
    try:
        server.stop()
        # As an interrupted first start of an older version left it: trust for the superuser, no secret yet.
        (server.pgdata / "pg_hba.conf").write_text("local all postgres trust\nlocal all all scram-sha-256\n")
        (server.pgdata / SECRET_FILE).unlink()
        server.start()
        assert (server.pgdata / "pg_hba.conf").read_text() == PG_HBA
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(host=str(server.socket_dir), user="postgres", dbname="postgres", password="")
        with psycopg.connect(conninfo(server_url(server, "postgres"))) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("postgres",)
    finally:
        server.cleanup()


@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_run_as_root_no_file_the_server_s_account_links_into_its_data_is_written(embedded_data_dir, link):
    """Whoever acts as the server's account (its superuser can, with COPY ... TO PROGRAM) may replace a file in the
    data folder by a link to a file of root's: the next start as root must not write through it."""
    require_root()
    server = start_embedded_server(embedded_data_dir, throwaway=True)
    victim = Path(tempfile.mkdtemp(prefix="clinic-victim-")) / "precious"
    victim.write_text("root's own\n")
    try:
        server.stop()
        settings = server.pgdata / "clinic.conf"
        settings.unlink()
        if link == "symbolic":
            settings.symlink_to(victim)
        else:
            os.link(victim, settings)
        with pytest.raises(EmbeddedServerError, match=r"clinic\.conf"):
            server.start()
        assert victim.read_text() == "root's own\n" and victim.stat().st_uid == 0
    finally:
        settings.unlink(missing_ok=True)
        server.cleanup()
        shutil.rmtree(victim.parent, ignore_errors=True)


def test_a_data_folder_others_may_write_in_is_refused(embedded_data_dir):
    embedded_data_dir.chmod(0o777)
    with pytest.raises(EmbeddedServerError, match="must belong to this user and be writable by it alone"):
        start_embedded_server(embedded_data_dir, throwaway=True)
    assert not (embedded_data_dir / "pgdata").exists()


def test_a_postmaster_pid_left_by_a_crash_is_not_taken_for_a_running_server(embedded_data_dir):
    """After a crash the pid in postmaster.pid may belong to another process, even another PostgreSQL's."""
    server = start_embedded_server(embedded_data_dir, throwaway=True)
    try:
        pid = server.pid
        lines = (server.pgdata / "postmaster.pid").read_text().splitlines()
        assert is_our_postmaster(pid, int(lines[2]))
        assert not is_our_postmaster(pid, int(lines[2]) - 3600), "the same pid, started an hour before: not ours"
        assert not is_our_postmaster(os.getpid(), int(psutil.Process().create_time())), "not a postgres at all"
    finally:
        server.cleanup()
